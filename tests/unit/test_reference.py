"""Reference data: the folder is checked and loaded; codes outside it are quarantined with a hint
naming the file; after editing only the folder, reloading the days loads every row."""

import datetime as dt
import json
import shutil

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from lending.contract import load_contract
from lending.contract.model import parse_contract
from lending.ingestion.load import load_days
from lending.reference import ReferenceDataError, load_reference
from lending.reference_report import format_unknown_codes, unknown_codes
from lending.settings import REPO_ROOT, Settings
from orchestration.partitions import ReprocessRangeError, reprocess_span
from tests.conftest import write_day

CONTRACT = load_contract()
DEFAULTS = REPO_ROOT / "reference"
TS = "2025-03-01T10:00:00+08:00"
APP_HEADER = (
    "application_id,user_id,applied_at,product,requested_amount,term_months,annual_income,"
    "monthly_debt,employment_type,bureau_score,status,decided_at,approved_amount,apr,"
    "reject_reason,updated_at"
)


@pytest.fixture
def ref_dir(tmp_path):
    """A user's copy of the default reference folder."""
    target = tmp_path / "my_reference"
    shutil.copytree(DEFAULTS, target)
    return target


def append(path, *lines):
    with open(path, "a", encoding="utf-8") as f:
        f.write("".join(line + "\n" for line in lines))


def test_defaults_load_typed_with_one_row_per_code(con):
    counts = load_reference(con, DEFAULTS)
    assert set(counts) == set(CONTRACT.reference)
    for name, n in counts.items():
        lines = (DEFAULTS / f"{name}.csv").read_text(encoding="utf-8").strip().splitlines()
        assert n == len(lines) - 1, name
    types = dict(con.execute(
        "select column_name, data_type from information_schema.columns "
        "where table_schema = 'reference' and table_name = 'channels'").fetchall())
    assert types == {"channel": "VARCHAR", "channel_group": "VARCHAR", "is_paid": "BOOLEAN",
                     "description": "VARCHAR"}
    assert con.execute("select is_paid from reference.channels where channel = 'organic'"
                       ).fetchone() == (False,)
    assert con.execute("select data_type from information_schema.columns where table_schema = "
                       "'reference' and column_name = 'term_months'").fetchone() == ("INTEGER",)


def test_bad_files_are_reported_by_file_row_and_column_and_nothing_changes(con, ref_dir):
    load_reference(con, ref_dir)
    append(ref_dir / "channels.csv", "douyin,social,true,", " ,social,false,", "douyin,x,maybe,")
    (ref_dir / "products.csv").write_text("name,description\nconsumer,x\n", encoding="utf-8")
    (ref_dir / "event_types.csv").unlink()
    append(ref_dir / "loan_terms.csv", "eighteen,18 months")
    with pytest.raises(ReferenceDataError) as err:
        load_reference(con, ref_dir)
    message = str(err.value)
    channels = ref_dir / "channels.csv"
    # the 9 default channels are rows 1-9; the appended rows are 10, 11, 12
    assert f"{channels} row 11, column channel: empty value" in message
    assert f"{channels} row 12, column is_paid: not a valid boolean ('maybe')" in message
    assert f"{channels} rows 10, 12, column channel: duplicate code 'douyin'" in message
    assert f"{ref_dir / 'products.csv'}: required column 'product' is missing" in message
    assert f"{ref_dir / 'event_types.csv'}: file is missing" in message
    assert "loan_terms.csv row 5, column term_months: not a valid integer ('eighteen')" in message
    # the warehouse keeps the reference it had
    assert con.execute("select count(*) from reference.channels").fetchone() == (9,)


def test_bom_crlf_padding_and_extra_columns_are_accepted(con, ref_dir):
    text = "\ufeffevent_type,description,owner\r\n login ,Logged in,app team\r\nmini_open,,\r\n"
    (ref_dir / "event_types.csv").write_text(text, encoding="utf-8")
    assert load_reference(con, ref_dir)["event_types"] == 2
    assert con.execute("select event_type, description from reference.event_types order by 1"
                       ).fetchall() == [("login", "Logged in"), ("mini_open", None)]


# A lender whose exports use its own channels, terms and event types.
def lender_landing(root, day):
    spend = ["spend_date,channel,campaign_id,impressions,clicks,spend_cny",
             f"{day},douyin,DY1,1000,10,500.00",
             f"{day},douyin,DY2,2000,20,700.00",
             f"{day},wechat_moments,WM1,500,5,100.00",
             f"{day},search_ads,SA1,100,1,10.00"]
    write_day(root, "marketing_spend", day.isoformat(), "\n".join(spend) + "\n", "csv")
    apps = [APP_HEADER] + [
        f"A{i},U1,{TS},consumer,5000.00,{term},120000.00,1000.00,salaried,650,submitted,,,,,{TS}"
        for i, term in enumerate([12, 18, 36, 48, 36], start=1)
    ]
    write_day(root, "applications", day.isoformat(), "\n".join(apps) + "\n", "csv")
    events = [json.dumps({"event_id": f"E{i}", "user_id": "U1", "event_type": t,
                          "occurred_at": TS})
              for i, t in enumerate(["login", "mini_program_open", "login"], start=1)]
    write_day(root, "app_events", day.isoformat(), "\n".join(events) + "\n", "jsonl")
    folder = root / "loans" / f"dt={day}"
    folder.mkdir(parents=True)
    ts = pa.array([dt.datetime(2025, 3, 1, 2, tzinfo=dt.UTC)] * 2, pa.timestamp("s", tz="UTC"))
    pq.write_table(pa.table({
        "loan_id": ["L1", "L2"], "application_id": ["A1", "A3"], "user_id": ["U1", "U1"],
        "disbursed_at": ts, "principal": pa.array(["5000.00"] * 2).cast(pa.decimal128(18, 2)),
        "apr": pa.array(["0.1800"] * 2).cast(pa.decimal128(8, 4)),
        "term_months": pa.array([12, 36], pa.int32()),
        "repayment_method": ["equal_installment", "balloon"], "updated_at": ts,
    }), folder / "loans.parquet")


LENDER_SOURCES = ["marketing_spend", "applications", "app_events", "loans"]


def load_all(con, root, day):
    return {s: load_days(con, root, CONTRACT[s], [day])[0] for s in LENDER_SOURCES}


def test_unknown_codes_are_quarantined_then_load_after_editing_only_the_folder(
        tmp_path, con, day, ref_dir):
    landing = tmp_path / "landing"
    lender_landing(landing, day)
    load_reference(con, ref_dir)
    results = load_all(con, landing, day)
    assert {s: (r.rows_loaded, r.rows_quarantined) for s, r in results.items()} == {
        "marketing_spend": (1, 3), "applications": (1, 4), "app_events": (2, 1), "loans": (1, 1)}
    reasons = con.execute("select source, reasons from raw.quarantine group by all order by all"
                          ).fetchall()
    assert reasons == [
        ("app_events", ["not_allowed:event_type"]),
        ("applications", ["not_allowed:term_months"]),
        ("loans", ["not_allowed:term_months", "not_allowed:repayment_method"]),
        ("marketing_spend", ["not_allowed:channel"]),
    ]

    report = {(r.source, r.column): r for r in unknown_codes(con, ref_dir)}
    assert set(report) == {("marketing_spend", "channel"), ("applications", "term_months"),
                           ("app_events", "event_type"), ("loans", "repayment_method"),
                           ("loans", "term_months")}
    spend = report[("marketing_spend", "channel")]
    assert (spend.codes, spend.rows, spend.reference_file, spend.key) == (
        [("douyin", 2), ("wechat_moments", 1)], 3, ref_dir / "channels.csv", "channel")
    assert report[("applications", "term_months")].codes == [("36", 2), ("18", 1), ("48", 1)]
    text = format_unknown_codes(list(report.values()))
    assert "marketing_spend.channel: 'douyin' (2 rows), 'wechat_moments' (1 row)" in text
    assert f"add to {ref_dir / 'loan_terms.csv'} (column term_months)" in text
    assert f"make reprocess FROM={day} TO={day}" in text

    # The user edits only the reference folder ...
    append(ref_dir / "channels.csv", "douyin,social,true,Douyin ads",
           "wechat_moments,social,true,WeChat Moments ads")
    append(ref_dir / "loan_terms.csv", "18,18 months", "36,36 months", "48,48 months")
    append(ref_dir / "event_types.csv", "mini_program_open,Opened the mini program")
    load_reference(con, ref_dir)
    # ... the summary now says those codes wait for a reprocess, not for an edit
    pending = {(r.source, r.column): r for r in unknown_codes(con, ref_dir)}
    assert pending[("marketing_spend", "channel")].codes == []
    assert pending[("marketing_spend", "channel")].added_since == ["douyin", "wechat_moments"]
    assert pending[("loans", "repayment_method")].codes == [("balloon", 1)]
    assert pending[("loans", "term_months")].added_since == ["36"]
    # ... and reloading the day (what `make run` / `make reprocess` do) loads every row
    append(ref_dir / "repayment_methods.csv", "balloon,Principal at maturity")
    load_reference(con, ref_dir)
    results = load_all(con, landing, day)
    assert {s: (r.rows_loaded, r.rows_quarantined) for s, r in results.items()} == {
        "marketing_spend": (4, 0), "applications": (5, 0), "app_events": (3, 0), "loans": (2, 0)}
    assert con.execute("select count(*) from raw.quarantine").fetchone() == (0,)
    assert unknown_codes(con, ref_dir) == []
    assert con.execute("select sum(spend_cny) from raw.marketing_spend where channel = 'douyin'"
                       ).fetchone()[0] == 1200


def test_load_days_on_a_fresh_warehouse_loads_the_configured_folder(
        tmp_path, con, day, ref_dir, monkeypatch):
    append(ref_dir / "channels.csv", "douyin,social,true,")
    monkeypatch.setenv("LENDING_REFERENCE_DIR", str(ref_dir))
    lender_landing(tmp_path, day)
    [result] = load_days(con, tmp_path, CONTRACT["marketing_spend"], [day])
    assert (result.rows_loaded, result.rows_quarantined) == (3, 1)  # wechat_moments only


def test_settings_reference_dir_defaults_to_the_repo_folder():
    assert Settings.from_env({}).reference_dir == DEFAULTS
    assert Settings.from_env({"LENDING_REFERENCE_DIR": "/x/ref"}).reference_dir.as_posix() == (
        "/x/ref")


def contract_with(channel_spec: dict) -> dict:
    return {
        "version": 1,
        "sources": {"s": {"format": "csv", "natural_key": ["id"], "columns": {
            "id": {"type": "varchar"}, "channel": channel_spec}}},
        "reference": {"channels": {"columns": {
            "channel": {"type": "varchar", "required": True}, "is_paid": {"type": "boolean"}}}},
    }


@pytest.mark.parametrize("spec, error", [
    ({"type": "varchar", "reference": "terms.term"}, "no reference table 'terms'"),
    ({"type": "varchar", "reference": "channels.is_paid"}, "must name the key column 'channel'"),
    ({"type": "integer", "reference": "channels.channel"}, "type integer differs"),
    ({"type": "varchar", "reference": "channels.channel", "allowed": ["a"]}, "not both"),
])
def test_contract_rejects_a_bad_reference_declaration(spec, error):
    with pytest.raises(ValueError, match=error):
        parse_contract(contract_with(spec))


def test_contract_reference_declarations_resolve():
    parsed = parse_contract(contract_with({"type": "varchar", "reference": "channels.channel"}))
    assert parsed.referenced(parsed["s"].column("channel")).key.name == "channel"
    assert parsed.referenced(parsed["s"].column("id")) is None


def test_reprocess_span_is_checked():
    settings = Settings.from_env({"LENDING_START_DATE": "2025-01-01"})
    assert reprocess_span("2025-02-01", "2025-02-03", settings) == ("2025-02-01", "2025-02-03")
    assert reprocess_span("2025-02-01", None, settings) == ("2025-02-01", "2025-02-01")
    for start, end, error in [(None, None, "needs --from"), ("2025-02-03", "2025-02-01", "before"),
                              ("2024-12-31", None, "first export day"), ("2025-2-1", None, "YYYY-MM-DD"),
                              ("2025-02-01", "2999-01-01", "newest export day")]:
        with pytest.raises(ReprocessRangeError, match=error):
            reprocess_span(start, end, settings)


def test_the_simulators_own_lists_match_the_default_files():
    """The simulator plays a source system with its own code lists; the shipped defaults must
    accept every code it writes (so the demo loads), except the unknown channel it injects."""
    from simulator import schema

    def codes(name):
        with open(DEFAULTS / f"{name}.csv", encoding="utf-8") as f:
            return [line.split(",")[0] for line in f.read().splitlines()[1:]]

    # 'direct' is the platform's own channel for conversions without a touch; no source sends it.
    assert set(schema.CHANNELS) | {"direct"} == set(codes("channels"))
    assert schema.UNKNOWN_CHANNEL not in codes("channels")
    assert set(schema.PRODUCTS) == set(codes("products"))
    assert {str(t) for t in schema.TERMS} == set(codes("loan_terms"))
    assert set(schema.EMPLOYMENT) == set(codes("employment_types"))
    assert set(schema.PAY_CHANNELS) == set(codes("payment_channels"))
    assert set(schema.EVENT_TYPES) == set(codes("event_types"))
    assert set(schema.ACTION_TYPES) == set(codes("collection_action_types"))
    assert set(schema.OUTCOMES) == set(codes("collection_outcomes"))
    loans = schema.build_sources(("c1",))["loans"]
    methods = next(c for c in loans.cols if c.name == "repayment_method").cats
    assert set(methods) <= set(codes("repayment_methods"))
