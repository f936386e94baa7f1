"""App activity of registered users with churn and reactivation.

Month by month (vectorised over users) each user is active or dormant. Rejection makes users
churn, an open loan keeps them around, dormant users occasionally come back. Active users log
in, look at offers and update profiles; borrowers additionally look at their repayment plan a
few days before each due date (generated with the schedule, see :func:`due_date_views`).
"""

from __future__ import annotations

import numpy as np

from simulator.calendar import DAY, demand_factor, time_of_day
from simulator.frame import Frame

TYPE_P_BROWSER = np.array([0.62, 0.26, 0.07, 0.0, 0.05])
TYPE_P_BORROWER = np.array([0.60, 0.10, 0.03, 0.23, 0.04])


def _sigmoid(x):
    return 1 / (1 + np.exp(-x))


def month_events(rng: np.random.Generator, days: np.ndarray, user_idx: np.ndarray,
                 reg_ts: np.ndarray, engagement: np.ndarray, active: np.ndarray,
                 rejected_recently: np.ndarray, has_loan: np.ndarray) -> tuple[Frame, np.ndarray]:
    """Events of one month for all users registered before its end; returns new active flags."""
    n = len(user_idx)
    d0, d1 = int(days[0]), int(days[-1]) + 1
    reg_day = reg_ts // DAY
    new = reg_day >= d0
    months_in = np.clip((d0 - reg_day) / 30.4, 0, 24)
    churn = _sigmoid(-1.7 + 1.6 * rejected_recently - 1.2 * has_loan + 0.06 * months_in)
    react = _sigmoid(-3.3 + 1.3 * has_loan)
    u = rng.random(n)
    active = np.where(new, True, np.where(active, u >= churn, u < react))
    first = np.maximum(reg_day, d0)
    frac = (d1 - first) / (d1 - d0)
    lam = np.where(active, 2.4 * engagement * frac, 0.0)
    k = rng.poisson(lam)
    owner = np.repeat(np.arange(n), k)
    m = len(owner)
    day = first[owner] + np.floor(rng.random(m) * (d1 - first[owner])).astype(np.int64)
    keep = rng.random(m) < demand_factor(day, month_end=1.1) / 1.1
    owner, day = owner[keep], day[keep]
    m = len(owner)
    ts = np.maximum(day * DAY + time_of_day(rng, m), reg_ts[owner] + 60)
    borrower = has_loan[owner]
    etype = np.where(borrower, rng.choice(5, m, p=TYPE_P_BORROWER),
                     rng.choice(5, m, p=TYPE_P_BROWSER))
    return {"user_id": user_idx[owner], "event_type": etype.astype(np.int64),
            "occurred_at": ts}, active


def due_date_views(rng: np.random.Generator, user_of_inst: np.ndarray,
                   due: np.ndarray) -> Frame:
    """Borrowers open the repayment page 0-3 days before most due dates."""
    pick = rng.random(len(due)) < 0.55
    d = due[pick] - rng.integers(0, 4, int(pick.sum()))
    return {"user_id": user_of_inst[pick], "event_type": np.full(len(d), 3),
            "occurred_at": d * DAY + time_of_day(rng, len(d))}
