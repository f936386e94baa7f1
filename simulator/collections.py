"""Collection actions on overdue loans: SMS, calls, e-mails, letters and field visits.

An overdue episode starts the day after a missed due date and ends when the installment is
settled (or about a year later for unrecovered defaults). Contact intensity and escalation
follow days past due; a few actions break the rules conduct monitoring looks for: calls at
non-compliant hours, bursts of >3 calls to the borrower on one day, contacts of third parties.
"""

from __future__ import annotations

import numpy as np

from simulator.calendar import DAY, HOUR, NA
from simulator.frame import Frame, segment_ids

# action type mix per DPD stage (<15, 15-60, >60): sms, call, email, letter, visit
STAGE_P = np.array([[0.60, 0.33, 0.07, 0.0, 0.0], [0.25, 0.55, 0.05, 0.10, 0.05],
                    [0.15, 0.40, 0.05, 0.22, 0.18]])
# outcome mix per action type: no_answer, promise_to_pay, paid, refused, wrong_number, delivered
OUTCOME_P = np.array([[0, 0, 0, 0, 0.04, 0.96], [0.45, 0.25, 0.03, 0.17, 0.10, 0],
                      [0, 0, 0, 0, 0.06, 0.94], [0, 0, 0, 0, 0.08, 0.92],
                      [0.2, 0.4, 0.05, 0.35, 0, 0]])


def _pick(rng: np.random.Generator, p: np.ndarray) -> np.ndarray:
    """Row-wise categorical draw from a matrix of probabilities."""
    return (rng.random(len(p))[:, None] > np.cumsum(p, axis=1)).sum(axis=1).clip(0, p.shape[1] - 1)


def actions(rng: np.random.Generator, loan_id: np.ndarray, inst: Frame, n_agents: int) -> Frame:
    """Actions for one batch of loans; ``loan_id`` maps the batch's loan index to its id."""
    due, settle = inst["due_date"], inst["settle_day"]
    # one episode per late installment (>=3 days) and one per defaulted loan (first missed due)
    late_len = np.where(settle == NA, 0, settle - due)
    dflt, lo = inst["defaulted"], inst["loan"]
    first_def = dflt & ~np.r_[False, dflt[:-1] & (lo[1:] == lo[:-1])]
    length = np.where(first_def, np.where(settle == NA, 360, late_len),
                      np.where(inst["defaulted"], 0, np.where(late_len >= 3, late_len, 0)))
    ep = np.flatnonzero(length > 0)
    start, length = due[ep] + 1, length[ep]
    n_act = rng.poisson(0.45 * np.minimum(length, 30) + 0.1 * np.clip(length - 30, 0, 330))
    burst = (length > 20) & (rng.random(len(ep)) < 0.06)
    n_burst = np.where(burst, rng.integers(4, 7, len(ep)), 0)
    owner, pos = segment_ids(n_act + n_burst)
    n = len(owner)
    is_burst = pos >= n_act[owner]
    off = np.floor(rng.random(n) ** 1.6 * length[owner]).astype(np.int64)
    off = np.where(is_burst, np.minimum(5, length[owner] - 1), off)
    day = start[owner] + off
    dpd = day - due[ep][owner]
    stage = np.where(dpd < 15, 0, np.where(dpd <= 60, 1, 2))
    atype = np.where(is_burst, 1, _pick(rng, STAGE_P[stage]))
    target = np.where(is_burst, 0, rng.choice(3, n, p=[0.85, 0.125, 0.025]))
    outcome = _pick(rng, OUTCOME_P[atype])
    ends = settle[ep][owner]
    outcome = np.where((ends != NA) & (day == ends) & (atype == 1), 2, outcome)
    odd_hour = rng.random(n) < 0.02
    hour = np.where(odd_hour, rng.choice([6, 7, 21, 22, 23], n), rng.integers(8, 21, n))
    ts = day * DAY + hour * HOUR + rng.integers(0, HOUR, n)
    loan = inst["loan"][ep][owner]
    agent = np.where(rng.random(n) < 0.8, (loan_id[loan] * 7) % n_agents,
                     rng.integers(0, n_agents, n))
    return {"loan_id": loan_id[loan], "action_at": ts, "action_type": atype.astype(np.int64),
            "contact_target": target.astype(np.int64), "outcome": outcome.astype(np.int64),
            "agent_id": agent.astype(np.int64) + 1, "_day": day}
