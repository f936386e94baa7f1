"""Each kind of bad row lands in raw.quarantine with the right reason; loads are idempotent."""

import datetime as dt

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from lending.contract import load_contract
from lending.ingestion.load import load_days
from tests.conftest import write_day

CONTRACT = load_contract()
APP_HEADER = (
    "application_id,user_id,applied_at,product,requested_amount,term_months,annual_income,"
    "monthly_debt,employment_type,bureau_score,status,decided_at,approved_amount,apr,"
    "reject_reason,updated_at"
)
TS = "2025-03-01T10:00:00+08:00"


def app_row(app_id="A1", applied_at=TS, product="consumer", amount="5000.00", term="12",
            score="650", apr=""):
    return (f"{app_id},U1,{applied_at},{product},{amount},{term},120000.00,1000.00,salaried,"
            f"{score},submitted,,,{apr},,{TS}")


def quarantine(con, source):
    return con.execute(
        "select _source_row, reasons, columns from raw.quarantine where source = ? "
        "order by _source_row", [source]
    ).fetchall()


def test_csv_bad_rows_are_quarantined_with_reason_file_and_row(tmp_path, con, day):
    rows = [
        app_row("A1"),                          # 1 good
        app_row("A2", applied_at="2025-13-45"),  # 2 unparseable timestamp
        app_row("A3", amount="-5.00"),           # 3 negative amount
        app_row("A4", product="crypto"),         # 4 not an allowed product
        app_row(""),                             # 5 missing id
        app_row("A6", applied_at="2025-03-01T10:00:00"),  # 6 timestamp without offset
        "A7,U1,too,few",                         # 7 wrong number of fields
        app_row("A8", score="1200", apr="1.5"),  # 8 out of range, twice
        app_row("A9", score=""),                 # 9 good: bureau_score is nullable
    ]
    write_day(tmp_path, "applications", day.isoformat(), "\n".join([APP_HEADER, *rows]) + "\n",
              "csv")
    [result] = load_days(con, tmp_path, CONTRACT["applications"], [day])
    assert (result.status, result.rows_read, result.rows_loaded, result.rows_quarantined) == (
        "loaded", 9, 2, 7)
    assert quarantine(con, "applications") == [
        (2, ["invalid_type:applied_at"], ["applied_at"]),
        (3, ["out_of_range:requested_amount"], ["requested_amount"]),
        (4, ["not_allowed:product"], ["product"]),
        (5, ["missing_required:application_id"], ["application_id"]),
        (6, ["missing_offset:applied_at"], ["applied_at"]),
        (7, ["malformed_row"], []),
        (8, ["out_of_range:bureau_score", "out_of_range:apr"], ["apr", "bureau_score"]),
    ]
    good = con.execute(
        "select application_id, _source_file, _source_row, _partition_date, bureau_score "
        "from raw.applications order by 1").fetchall()
    assert good == [
        ("A1", "applications/dt=2025-03-01/applications.csv", 1, day, 650),
        ("A9", "applications/dt=2025-03-01/applications.csv", 9, day, None),
    ]
    (record,) = con.execute(
        "select record->>'$.line' from raw.quarantine where _source_row = 7").fetchone()
    assert record == "A7,U1,too,few"


def test_jsonl_malformed_json_unknown_channel_and_missing_id(tmp_path, con, day):
    good = ('{"touch_id":"T1","visitor_id":"V1","user_id":null,"channel":"search_ads",'
            f'"campaign_id":"search_ads-01","touch_type":"click","touched_at":"{TS}"}}')
    lines = [
        good,
        "{not json",
        good.replace('"T1"', '"T3"').replace("search_ads", "tiktok_ads"),
        good.replace('"T1"', "null"),
        good.replace('"T1"', '"T5"').replace(TS, "not-a-date"),
    ]
    write_day(tmp_path, "touchpoints", day.isoformat(), "\n".join(lines) + "\n", "jsonl")
    [result] = load_days(con, tmp_path, CONTRACT["touchpoints"], [day])
    assert (result.rows_read, result.rows_loaded, result.rows_quarantined) == (5, 1, 4)
    assert quarantine(con, "touchpoints") == [
        (2, ["malformed_json"], []),
        (3, ["not_allowed:channel"], ["channel"]),
        (4, ["missing_required:touch_id"], ["touch_id"]),
        (5, ["invalid_type:touched_at"], ["touched_at"]),
    ]
    assert con.execute("select touch_id, user_id from raw.touchpoints").fetchall() == [("T1", None)]


def loans_table(loan_ids, principals):
    ts = pa.array([dt.datetime(2025, 3, 1, 2, tzinfo=dt.UTC)] * len(loan_ids),
                  pa.timestamp("s", tz="Asia/Shanghai"))
    n = len(loan_ids)
    return pa.table({
        "loan_id": loan_ids, "application_id": ["A1"] * n, "user_id": ["U1"] * n,
        "disbursed_at": ts, "principal": pa.array(principals, pa.decimal128(18, 2)),
        "apr": pa.array(["0.1800"] * n).cast(pa.decimal128(8, 4)),
        "term_months": pa.array([12] * n, pa.int32()),
        "repayment_method": ["equal_installment"] * n, "updated_at": ts,
    })


def test_parquet_negative_amount_and_missing_id(tmp_path, con, day):
    from decimal import Decimal

    folder = tmp_path / "loans" / f"dt={day}"
    folder.mkdir(parents=True)
    pq.write_table(loans_table(["L1", None, "L3"],
                               [Decimal("5000.00"), Decimal("100.00"), Decimal("-1.00")]),
                   folder / "loans.parquet")
    [result] = load_days(con, tmp_path, CONTRACT["loans"], [day])
    assert (result.rows_loaded, result.rows_quarantined) == (1, 2)
    assert quarantine(con, "loans") == [
        (2, ["missing_required:loan_id"], ["loan_id"]),
        (3, ["out_of_range:principal"], ["principal"]),
    ]
    (disbursed,) = con.execute("select disbursed_at::varchar from raw.loans").fetchone()
    assert disbursed == "2025-03-01 10:00:00+08"


def test_missing_required_column_fails_only_that_day_naming_file_and_column(tmp_path, con):
    d1, d2 = dt.date(2025, 3, 1), dt.date(2025, 3, 2)
    write_day(tmp_path, "applications", d1.isoformat(), APP_HEADER + "\n" + app_row("A1") + "\n",
              "csv")
    header_without_product = APP_HEADER.replace("product,", "")
    write_day(tmp_path, "applications", d2.isoformat(), header_without_product + "\n", "csv")
    r1, r2 = load_days(con, tmp_path, CONTRACT["applications"], [d1, d2])
    assert (r1.status, r1.rows_loaded) == ("loaded", 1)
    assert r2.status == "failed"
    assert "dt=2025-03-02/applications.csv" in r2.error and "column 'product'" in r2.error
    log = con.execute("select _partition_date, status from raw.load_log order by 1").fetchall()
    assert log == [(d1, "loaded"), (d2, "failed")]


def test_missing_day_is_reported_not_fatal_and_extra_columns_are_ignored(tmp_path, con):
    d1, d2 = dt.date(2025, 3, 1), dt.date(2025, 3, 2)
    write_day(tmp_path, "applications", d1.isoformat(),
              APP_HEADER + ",surprise\n" + app_row("A1") + ",x\n", "csv")
    r1, r2 = load_days(con, tmp_path, CONTRACT["applications"], [d1, d2])
    assert (r1.status, r1.rows_loaded, r1.extra_columns) == ("loaded", 1, ["surprise"])
    assert r2.status == "missing"


def test_files_not_of_the_source_format_are_reported_not_silently_dropped(tmp_path, con, day):
    path = write_day(tmp_path, "applications", day.isoformat(),
                     APP_HEADER + "\n" + app_row("A1") + "\n", "csv")
    folder = path.parent
    (folder / "late.jsonl").write_text('{"application_id": "A2"}\n', encoding="utf-8")
    (folder / "more.csv.gz").write_bytes(b"not read")
    (folder / "~$applications.csv").write_text("an Office lock file", encoding="utf-8")
    (folder / ".DS_Store").write_bytes(b"macOS")
    [result] = load_days(con, tmp_path, CONTRACT["applications"], [day])
    assert (result.status, result.rows_loaded) == ("loaded", 1)
    prefix = f"applications/dt={day.isoformat()}/"
    assert result.ignored_files == [prefix + "late.jsonl", prefix + "more.csv.gz"]
    # reported on an unchanged day too: the files are still there, still not read
    [again] = load_days(con, tmp_path, CONTRACT["applications"], [day], only_changed=True)
    assert again.status == "unchanged" and again.ignored_files == result.ignored_files


def test_missing_optional_column_loads_as_null(tmp_path, con, day):
    header = APP_HEADER.replace(",reject_reason", "")
    row = app_row("A1").rsplit(",", 2)
    write_day(tmp_path, "applications", day.isoformat(),
              header + "\n" + row[0] + "," + row[2] + "\n", "csv")
    [result] = load_days(con, tmp_path, CONTRACT["applications"], [day])
    assert (result.rows_loaded, result.missing_optional_columns) == (1, ["reject_reason"])


def test_reloading_a_day_replaces_its_rows_and_never_duplicates(tmp_path, con, day):
    write_day(tmp_path, "applications", day.isoformat(),
              "\n".join([APP_HEADER, app_row("A1"), app_row("A2", amount="-1")]) + "\n", "csv")
    load_days(con, tmp_path, CONTRACT["applications"], [day])
    load_days(con, tmp_path, CONTRACT["applications"], [day])
    counts = con.execute("select (select count(*) from raw.applications), "
                         "(select count(*) from raw.quarantine)").fetchone()
    assert counts == (1, 1)
    write_day(tmp_path, "applications", day.isoformat(),
              "\n".join([APP_HEADER, app_row("A1"), app_row("A2")]) + "\n", "csv")
    load_days(con, tmp_path, CONTRACT["applications"], [day])
    counts = con.execute("select (select count(*) from raw.applications), "
                         "(select count(*) from raw.quarantine)").fetchone()
    assert counts == (2, 0)


def _loaded_at(con, day):
    return con.execute("select status, _ingested_at, input_digest from raw.load_log "
                       "where source = 'applications' and _partition_date = ?", [day]).fetchone()


def test_an_unchanged_day_is_not_loaded_again_and_any_changed_input_reloads_it(
        tmp_path, con, day):
    """The daily path (lending/ingestion/digest.py): same files, contract and reference data ->
    the day is left as it is; a changed byte, a renamed file or a new reference code reloads it."""
    source = CONTRACT["applications"]
    rows = [app_row("A1"), app_row("A2", product="crypto")]  # A2: not an allowed product
    path = write_day(tmp_path, "applications", day.isoformat(),
                     "\n".join([APP_HEADER, *rows]) + "\n", "csv")
    [first] = load_days(con, tmp_path, source, [day], only_changed=True)
    assert (first.status, first.rows_loaded, first.rows_quarantined) == ("loaded", 1, 1)
    status, loaded_at, digest = _loaded_at(con, day)
    assert status == "loaded" and len(digest) == 64

    [again] = load_days(con, tmp_path, source, [day], only_changed=True)
    assert (again.status, again.rows_read, again.input_digest) == ("unchanged", 0, digest)
    assert _loaded_at(con, day) == ("loaded", loaded_at, digest)  # the log row is untouched

    # Without only_changed every given day is loaded again (same rows, a new load).
    [forced] = load_days(con, tmp_path, source, [day])
    assert (forced.status, forced.rows_loaded, forced.input_digest) == ("loaded", 1, digest)
    assert _loaded_at(con, day)[1] > loaded_at

    # A new code in the reference data: A2 now loads.
    con.execute("insert into reference.products (product, description) values ('crypto', 'x')")
    [recoded] = load_days(con, tmp_path, source, [day], only_changed=True)
    assert (recoded.status, recoded.rows_loaded, recoded.rows_quarantined) == ("loaded", 2, 0)
    assert recoded.input_digest != digest

    # The same bytes under another file name: the lineage changes, so the day loads again.
    renamed = path.with_name("applications_v2.csv")
    path.rename(renamed)
    [moved] = load_days(con, tmp_path, source, [day], only_changed=True)
    assert moved.status == "loaded" and moved.files == [
        f"applications/dt={day.isoformat()}/applications_v2.csv"]
    assert con.execute("select distinct _source_file from raw.applications").fetchall() == [
        (moved.files[0],)]

    # One changed byte (a corrected amount): loaded again, with the corrected value.
    renamed.write_text(renamed.read_text().replace("5000.00", "5001.00", 1))
    [corrected] = load_days(con, tmp_path, source, [day], only_changed=True)
    assert corrected.status == "loaded"
    assert con.execute("select application_id, requested_amount::double from raw.applications "
                       "order by 1").fetchall() == [("A1", 5001.0), ("A2", 5000.0)]


def test_failed_days_and_days_loaded_before_digests_are_always_loaded_again(tmp_path, con, day):
    source = CONTRACT["applications"]
    path = write_day(tmp_path, "applications", day.isoformat(), "", "csv")
    [failed] = load_days(con, tmp_path, source, [day], only_changed=True)
    [still] = load_days(con, tmp_path, source, [day], only_changed=True)
    assert (failed.status, still.status) == ("failed", "failed")
    path.write_text(APP_HEADER + "\n" + app_row("A1") + "\n")
    load_days(con, tmp_path, source, [day], only_changed=True)
    # A warehouse loaded before digests existed has none: the day loads once more.
    con.execute("update raw.load_log set input_digest = null")
    [old] = load_days(con, tmp_path, source, [day], only_changed=True)
    [new] = load_days(con, tmp_path, source, [day], only_changed=True)
    assert (old.status, new.status) == ("loaded", "unchanged")
    assert con.execute("select count(*) from raw.applications").fetchone() == (1,)


@pytest.mark.parametrize("text", ["", "\xff\xfe garbage"])
def test_unreadable_csv_fails_the_day_with_the_file_name(tmp_path, con, day, text):
    path = write_day(tmp_path, "users", day.isoformat(), "", "csv")
    path.write_bytes(text.encode("latin-1"))
    [result] = load_days(con, tmp_path, CONTRACT["users"], [day])
    assert result.status == "failed" and "users/dt=2025-03-01/users.csv" in result.error


def test_a_day_whose_folder_disappeared_keeps_its_loaded_rows(tmp_path, con, day):
    path = write_day(tmp_path, "applications", day.isoformat(),
                     APP_HEADER + "\n" + app_row("A1") + "\n", "csv")
    load_days(con, tmp_path, CONTRACT["applications"], [day])
    path.unlink()
    path.parent.rmdir()
    [result] = load_days(con, tmp_path, CONTRACT["applications"], [day])
    assert result.status == "missing"
    assert con.execute("select count(*) from raw.applications").fetchone() == (1,)
    assert con.execute("select status, rows_loaded from raw.load_log").fetchall() == [("loaded", 1)]


def test_blank_csv_line_is_quarantined_and_row_numbers_stay_true(tmp_path, con, day):
    text = "\n".join([APP_HEADER, app_row("A1"), "", app_row("A3")]) + "\n"
    write_day(tmp_path, "applications", day.isoformat(), text, "csv")
    [result] = load_days(con, tmp_path, CONTRACT["applications"], [day])
    assert (result.rows_read, result.rows_loaded, result.rows_quarantined) == (3, 2, 1)
    assert quarantine(con, "applications") == [(2, ["empty_row"], [])]
    rows = con.execute("select application_id, _source_row from raw.applications order by 2")
    assert rows.fetchall() == [("A1", 1), ("A3", 3)]


def test_timestamps_need_a_time_and_offset_and_cannot_postdate_the_export(tmp_path, con, day):
    rows = [
        app_row("A1", applied_at="2025-03-01"),                 # 1 date only
        app_row("A2", applied_at="2025-03-05T10:00:00+08:00"),  # 2 four days after export day
        app_row("A3", applied_at="2025-03-01T23:59:59+08:00"),  # 3 fine: same day
        app_row("A4", amount="12.345"),                          # 4 three decimals on money
    ]
    write_day(tmp_path, "applications", day.isoformat(), "\n".join([APP_HEADER, *rows]) + "\n",
              "csv")
    [result] = load_days(con, tmp_path, CONTRACT["applications"], [day])
    assert (result.rows_loaded, result.rows_quarantined) == (1, 3)
    assert quarantine(con, "applications") == [
        (1, ["missing_offset:applied_at"], ["applied_at"]),
        (2, ["after_export_day:applied_at"], ["applied_at"]),
        (4, ["invalid_precision:requested_amount"], ["requested_amount"]),
    ]


def test_parquet_timestamp_without_time_zone_fails_the_day_naming_the_column(tmp_path, con, day):
    from decimal import Decimal

    table = loans_table(["L1"], [Decimal("5000.00")])
    naive = table.column("disbursed_at").cast(pa.timestamp("s"))
    table = table.set_column(table.schema.get_field_index("disbursed_at"), "disbursed_at", naive)
    folder = tmp_path / "loans" / f"dt={day}"
    folder.mkdir(parents=True)
    pq.write_table(table, folder / "loans.parquet")
    [result] = load_days(con, tmp_path, CONTRACT["loans"], [day])
    assert result.status == "failed"
    assert "loans/dt=2025-03-01/loans.parquet" in result.error
    assert "column 'disbursed_at'" in result.error


def test_day_ranges_compact_consecutive_days():
    from lending.ingestion.dayranges import day_ranges

    d = dt.date
    days = [d(2022, 10, 8) + dt.timedelta(days=i) for i in range(39)]  # 10-08 .. 11-15
    days += [d(2022, 12, 1), d(2022, 12, 3), d(2022, 12, 4), d(2022, 12, 3)]  # a repeat
    assert day_ranges(reversed(days)) == [
        "2022-10-08..2022-11-15 (39 days)", "2022-12-01", "2022-12-03..2022-12-04 (2 days)"]
    assert day_ranges([]) == []
    assert day_ranges([d(2024, 2, 28), d(2024, 2, 29), d(2024, 3, 1)]) == [
        "2024-02-28..2024-03-01 (3 days)"]  # across a leap day and a month end


def test_contract_text_keys_default_override_and_fail_loudly():
    import copy

    import yaml

    from lending.contract.model import CONTRACT_PATH, DEFAULT_NULL_VALUES, parse_contract

    raw = yaml.safe_load(CONTRACT_PATH.read_text(encoding="utf-8"))
    assert CONTRACT.null_values == DEFAULT_NULL_VALUES == ("", "NULL", "null", "NA", "N/A", "\\N")
    assert (CONTRACT["users"].encoding, CONTRACT["users"].null_values) == ("utf-8",
                                                                           DEFAULT_NULL_VALUES)
    custom = copy.deepcopy(raw)
    custom["null_values"] = ["", "-"]
    custom["sources"]["users"].update(encoding="gb18030", null_values=["?"])
    parsed = parse_contract(custom)
    assert (parsed["users"].encoding, parsed["users"].null_values) == ("gb18030", ("?",))
    assert parsed["applications"].null_values == ("", "-")  # the top-level list
    for source, key, value, message in [
        ("users", "encoding", "klingon", "unknown encoding"),
        ("loans", "encoding", "utf-8", "csv and jsonl only"),
        ("users", "null_values", "NULL", "list of strings"),
    ]:
        bad = copy.deepcopy(raw)
        bad["sources"][source][key] = value
        with pytest.raises(ValueError, match=message):
            parse_contract(bad)


def test_conform_casts_exact_types_and_turns_the_rest_into_text():
    from decimal import Decimal

    from lending.contract import Column
    from lending.ingestion.conform import combine, conform_column

    def conform(values, arrow_type, col_type):
        array, nested = conform_column(pa.chunked_array([pa.array(values, arrow_type)]),
                                       Column("x", col_type, ""), "f.parquet")
        assert nested is None
        return array.type, array.to_pylist()

    assert conform([1, None], pa.int32(), "bigint") == (pa.int64(), [1, None])
    assert conform([2.0, float("nan")], pa.float64(), "bigint") == (pa.string(), ["2", None])
    assert conform([2.0, 3.0], pa.float32(), "integer") == (pa.int32(), [2, 3])
    assert conform([2**40], pa.int64(), "integer") == (pa.string(), ["1099511627776"])
    assert conform([12.5, 1001.0], pa.float64(), "varchar") == (pa.string(), ["12.5", "1001"])
    assert conform(["12.50"], pa.string(), "decimal(18,2)") == (pa.string(), ["12.50"])
    assert conform([Decimal("1.5")], pa.decimal128(10, 1), "decimal(18,2)") == (
        pa.decimal128(18, 2), [Decimal("1.50")])
    # Files that disagree on a column's type are combined as text, losslessly.
    a = pa.table({"x": pa.array([Decimal("1.50")], pa.decimal128(18, 2))})
    b = pa.table({"x": pa.array(["abc"])})
    assert combine([a, b]).column("x").to_pylist() == ["1.50", "abc"]
    assert combine([a, a]).schema.field("x").type == pa.decimal128(18, 2)


def test_run_summary_reports_missing_and_failed_days_as_ranges():
    from lending.ingestion.load import DayResult
    from orchestration.assets.ingestion import _summary

    days = [dt.date(2025, 3, d) for d in range(1, 8)]
    statuses = ["missing", "missing", "missing", "loaded", "failed", "missing", "loaded"]
    results = [DayResult("users", d, s, rows_read=2 if s == "loaded" else 0,
                         rows_loaded=2 if s == "loaded" else 0)
               for d, s in zip(days, statuses, strict=True)]
    summary = _summary(results)
    assert summary["missing_days"] == ["2025-03-01..2025-03-03 (3 days)", "2025-03-06"]
    assert summary["failed_days"] == ["2025-03-05"]
    assert (summary["days_loaded"], summary["rows_loaded"]) == (2, 4)


def test_make_run_summary_names_the_export_days_that_failed(tmp_path, capsys):
    from lending.ingestion.schema import ensure_raw_schema
    from lending.reference import load_reference
    from lending.settings import Settings
    from lending.summary import print_summary

    settings = Settings.from_env({"LENDING_DATA_DIR": str(tmp_path)})
    settings.warehouse_path.parent.mkdir(parents=True)
    with duckdb.connect(str(settings.warehouse_path)) as con:
        ensure_raw_schema(con)
        load_reference(con, settings.reference_dir)
        for day, error in (("2025-03-01", "a.parquet, column principal: cannot read"),
                           ("2025-03-02", "b.parquet: truncated"), ("2025-03-05", "c: bad")):
            con.execute(
                "insert into raw.load_log values "
                "('loans', ?, 'failed', [], 0, 0, 0, [], [], ?, now(), null)",
                [day, error])
    print_summary(settings)
    out = capsys.readouterr().out
    assert ("Export days of loans that could not be loaded (raw.load_log): "
            "2025-03-01..2025-03-02 (2 days), 2025-03-05\n"
            "  e.g. ") in out
