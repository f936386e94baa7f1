"""Loans and their equal-installment (等额本息) repayment schedules.

Schedules are computed in integer cents for all loans of a batch at once, looping only over
the installment number (at most 24): interest = round(balance * apr/12), principal = payment -
interest, and the last installment takes whatever principal is left, so principal_due sums
exactly to the loan principal.
"""

from __future__ import annotations

import numpy as np

from simulator.calendar import DAY, add_months_days
from simulator.frame import Frame

SERVICE_FEE_CENTS = np.array([0, 0, 500, 1000, 1500])  # flat monthly fee per risk grade


def schedule(principal: np.ndarray, apr: np.ndarray, term: np.ndarray, disb_day: np.ndarray,
             grade: np.ndarray) -> Frame:
    """Installment rows, loan-major: ``loan`` is the row index into the batch's loans."""
    n = len(principal)
    r = apr / 10_000 / 12
    pay = np.round(principal * r / (1 - (1 + r) ** (-term.astype(float))))
    bal = principal.astype(np.int64).copy()
    kmax = int(term.max()) if n else 0
    prin = np.zeros((n, kmax), np.int64)
    intr = np.zeros((n, kmax), np.int64)
    for k in range(kmax):
        interest = np.round(bal * r).astype(np.int64)
        p = np.where(k == term - 1, bal, np.clip(pay - interest, 0, bal)).astype(np.int64)
        live = k < term
        prin[:, k] = np.where(live, p, 0)
        intr[:, k] = np.where(live, interest, 0)
        bal = bal - prin[:, k]
    mask = np.arange(kmax)[None, :] < term[:, None]
    loan, k = np.nonzero(mask)
    return {"loan": loan, "installment_no": (k + 1).astype(np.int64),
            "due_date": add_months_days(disb_day[loan], k + 1),
            "principal_due": prin[loan, k], "interest_due": intr[loan, k],
            "fee_due": SERVICE_FEE_CENTS[grade[loan]]}


def loan_rows(apps: Frame, loan_id: np.ndarray) -> Frame:
    """Export rows of the ``loans`` source (exported on the disbursement day)."""
    return {"loan_id": loan_id, "application_id": apps["app_idx"], "user_id": apps["user_idx"],
            "disbursed_at": apps["disb_ts"], "principal": apps["principal"], "apr": apps["apr"],
            "term_months": apps["term"], "repayment_method": np.zeros(len(loan_id), np.int64),
            "updated_at": apps["disb_ts"], "_day": apps["disb_ts"] // DAY}
