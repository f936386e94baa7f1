"""The simulator writes exactly the landing contract: folders, columns, formats, invariants."""

from __future__ import annotations

import hashlib
import json
import re
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from simulator import SimulationConfig, generate
from simulator.cli import main
from simulator.pii import id_check_char
from tests.unit.simulator.landing import clean, read_source

COLUMNS = {
    "marketing_spend": ["spend_date", "channel", "campaign_id", "impressions", "clicks",
                        "spend_cny"],
    "touchpoints": ["touch_id", "visitor_id", "user_id", "channel", "campaign_id", "touch_type",
                    "touched_at"],
    "users": ["user_id", "visitor_id", "registered_at", "full_name", "phone", "id_number",
              "birth_date", "gender", "city", "city_tier", "occupation", "updated_at"],
    "applications": ["application_id", "user_id", "applied_at", "product", "requested_amount",
                     "term_months", "annual_income", "monthly_debt", "employment_type",
                     "bureau_score", "status", "decided_at", "approved_amount", "apr",
                     "reject_reason", "updated_at"],
    "loans": ["loan_id", "application_id", "user_id", "disbursed_at", "principal", "apr",
              "term_months", "repayment_method", "updated_at"],
    "installments": ["loan_id", "installment_no", "due_date", "principal_due", "interest_due",
                     "fee_due"],
    "repayments": ["payment_id", "loan_id", "installment_no", "paid_at", "principal_paid",
                   "interest_paid", "fee_paid", "penalty_paid", "payment_channel"],
    "app_events": ["event_id", "user_id", "event_type", "occurred_at"],
    "collection_actions": ["action_id", "loan_id", "action_at", "action_type", "contact_target",
                           "outcome", "agent_id"],
}
EXT = {"touchpoints": "jsonl", "app_events": "jsonl", "loans": "parquet",
       "installments": "parquet", "repayments": "parquet"}
TS = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+08:00$")
MONEY = re.compile(r"^-?\d+\.\d{2}$")


def _hashes(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def test_same_seed_is_byte_identical_and_other_seed_differs(tmp_path):
    cfg = SimulationConfig(seed=3, months=2, scale=200, progress=False)
    generate(tmp_path / "a", cfg)
    generate(tmp_path / "b", cfg)
    generate(tmp_path / "c", SimulationConfig(seed=4, months=2, scale=200, progress=False))
    a, b, c = (_hashes(tmp_path / x) for x in "abc")
    assert a == b
    assert a.keys() == c.keys() and a != c


def test_every_source_has_a_file_for_every_day(small):
    root, summary = small
    days = summary["days"]
    assert days == 120
    for source in COLUMNS:
        folders = sorted(p.name for p in (root / source).iterdir())
        expected = [f"dt={date(2025, 1, 1) + timedelta(d)}" for d in range(days)]
        assert folders == expected, source
        for f in folders:
            assert (root / source / f / f"{source}.{EXT.get(source, 'csv')}").is_file()


def test_columns_exactly_as_contract(small):
    root, _ = small
    for source, cols in COLUMNS.items():
        ext = EXT.get(source, "csv")
        for f in sorted((root / source).glob(f"dt=*/{source}.{ext}"))[::17]:
            if ext == "csv":
                assert f.read_text(encoding="utf-8").split("\n", 1)[0] == ",".join(cols)
            elif ext == "parquet":
                assert pq.read_schema(f).names == cols
            else:
                for line in f.read_text(encoding="utf-8").splitlines()[:50]:
                    assert list(json.loads(line)) == cols


def test_parquet_types(small):
    root, _ = small
    s = pq.read_schema(next((root / "repayments").glob("dt=*/repayments.parquet")))
    assert s.field("principal_paid").type == pa.decimal128(18, 2)
    assert s.field("paid_at").type.tz == "Asia/Shanghai"
    s = pq.read_schema(next((root / "loans").glob("dt=*/loans.parquet")))
    assert s.field("apr").type == pa.decimal128(8, 4)
    s = pq.read_schema(next((root / "installments").glob("dt=*/installments.parquet")))
    assert s.field("due_date").type == pa.date32()


def test_text_formats(small):
    root, summary = small
    apps = read_source(root, "applications")
    bad = summary["injected"]["applications"]["malformed"]
    assert (~apps["applied_at"].str.match(TS)).sum() <= bad
    dec = apps["decided_at"].dropna()
    assert dec.str.match(TS).all()
    money = apps["requested_amount"].dropna()
    assert money.str.match(MONEY).all()
    spend = read_source(root, "marketing_spend")
    assert spend["spend_cny"].str.match(MONEY).all()
    touches = read_source(root, "touchpoints")
    assert set(clean(touches, "touch_id")["channel"]) <= {
        "app_store", "search_ads", "social_video", "info_feed", "affiliate", "referral",
        "offline_partner", "organic", "tiktok_ads"}
    assert touches.loc[touches["channel"] == "organic", "campaign_id"].isna().all()


def test_id_numbers_valid_and_consistent(small):
    root, _ = small
    users = clean(read_source(root, "users"), "user_id", "registered_at")
    ids = users["id_number"]
    assert ids.str.match(r"^\d{17}[\dX]$").all()
    assert all(id_check_char(x[:17]) == x[17] for x in ids)
    assert (ids.str[6:14] == users["birth_date"].str.replace("-", "")).all()
    parity = ids.str[16].astype(int) % 2
    assert (parity[users["gender"] == "M"] == 1).all()
    assert (parity[users["gender"] == "F"] == 0).all()
    assert users["phone"].str.match(r"^1[3-9]\d{9}$").all()
    assert set(users["city_tier"].astype(int)) <= {1, 2, 3, 4, 5}


def test_apr_bounds(small):
    root, _ = small
    apps = clean(read_source(root, "applications"), "application_id", "applied_at")
    apr = apps["apr"].dropna().astype(float)
    assert apr.max() <= 0.36 and apr.min() >= 0.10
    assert 0 < (apr > 0.24).mean() < 0.15
    loans = clean(read_source(root, "loans"), "loan_id")
    assert float(loans["apr"].max()) <= 0.36


def test_schedule_sums_to_principal_and_payments_never_exceed_due(small):
    root, _ = small
    loans = clean(read_source(root, "loans"), "loan_id").drop_duplicates("loan_id")
    inst = clean(read_source(root, "installments"), "loan_id")
    pays = clean(read_source(root, "repayments"), "payment_id")
    sums = inst.groupby("loan_id")["principal_due"].sum()
    assert (sums.reindex(loans["loan_id"]).to_numpy() == loans["principal"].to_numpy()).all()
    assert (inst.groupby("loan_id").size().reindex(loans["loan_id"]).to_numpy()
            == loans["term_months"].to_numpy()).all()
    m = pays.merge(inst, on=["loan_id", "installment_no"], validate="many_to_one")
    for part in ("principal", "interest", "fee"):
        assert (m[f"{part}_paid"] <= m[f"{part}_due"]).all()
        tot = m.groupby(["loan_id", "installment_no"])[[f"{part}_paid", f"{part}_due"]].agg(
            {f"{part}_paid": "sum", f"{part}_due": "first"})
        assert (tot[f"{part}_paid"] <= tot[f"{part}_due"]).all()
    apps = clean(read_source(root, "applications"), "application_id", "applied_at")
    owner = apps.drop_duplicates("application_id").set_index("application_id")["user_id"]
    assert (loans["user_id"].to_numpy() == owner.loc[loans["application_id"]].to_numpy()).all()
    assert {"auto_debit", "app"} <= set(pays["payment_channel"]) <= {
        "auto_debit", "app", "collection", "offline"}


def test_application_status_flow(small):
    root, summary = small
    apps = clean(read_source(root, "applications"), "application_id", "applied_at")
    first = read_source(root, "applications")
    first = first[first["status"] == "submitted"]
    on_applied_day = first["_dt"] == first["applied_at"].str[:10]
    assert on_applied_day.mean() > 0.95  # the rest are late-arriving or re-exported copies
    statuses = apps.groupby("application_id")["status"].agg(set)
    assert statuses.map(lambda s: "submitted" in s).mean() > 0.99
    assert summary["injected"]["applications"]["status_update"] > 0
    decided = apps[apps["status"].isin(["approved", "rejected"])]
    lag = (pd.to_datetime(decided["decided_at"].str[:10])
           - pd.to_datetime(decided["applied_at"].str[:10])).dt.days
    assert lag.between(0, 3).all()


def test_summary_reconciles_with_files(small):
    root, summary = small
    on_disk = json.loads((root / "_simulation.json").read_text())
    assert on_disk["rows"] == summary["rows"]
    for source in ("users", "loans", "app_events"):
        assert len(read_source(root, source)) == summary["rows"][source]


def test_cli_main(tmp_path):
    assert main(["--out", str(tmp_path), "--months", "1", "--scale", "100", "--no-progress",
                 "--start", "2025-06-01"]) == 0
    assert (tmp_path / "users" / "dt=2025-06-30" / "users.csv").is_file()
    assert not (tmp_path / "users" / "dt=2025-07-01").exists()


@pytest.mark.parametrize("bad", [{"months": 0}, {"error_rate": 0.9}])
def test_config_validation(bad):
    with pytest.raises(ValueError):
        SimulationConfig(**bad)


def test_collection_conduct_signals(small):
    root, _ = small
    acts = clean(read_source(root, "collection_actions"), "action_id", "action_at")
    hour = acts["action_at"].str[11:13].astype(int)
    odd = ((hour < 8) | (hour >= 21)).mean()
    assert 0.0 < odd < 0.06
    assert np.isin(acts["contact_target"], ["borrower", "emergency_contact",
                                            "third_party"]).all()
    assert (acts["contact_target"] == "third_party").mean() < 0.06


def test_collection_call_bursts(medium):
    root, _ = medium
    acts = clean(read_source(root, "collection_actions"), "action_id", "action_at")
    calls = acts[(acts["action_type"] == "call") & (acts["contact_target"] == "borrower")]
    per_day = calls.groupby([calls["loan_id"], calls["action_at"].str[:10]]).size()
    assert (per_day > 3).sum() > 0
