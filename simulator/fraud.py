"""Fraud rings: a small first-party fraud pattern, so the fraud marts have something to find.

A ring is a handful of users controlled by one fraudster: they share an ID number or a phone
(or a chain of both, which only connected components link up), arrive through ONE affiliate
campaign in one attack week (a wave every third month), register within a day, apply in a
burst once all are registered (some submit twice within hours) and never pay. Their profiles
look clean to the credit policy (employed, decent income, low debt, no bureau file), so the
credit model alone cannot stop them.

The simulator keeps the ground truth (``Simulation.fraud_truth``) for tests; it is returned by
``generate`` (key ``fraud_truth``) and written to ``_fraud_truth.json`` beside
``_simulation.json``, never into a source folder, so the warehouse cannot read it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from simulator.calendar import DAY, HOUR
from simulator.channels import CAMPAIGNS
from simulator.frame import Frame, segment_ids
from simulator.schema import CHANNELS

FRAUD_CAMPAIGN = CAMPAIGNS.index("affiliate-01")
AFFILIATE = CHANNELS.index("affiliate")
RING_SIZE = (4, 9)  # members per ring, [low, high)
MEAN_RING_SIZE = 6.0
RING_RISK = 25.0  # latent risk: default hazard ~1 at the first installment, no recovery
KINDS = ("phone", "id_number", "chain")
TRUTH_FILE = "_fraud_truth.json"  # beside _simulation.json, outside every source folder


WAVE_EVERY = 3  # rings come in waves: months 2, 5, 8, ... of the run (0-based month % 3 == 1)


def rings_in_month(rate: float, scale: int, month: int) -> int:
    """Rings started in simulated month ``month`` (0-based). Attacks come in quarterly waves, so
    ``rate`` x new users x 3 months / mean ring size rings arrive in every third month (at least
    one when the rate is positive, so a small demo still shows the pattern; none at rate 0).
    Waves, not a steady trickle: a campaign alert compares a week with the trailing 8 weeks of
    its channel, and a steady attack would be its own baseline."""
    if rate <= 0 or month % WAVE_EVERY != 1:
        return 0
    return max(1, int(round(rate * scale * WAVE_EVERY / MEAN_RING_SIZE)))


@dataclass
class RingPlan:
    """Members of the rings of one month (0-based position within the batch of new users)."""

    ring: np.ndarray        # ring number (global) per member
    pos: np.ndarray         # position of the member in its ring
    kind: np.ndarray        # index into KINDS per member
    reg_ts: np.ndarray      # registration time per member
    touch_ts: np.ndarray    # affiliate click shortly before registration
    apply_ts: np.ndarray    # first application per member
    second_ts: np.ndarray   # second application (within the burst) or -1


def plan(rng: np.random.Generator, days: np.ndarray, n_rings: int, first_ring: int) -> RingPlan:
    """Sizes, kinds and timings of this month's rings, all within one attack week."""
    size = rng.integers(RING_SIZE[0], RING_SIZE[1], n_rings)
    owner, pos = segment_ids(size)
    n = len(owner)
    # one calendar week (Monday to Sunday) of the month: rings start on its Monday or Tuesday,
    # members register within a day, so applications and most disbursements share that week
    first_monday = int(days[0]) + (4 - int(days[0])) % 7  # day 4 = 1970-01-05 was a Monday
    weeks = max(1, (int(days[-1]) - 6 - first_monday) // 7 + 1)
    week0 = first_monday + 7 * int(rng.integers(0, weeks))
    start = (week0 + rng.integers(0, 2, n_rings)) * DAY + rng.integers(8 * HOUR, 20 * HOUR, n_rings)
    reg_ts = start[owner] + rng.integers(0, DAY, n)
    last_reg = np.zeros(n_rings, np.int64)
    np.maximum.at(last_reg, owner, reg_ts)
    apply_ts = last_reg[owner] + rng.integers(10 * 60, 12 * HOUR, n)
    second = rng.random(n) < 0.4
    second_ts = np.where(second, apply_ts + rng.integers(HOUR, 20 * HOUR, n), -1)
    return RingPlan(ring=first_ring + owner, pos=pos, kind=rng.integers(0, len(KINDS), n_rings)[owner],
                    reg_ts=reg_ts, touch_ts=reg_ts - rng.integers(60, 900, n), apply_ts=apply_ts,
                    second_ts=second_ts)


def share_identities(p: RingPlan, rows: Frame, attrs: Frame) -> None:
    """Overwrite phones / ID numbers in place so ring members share them (a reused ID number
    comes with its birth date and gender, as the ID check at registration requires).

    phone: every member uses the ring leader's phone; id_number: the leader's ID number; chain:
    member i reuses member i-1's phone when i is odd and its ID number when i is even, so the
    ring is a path that only transitive linking (connected components) sees as one.
    """
    leader = np.flatnonzero(p.pos == 0)
    lead_of = leader[np.searchsorted(leader, np.arange(len(p.pos)), side="right") - 1]
    prev = np.maximum(np.arange(len(p.pos)) - 1, 0)
    follower = p.pos > 0
    kind = np.asarray(KINDS, dtype=object)[p.kind]
    use_phone = follower & (kind == "phone")
    use_id = follower & (kind == "id_number")
    chain_phone = follower & (kind == "chain") & (p.pos % 2 == 1)
    chain_id = follower & (kind == "chain") & (p.pos % 2 == 0)
    # chain: odd members never change their ID number, even ones never their phone, so copying
    # from the previous member takes its own original value
    src_phone = np.where(use_phone, lead_of, np.where(chain_phone, prev, np.arange(len(p.pos))))
    src_id = np.where(use_id, lead_of, np.where(chain_id, prev, np.arange(len(p.pos))))
    rows["phone"] = rows["phone"][src_phone]
    for col in ("id_number", "birth_date", "gender"):
        rows[col] = rows[col][src_id]
    attrs["birth_day"] = attrs["birth_day"][src_id]


def clean_profile(attrs: Frame) -> None:
    """Ring members present as employed, well-paid, lightly indebted thin files; their latent
    risk makes them stop paying at once."""
    n = len(attrs["risk"])
    attrs["risk"] = np.full(n, RING_RISK)
    attrs["emp"] = np.zeros(n, np.int64)
    attrs["income"] = np.maximum(attrs["income"], 96_000.0)
    attrs["dti"] = np.full(n, 0.08)
    attrs["thin"] = np.ones(n, bool)
