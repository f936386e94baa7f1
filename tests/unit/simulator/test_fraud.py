"""The simulator's fraud rings (simulator/fraud.py): shared identities, one affiliate campaign,
burst applications, no payments, a ground truth outside the source folders, deterministic."""

from __future__ import annotations

import json
from datetime import date

import pandas as pd
import pytest

from simulator import SimulationConfig, generate
from simulator.fraud import TRUTH_FILE, rings_in_month
from tests.unit.simulator.landing import clean, read_source


@pytest.fixture(scope="module")
def truth(small) -> pd.DataFrame:
    root, _ = small
    return pd.DataFrame(json.loads((root / TRUTH_FILE).read_text()))


def test_ring_count_follows_rate_and_waves():
    # 0.015 x 300 users x 3 months / 6 per ring = 2.25 -> 2 rings in wave months (1, 4, ...) only
    assert [rings_in_month(0.015, 300, m) for m in range(6)] == [0, 2, 0, 0, 2, 0]
    assert rings_in_month(0.001, 300, 1) == 1  # a positive rate shows at least one ring
    assert rings_in_month(0.0, 300, 1) == 0


def test_truth_is_outside_the_source_folders(small, truth):
    root, summary = small
    assert (root / TRUTH_FILE).is_file()
    assert not list(root.glob(f"*/{TRUTH_FILE}")) and not list(root.glob(f"*/*/{TRUTH_FILE}"))
    assert summary["fraud_truth"]["user_id"] == truth["user_id"].tolist()
    # SMALL = 4 months: the wave month 1 only, 2 rings of 4-8 users
    assert truth["ring"].nunique() == 2 and 8 <= len(truth) <= 16
    assert summary["fraud_users"] == len(truth)


def test_rings_share_identities_and_arrive_through_one_campaign(small, truth):
    root, _ = small
    users = clean(read_source(root, "users"), "user_id", "registered_at")
    ring_users = users[users["user_id"].isin(truth["user_id"])].merge(truth, on="user_id")
    assert set(ring_users["user_id"]) == set(truth["user_id"])  # error rate 0.002: none lost here
    for _, g in ring_users.groupby("ring"):
        # every member shares a phone or an ID number with another member
        shares = g["phone"].duplicated(keep=False) | g["id_number"].duplicated(keep=False)
        assert shares.all(), g[["user_id", "phone", "id_number", "kind"]]
        regs = pd.to_datetime(g["registered_at"], format="ISO8601", utc=True)
        assert regs.max() - regs.min() <= pd.Timedelta(days=2)
        assert regs.dt.tz_convert("Asia/Shanghai").dt.dayofweek.max() <= 2  # Mon-Wed
    honest = users[~users["user_id"].isin(truth["user_id"])]
    assert not honest["phone"].isin(ring_users["phone"]).any()
    touches = clean(read_source(root, "touchpoints"), "touch_id", "touched_at")
    ring_visitors = ring_users["visitor_id"]
    camp = touches.loc[touches["visitor_id"].isin(ring_visitors), "campaign_id"]
    assert set(camp) == {"affiliate-01"}


def test_ring_loans_are_never_paid(small, truth):
    root, _ = small
    loans = clean(read_source(root, "loans"), "loan_id", "disbursed_at")
    pays = clean(read_source(root, "repayments"), "payment_id", "paid_at")
    ring_loans = loans[loans["user_id"].isin(truth["user_id"])]
    assert len(ring_loans) >= 5
    assert not pays["loan_id"].isin(ring_loans["loan_id"]).any()
    apps = clean(read_source(root, "applications"), "application_id", "applied_at")
    ring_apps = apps[apps["user_id"].isin(truth["user_id"]) & (apps["status"] == "submitted")]
    assert len(ring_apps) > len(truth) * 0.9  # nearly all apply, some twice
    # first applications in one burst per wave (a rejected member may try again weeks later)
    first = pd.to_datetime(ring_apps["applied_at"], format="ISO8601", utc=True).groupby(
        ring_apps["user_id"]).min()
    assert first.max() - first.min() <= pd.Timedelta(days=4), first.sort_values()


def test_rate_zero_and_determinism(tmp_path):
    cfg = SimulationConfig(seed=3, start=date(2025, 1, 1), months=2, scale=150, progress=False)
    a, b = generate(tmp_path / "a", cfg), generate(tmp_path / "b", cfg)
    assert a["fraud_truth"] == b["fraud_truth"] and a["fraud_users"] > 0
    off = generate(tmp_path / "c", SimulationConfig(**{**cfg.__dict__, "fraud_rate": 0.0}))
    assert off["fraud_users"] == 0 and off["fraud_truth"]["user_id"] == []
    with pytest.raises(ValueError, match="fraud_rate"):
        SimulationConfig(fraud_rate=0.6)
