"""Repayment behaviour of each loan over its whole life, decided at disbursement.

Driven by the borrower's latent risk (plus debt burden): a per-installment default hazard
(the borrower stops paying; some are later recovered through collection), late payments that
cure with a penalty, partial payments completed later, and early payoffs (all remaining
principal on one day, one row per settled installment). Everything is vectorised over the
installment rows of a batch; each row's payments never exceed what that installment owes.
"""

from __future__ import annotations

import numpy as np

from simulator.calendar import DAY, HOUR, NA, time_of_day
from simulator.frame import Frame

PENALTY_PER_DAY = 0.0005  # of the overdue installment amount
# Log-odds of a borrower of average risk stopping to pay at a given installment. -5.0 puts about
# 6-8% of approved loans ever 30+ DPD by their 6th month on book (online consumer lending runs at
# 3-10%); at -6.0 it was ~2.5%, too few bads for a credit model on a portfolio of a few thousand
# loans to be validated out of time.
DEFAULT_HAZARD_INTERCEPT = -5.0


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-x))


def _first_k(flag: np.ndarray, k: np.ndarray, loan: np.ndarray, n_loans: int) -> np.ndarray:
    out = np.full(n_loans, 99)
    np.minimum.at(out, loan[flag], k[flag])
    return out


def simulate(rng: np.random.Generator, sched: Frame, risk: np.ndarray, dti: np.ndarray,
             disb_ts: np.ndarray) -> tuple[Frame, Frame, Frame]:
    """Returns (payment rows without payment_id, per-installment outcome, per-loan outcome).

    ``risk``, ``dti`` and ``disb_ts`` are per loan of the batch; ``sched`` from loans.schedule.
    """
    loan, k = sched["loan"], sched["installment_no"]
    due = sched["due_date"]
    m, n_loans = len(loan), len(risk)
    r = risk[loan]
    hazard = _sigmoid(DEFAULT_HAZARD_INTERCEPT + 1.05 * r + 2.0 * (dti[loan] - 0.3) + 0.9 * (k <= 2))
    k_def = _first_k(rng.random(m) < hazard, k, loan, n_loans)
    p_pre = np.where(k >= 2, _sigmoid(-4.0 - 0.3 * r), 0)
    k_pre = _first_k(rng.random(m) < p_pre, k, loan, n_loans)
    k_pre = np.where(k_pre < k_def, k_pre, 99)
    k_def = np.where(k_def < k_pre, k_def, 99)
    owed_p, owed_i, owed_f = sched["principal_due"], sched["interest_due"], sched["fee_due"]
    total = owed_p + owed_i + owed_f
    regular = (k < k_def[loan]) & (k < k_pre[loan])
    # --- regular installments: on time, late (cured) or partial ---
    late = rng.random(m) < _sigmoid(-3.3 + 0.85 * r)
    u = rng.random(m)
    days_late = np.where(u < 0.7, rng.integers(1, 8, m),
                         np.where(u < 0.93, rng.integers(8, 31, m), rng.integers(31, 80, m)))
    days_late = np.where(late, days_late, 0)
    auto = rng.random(m) < 0.78
    on_time_ts = np.where(auto, due * DAY + rng.integers(6 * HOUR, 10 * HOUR, m),
                          (due - rng.integers(0, 6, m)) * DAY + time_of_day(rng, m))
    late_ts = (due + days_late) * DAY + time_of_day(rng, m)
    paid_ts = np.where(late, late_ts, on_time_ts)
    chan = np.where(late, np.where(days_late > 15, rng.choice([1, 2, 3], m, p=[.5, .4, .1]), 1),
                    np.where(auto, 0, 1))
    penalty = np.round(total * PENALTY_PER_DAY * days_late).astype(np.int64)
    partial = regular & (rng.random(m) < 0.04)
    frac = rng.uniform(0.3, 0.7, m)
    p1, i1 = np.floor(owed_p * frac).astype(np.int64), np.floor(owed_i * frac).astype(np.int64)
    gap2 = rng.integers(1, 21, m)
    idx_reg = np.flatnonzero(regular)
    idx_par = np.flatnonzero(partial)
    rows = [
        (idx_reg, paid_ts, np.where(partial, owed_p - p1, owed_p), np.where(partial, owed_i - i1,
         owed_i), owed_f, np.where(partial, penalty + np.round(total * PENALTY_PER_DAY * gap2),
         penalty), chan, np.where(partial, gap2 * DAY, 0)),
        (idx_par, paid_ts, p1, i1, np.zeros(m, np.int64), np.zeros(m, np.int64),
         np.where(late, chan, 1), np.zeros(m, np.int64)),
    ]
    # --- early payoff: one day between the previous and the payoff installment's due date ---
    kp = k_pre[loan]
    is_pre = k >= kp
    first_row = np.flatnonzero(is_pre & (k == kp))
    payoff_day = np.zeros(n_loans, np.int64)
    payoff_day[loan[first_row]] = due[first_row] - rng.integers(1, 25, len(first_row))
    pre_ts = payoff_day[loan] * DAY + time_of_day(rng, m)
    idx_pre = np.flatnonzero(is_pre)
    head = k == kp
    rows.append((idx_pre, pre_ts, owed_p, np.where(head, owed_i, 0), np.where(head, owed_f, 0),
                 np.zeros(m, np.int64), np.ones(m, np.int64), np.zeros(m, np.int64)))
    # --- defaults: stop paying from k_def; some recovered through collection later ---
    kd = k_def[loan]
    first_def = np.flatnonzero(k == kd)
    def_day = np.full(n_loans, NA)
    def_day[loan[first_def]] = due[first_def]
    recovered = (k_def < 99) & (rng.random(n_loans) < 0.3 * _sigmoid(-risk))
    rec_day = np.where(def_day != NA, def_day, 0) + rng.integers(45, 300, n_loans)
    n_rec = rng.integers(1, 4, n_loans)
    full_rec = rng.random(n_loans) < 0.35
    rec_upto = np.where(full_rec, 99, k_def + n_rec - 1)
    in_rec = (k >= kd) & recovered[loan] & (k <= rec_upto[loan])
    rec_late = np.maximum(rec_day[loan] - due, 0)
    rec_pen = np.round(total * PENALTY_PER_DAY * np.minimum(rec_late, 180)).astype(np.int64)
    rec_ts = rec_day[loan] * DAY + rng.integers(9 * HOUR, 20 * HOUR, m)
    idx_rec = np.flatnonzero(in_rec)
    rows.append((idx_rec, rec_ts, owed_p, owed_i, owed_f, rec_pen,
                 rng.choice([2, 3], m, p=[0.7, 0.3]), np.zeros(m, np.int64)))
    parts = []
    for idx, ts, pp, ii, ff, pen, ch, shift in rows:
        parts.append({"loan": loan[idx], "installment_no": k[idx], "paid_at": ts[idx] + shift[idx],
                      "principal_paid": pp[idx], "interest_paid": ii[idx], "fee_paid": ff[idx],
                      "penalty_paid": pen[idx], "payment_channel": ch[idx]})
    pay = {key: np.concatenate([p[key] for p in parts]) for key in parts[0]}
    pay["paid_at"] = np.maximum(pay["paid_at"], disb_ts[pay["loan"]] + 60)
    # --- outcomes for collections, repeat borrowing and activity ---
    settle_ts = np.full(m, NA)
    settle_ts[idx_reg] = paid_ts[idx_reg] + np.where(partial, gap2 * DAY, 0)[idx_reg]
    settle_ts[idx_pre] = pre_ts[idx_pre]
    settle_ts[idx_rec] = rec_ts[idx_rec]
    inst = {"loan": loan, "due_date": due, "settle_day": np.where(settle_ts == NA, NA,
            settle_ts // DAY), "defaulted": k >= kd}
    last_settle = np.full(n_loans, -1)
    np.maximum.at(last_settle, loan, np.where(settle_ts == NA, -1, settle_ts // DAY))
    all_paid = np.ones(n_loans, bool)
    np.logical_and.at(all_paid, loan, settle_ts != NA)
    worst_late = np.zeros(n_loans, np.int64)
    np.maximum.at(worst_late, loan, np.where(regular, days_late, 0))
    loans_out = {"payoff_day": np.where(all_paid, last_settle, NA),
                 "default_day": def_day, "worst_late": worst_late, "prepaid": k_pre < 99}
    return pay, inst, loans_out
