"""Marketing channels: visitor journeys (touchpoints), registrations and daily spend.

Channels differ in cost per click, click-through, registration conversion and the latent risk
of the borrowers they bring, so attribution marts find a real CAC/quality trade-off (cheap
social/info-feed traffic converts worse and defaults more; referral/organic is the best).
"""

from __future__ import annotations

import numpy as np

from simulator.calendar import DAY, HOUR, demand_factor, time_of_day
from simulator.frame import Frame, segment_ids
from simulator.schema import CHANNELS

# per channel: visitor share, cost per click (CNY), click-through, registration conversion of a
# visitor, latent risk shift (+ = riskier borrowers), number of campaigns
SHARE = np.array([0.14, 0.18, 0.20, 0.17, 0.10, 0.06, 0.04, 0.11])
CPC = np.array([2.2, 3.5, 1.2, 0.9, 1.8, 0.0, 4.0, 0.0])
CTR = np.array([0.030, 0.045, 0.012, 0.010, 0.020, 0.0, 0.050, 0.0])
CONV = np.array([0.09, 0.10, 0.06, 0.05, 0.07, 0.12, 0.11, 0.11])
RISK_SHIFT = np.array([-0.15, -0.25, 0.45, 0.60, 0.70, -0.40, 0.10, -0.45])
N_CAMPAIGNS = np.array([3, 4, 5, 4, 3, 2, 2, 0])
REFERRAL_BONUS_CNY = 30.0
ORGANIC = CHANNELS.index("organic")
REFERRAL = CHANNELS.index("referral")
MEAN_CONV = float(SHARE @ CONV)

CAMPAIGN_CHANNEL = np.repeat(np.arange(len(CHANNELS)), N_CAMPAIGNS)
CAMPAIGN_FIRST = np.cumsum(N_CAMPAIGNS) - N_CAMPAIGNS
CAMPAIGNS = tuple(f"{CHANNELS[c]}-{i + 1:02d}" for c in range(len(CHANNELS))
                  for i in range(N_CAMPAIGNS[c]))
# campaign quality: fixed (seed independent) spread of conversion and cost within a channel
_q = np.random.default_rng(7).lognormal(0, 0.25, size=(2, len(CAMPAIGNS)))
CAMPAIGN_CONV_MULT, CAMPAIGN_CPC_MULT = _q[0] / _q[0].mean(), _q[1]


def _campaign_of(rng: np.random.Generator, channel: np.ndarray) -> np.ndarray:
    """Uniform campaign within the channel; -1 (null) for organic."""
    n = N_CAMPAIGNS[channel]
    camp = CAMPAIGN_FIRST[channel] + np.floor(rng.random(len(channel)) * n).astype(np.int64)
    return np.where(n > 0, camp, -1)


def visitors_per_day(scale: int) -> float:
    return scale / MEAN_CONV / 30.44


def journeys(rng: np.random.Generator, days: np.ndarray, scale: int, next_visitor: int):
    """Visitors whose first touch falls in ``days`` and their pre-registration touches.

    Returns (touches frame without touch_id/user_id, registrations dict) where registrations
    holds visitor id, registration time and acquisition (first-touch) channel.
    """
    lam = visitors_per_day(scale) * demand_factor(days, weekend=1.1, month_end=1.1)
    n_day = rng.poisson(lam)
    first_day = np.repeat(days, n_day)
    nv = len(first_day)
    visitor = next_visitor + np.arange(nv, dtype=np.int64)
    ch0 = rng.choice(len(CHANNELS), size=nv, p=SHARE)
    camp0 = _campaign_of(rng, ch0)
    p_reg = CONV[ch0] * np.where(camp0 >= 0, CAMPAIGN_CONV_MULT[np.maximum(camp0, 0)], 1.0)
    reg = rng.random(nv) < p_reg
    length = np.where(reg, 2 + rng.poisson(1.3, nv), 1 + rng.poisson(0.6, nv)).clip(1, 8)
    owner, pos = segment_ids(length)
    nt = len(owner)
    switch = (pos > 0) & (rng.random(nt) < 0.35)
    channel = np.where(switch, rng.choice(len(CHANNELS), size=nt, p=SHARE), ch0[owner])
    campaign = np.where(switch, _campaign_of(rng, channel), camp0[owner])
    same_day = rng.random(nt) < 0.55
    gap = np.where(same_day, rng.integers(30, 1800, nt),
                   rng.geometric(0.35, nt) * DAY + rng.integers(-4 * HOUR, 4 * HOUR, nt))
    gap[pos == 0] = 0
    start = first_day * DAY + time_of_day(rng, nv)
    csum = np.cumsum(gap)
    t = start[owner] + csum - np.repeat(csum[np.cumsum(length) - length], length)
    paid = N_CAMPAIGNS[channel] > 0
    ttype = np.where(paid, rng.choice(3, size=nt, p=[0.45, 0.35, 0.20]), 2)
    ttype = np.where(channel == REFERRAL, np.where(rng.random(nt) < 0.5, 1, 2), ttype)
    last = pos == length[owner] - 1
    ttype = np.where(last & reg[owner], 2, ttype)
    touches = {"visitor_id": visitor[owner], "channel": channel.astype(np.int64),
               "campaign_id": campaign.astype(np.int64), "touch_type": ttype.astype(np.int64),
               "touched_at": t}
    ends = np.cumsum(length) - 1
    regs = {"visitor_id": visitor[reg], "registered_at": t[ends][reg] + rng.integers(60, 900,
            int(reg.sum())), "channel": ch0[reg]}
    return touches, regs, nv


def post_registration_touches(rng: np.random.Generator, user_idx: np.ndarray,
                              visitor: np.ndarray, reg_ts: np.ndarray) -> Frame:
    """Retargeting and return visits after registration; these carry the user_id."""
    k = rng.poisson(0.8, len(user_idx))
    owner, _ = segment_ids(k)
    n = len(owner)
    channel = rng.choice(len(CHANNELS), size=n, p=SHARE)
    paid = N_CAMPAIGNS[channel] > 0
    return {"visitor_id": visitor[owner], "user_id": user_idx[owner], "channel": channel,
            "campaign_id": _campaign_of(rng, channel),
            "touch_type": np.where(paid, rng.choice(3, size=n, p=[0.5, 0.3, 0.2]), 2),
            "touched_at": reg_ts[owner] + rng.integers(HOUR, 60 * DAY, n)}


def daily_spend(rng: np.random.Generator, days: np.ndarray, scale: int) -> Frame:
    """One row per day and paid/referral campaign; organic has no campaigns and no spend.

    Volumes follow the expected visitor flow of the campaign (with the same seasonality as the
    journeys); referral spend is the per-registration bonus paid to referrers.
    """
    nd, nc = len(days), len(CAMPAIGNS)
    chan = CAMPAIGN_CHANNEL
    per_day = visitors_per_day(scale) * demand_factor(days, weekend=1.1, month_end=1.1)
    exp_vis = per_day[:, None] * (SHARE[chan] / N_CAMPAIGNS[chan])[None, :]
    clicks = rng.poisson(exp_vis * 1.4)
    ctr = np.where(CTR[chan] > 0, CTR[chan], 1.0)[None, :]
    impressions = np.where(chan == REFERRAL, 0, rng.poisson(clicks / ctr))
    cpc = (CPC[chan] * CAMPAIGN_CPC_MULT)[None, :] * rng.lognormal(0, 0.08, (nd, nc))
    spend = clicks * cpc
    bonus = rng.poisson(exp_vis * CONV[REFERRAL]) * REFERRAL_BONUS_CNY
    spend = np.where(chan == REFERRAL, bonus, spend)
    return {"spend_date": np.repeat(days, nc), "channel": np.tile(chan, nd).astype(np.int64),
            "campaign_id": np.tile(np.arange(nc), nd).astype(np.int64),
            "impressions": impressions.ravel().astype(np.int64),
            "clicks": clicks.ravel().astype(np.int64),
            "spend_cny": np.round(spend.ravel() * 100).astype(np.int64),
            "_day": np.repeat(days, nc)}
