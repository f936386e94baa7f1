"""Bad exports: a corpus of malformed and awkward landing files, generated here (not by the
simulator), as another team's tools write them.

For every file, each row either loads with the right value or lands in raw.quarantine with a
reason naming its file, row and column; a file that cannot be read fails only its own export day
(the other days of the same batch are committed); and for every day that loaded, the landing rows
equal the rows loaded plus the rows quarantined. Expected values are worked out by hand from the
rows written in each test.
"""

import dataclasses
import datetime as dt
import json
import threading
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from lending.contract import load_contract
from lending.ingestion import load as load_module
from lending.ingestion.load import load_days

CONTRACT = load_contract()
D1, D2, D3, D4, D5 = (dt.date(2025, 3, d) for d in range(1, 6))
TS = "2025-03-01T10:00:00+08:00"
SHANGHAI = dt.timezone(dt.timedelta(hours=8))
# One batch for all days, or batches of two: then the days of a batch are read (by the reading
# threads) while the batch before is checked and written, and the outcome must be the same.
BATCHES = pytest.mark.parametrize("batch_days", [load_module.BATCH_DAYS, 2])


# ---------------------------------------------------------------------------------------------
# Writers and readers of the corpus


def put(landing: Path, source: str, day: dt.date, name: str, data: bytes | str,
        encoding: str = "utf-8") -> Path:
    folder = landing / source / f"dt={day.isoformat()}"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_bytes(data if isinstance(data, bytes) else data.encode(encoding))
    return path


def put_parquet(landing: Path, source: str, day: dt.date, table: pa.Table,
                name: str | None = None) -> Path:
    path = put(landing, source, day, name or f"{source}.parquet", b"")
    pq.write_table(table, path)
    return path


APP_COLUMNS = [
    "application_id", "user_id", "applied_at", "product", "requested_amount", "term_months",
    "annual_income", "monthly_debt", "employment_type", "bureau_score", "status", "decided_at",
    "approved_amount", "apr", "reject_reason", "updated_at",
]
APP_DEFAULTS = {
    "user_id": "U1", "applied_at": TS, "product": "consumer", "requested_amount": "5000.00",
    "term_months": "12", "annual_income": "120000.00", "monthly_debt": "1000.00",
    "employment_type": "salaried", "bureau_score": "650", "status": "submitted",
    "decided_at": "", "approved_amount": "", "apr": "", "reject_reason": "", "updated_at": TS,
}


def app_line(app_id: str, columns=APP_COLUMNS, **values) -> str:
    row = {"application_id": app_id, **APP_DEFAULTS, **values}
    return ",".join(row[c] for c in columns)


def app_csv(*lines: str, columns=APP_COLUMNS, newline: str = "\n") -> str:
    return newline.join([",".join(columns), *lines]) + newline


USER_COLUMNS = [
    "user_id", "visitor_id", "registered_at", "full_name", "phone", "id_number", "birth_date",
    "gender", "city", "city_tier", "occupation", "updated_at",
]


def users_csv(*rows: tuple[str, str, str]) -> str:
    """Rows of (user_id, full_name, city) with valid other values."""
    lines = [",".join(USER_COLUMNS)] + [
        f"{uid},V1,{TS},{name},13800000000,110101199001011234,1990-01-01,F,{city},1,clerk,{TS}"
        for uid, name, city in rows
    ]
    return "\n".join(lines) + "\n"


def repayments(n: int, **columns) -> pa.Table:
    """n valid repayments (ids P1..Pn, loan L1, paid 2025-03-01 10:00 +08:00); overrides by name."""
    cents = pa.decimal128(18, 2)
    base = {
        "payment_id": pa.array([f"P{i}" for i in range(1, n + 1)]),
        "loan_id": pa.array(["L1"] * n),
        "installment_no": pa.array([1] * n, pa.int32()),
        "paid_at": pa.array([dt.datetime(2025, 3, 1, 10, tzinfo=SHANGHAI)] * n,
                            pa.timestamp("us", tz="Asia/Shanghai")),
        "principal_paid": pa.array([Decimal("100.00")] * n, cents),
        "interest_paid": pa.array([Decimal("10.00")] * n, cents),
        "fee_paid": pa.array([Decimal("1.00")] * n, cents),
        "penalty_paid": pa.array([Decimal("0.00")] * n, cents),
        "payment_channel": pa.array(["app"] * n),
    }
    base.update(columns)
    return pa.table(base)


def quarantine(con, source: str) -> list[tuple]:
    return con.execute(
        """select _partition_date, _source_file, _source_row, reasons, columns
           from raw.quarantine where source = ? order by _partition_date, _source_file,
           _source_row""", [source],
    ).fetchall()


def status(results) -> dict:
    return {r.day: r.status for r in results}


def assert_accounted(con, source: str, results, landing_rows: dict[dt.date, int]) -> None:
    """Every loaded day: landing rows = rows read = loaded + quarantined, as stored in raw."""
    loaded = {r.day: r for r in results if r.status == "loaded"}
    assert set(loaded) == set(landing_rows)
    for day, r in loaded.items():
        (in_raw,) = con.execute(
            f"select count(*) from raw.{source} where _partition_date = ?", [day]).fetchone()
        (in_quarantine,) = con.execute(
            "select count(*) from raw.quarantine where source = ? and _partition_date = ?",
            [source, day]).fetchone()
        assert (r.rows_read, r.rows_loaded, r.rows_quarantined) == (
            landing_rows[day], in_raw, in_quarantine), day
        assert r.rows_read == r.rows_loaded + r.rows_quarantined


def assert_failed(result, file: str, *fragments: str) -> None:
    assert result.status == "failed"
    assert file in result.error and "\n" not in result.error, result.error
    for fragment in fragments:
        assert fragment in result.error, result.error


# ---------------------------------------------------------------------------------------------
# Parquet


def test_text_money_in_one_days_parquet_is_cast_per_value_and_the_batch_loads(tmp_path, con):
    """The reported failure: one day's money column exported as text broke the whole batch
    (pyarrow ArrowTypeError while combining the days). Now each text value is cast on its own."""
    put_parquet(tmp_path, "repayments", D1, repayments(
        2, loan_id=pa.array(["L1", "L_UNKNOWN"])))  # an orphan: raw does not check references
    texts = ["12.50", "1,234.50", "12.345", "abc", " 7 ", None, "NULL"]
    put_parquet(tmp_path, "repayments", D2, repayments(
        7, payment_id=pa.array([f"Q{i}" for i in range(1, 8)]),
        principal_paid=pa.array(texts, pa.string())))
    put_parquet(tmp_path, "repayments", D3, repayments(
        1, payment_id=pa.array(["R1"]), paid_at=pa.array(
            [dt.datetime(2025, 3, 3, 9, tzinfo=SHANGHAI)], pa.timestamp("us", tz="Asia/Shanghai"))))

    results = load_days(con, tmp_path, CONTRACT["repayments"], [D1, D2, D3])

    assert status(results) == {D1: "loaded", D2: "loaded", D3: "loaded"}
    assert_accounted(con, "repayments", results, {D1: 2, D2: 7, D3: 1})
    file2 = "repayments/dt=2025-03-02/repayments.parquet"
    assert quarantine(con, "repayments") == [
        (D2, file2, 2, ["invalid_type:principal_paid"], ["principal_paid"]),
        (D2, file2, 3, ["invalid_precision:principal_paid"], ["principal_paid"]),
        (D2, file2, 4, ["invalid_type:principal_paid"], ["principal_paid"]),
        (D2, file2, 6, ["missing_required:principal_paid"], ["principal_paid"]),
        (D2, file2, 7, ["missing_required:principal_paid"], ["principal_paid"]),
    ]
    loaded = con.execute(
        "select payment_id, loan_id, principal_paid, _source_row from raw.repayments order by 1"
    ).fetchall()
    assert loaded == [
        ("P1", "L1", Decimal("100.00"), 1), ("P2", "L_UNKNOWN", Decimal("100.00"), 2),
        ("Q1", "L1", Decimal("12.50"), 1), ("Q5", "L1", Decimal("7.00"), 5),
        ("R1", "L1", Decimal("100.00"), 1),
    ]
    (paid_at,) = con.execute(
        "select paid_at::varchar from raw.repayments where payment_id = 'R1'").fetchone()
    assert paid_at == "2025-03-03 09:00:00+08"


def test_other_parquet_physical_types_cast_exactly_or_quarantine_the_value(tmp_path, con):
    f64 = pa.float64()
    put_parquet(tmp_path, "repayments", D1, repayments(
        6,
        payment_id=pa.array([1, 2, 3, 4, 5, 6], pa.int64()),             # numbers as ids
        loan_id=pa.array([1001.0, 1002.0, 1003.0, float("nan"), 1005.0, 1006.0], f64),
        installment_no=pa.array([1.0, 2.0, 2.5, 1.0, 1.0, 1.0], f64),   # 2.5 is no integer
        paid_at=pa.array([TS, "2025-03-01 02:00:00Z", TS, TS, "2025-03-01 10:00:00", TS]),
        principal_paid=pa.array([12.5, 0.1 + 0.2, 100.0, 1.0, 1.0, 1e20], f64),
        interest_paid=pa.array([0, 3, 0, 0, 0, 0], pa.int32()),           # int32 -> decimal
        fee_paid=pa.array([Decimal("1.50")] * 6, pa.decimal128(38, 2)),  # wider decimal
        penalty_paid=pa.array([Decimal("0.2500")] * 6, pa.decimal128(18, 4)),
        payment_channel=pa.array(["app", "offline", "app", "app", "app", "app"]).dictionary_encode(),
    ))
    put_parquet(tmp_path, "repayments", D2, repayments(
        3,
        payment_id=pa.array(["X1", "X2", "X3"], pa.large_string()),
        installment_no=pa.array([3, 2**40, 4], pa.int64()),            # 2**40 overflows integer
        paid_at=pa.array([dt.datetime(2025, 3, 1, 2, tzinfo=dt.UTC)] * 3, pa.timestamp("ms", "UTC")),
        principal_paid=pa.array([Decimal("5.00"), Decimal("1"), Decimal("10") ** 20],
                                pa.decimal128(38, 2)),                 # 10**20 overflows (18,2)
    ))

    results = load_days(con, tmp_path, CONTRACT["repayments"], [D1, D2])

    assert_accounted(con, "repayments", results, {D1: 6, D2: 3})
    f1 = "repayments/dt=2025-03-01/repayments.parquet"
    f2 = "repayments/dt=2025-03-02/repayments.parquet"
    assert quarantine(con, "repayments") == [
        (D1, f1, 2, ["invalid_precision:principal_paid"], ["principal_paid"]),  # 0.30000000000000004
        (D1, f1, 3, ["invalid_type:installment_no"], ["installment_no"]),
        (D1, f1, 4, ["missing_required:loan_id"], ["loan_id"]),                  # NaN is null
        (D1, f1, 5, ["missing_offset:paid_at"], ["paid_at"]),
        (D1, f1, 6, ["invalid_type:principal_paid"], ["principal_paid"]),
        (D2, f2, 2, ["invalid_type:installment_no"], ["installment_no"]),
        (D2, f2, 3, ["invalid_type:principal_paid"], ["principal_paid"]),
    ]
    loaded = con.execute(
        """select payment_id, loan_id, installment_no, paid_at::varchar, principal_paid,
                  interest_paid, fee_paid, penalty_paid, payment_channel
           from raw.repayments order by _partition_date, _source_row"""
    ).fetchall()
    d = Decimal
    assert loaded == [
        ("1", "1001", 1, "2025-03-01 10:00:00+08", d("12.50"), d("0.00"), d("1.50"), d("0.25"),
         "app"),
        ("X1", "L1", 3, "2025-03-01 10:00:00+08", d("5.00"), d("10.00"), d("1.00"), d("0.00"),
         "app"),
    ]


def test_dates_exported_as_text_or_timestamps_in_parquet(tmp_path, con):
    n = 4
    put_parquet(tmp_path, "installments", D1, pa.table({
        "loan_id": ["L1"] * n,
        "installment_no": pa.array([1, 2, 3, 4], pa.int64()),
        "due_date": ["2025-03-31", "2025-02-30", "31/03/2025", " 2025-04-30 "],
        "principal_due": pa.array([100.0, 100.0, 100.0, 100.0]),
        "interest_due": pa.array([1.25] * n),
        "fee_due": pa.array([0] * n, pa.int16()),
    }))
    put_parquet(tmp_path, "installments", D2, pa.table({
        "loan_id": ["L2"],
        "installment_no": pa.array([1], pa.int32()),
        "due_date": pa.array([dt.date(2025, 4, 2)], pa.date64()),
        "principal_due": pa.array([Decimal("50.00")], pa.decimal128(18, 2)),
        "interest_due": pa.array([Decimal("0.50")], pa.decimal128(18, 2)),
        "fee_due": pa.array([Decimal("0.00")], pa.decimal128(18, 2)),
    }))
    results = load_days(con, tmp_path, CONTRACT["installments"], [D1, D2])
    assert_accounted(con, "installments", results, {D1: 4, D2: 1})
    file = "installments/dt=2025-03-01/installments.parquet"
    assert quarantine(con, "installments") == [
        (D1, file, 2, ["invalid_type:due_date"], ["due_date"]),  # no 30 February
        (D1, file, 3, ["invalid_type:due_date"], ["due_date"]),  # not YYYY-MM-DD
    ]
    loaded = con.execute(
        "select loan_id, installment_no, due_date, principal_due, interest_due, fee_due "
        "from raw.installments order by 1, 2").fetchall()
    d = Decimal
    assert loaded == [
        ("L1", 1, dt.date(2025, 3, 31), d("100.00"), d("1.25"), d("0.00")),
        ("L1", 4, dt.date(2025, 4, 30), d("100.00"), d("1.25"), d("0.00")),
        ("L2", 1, dt.date(2025, 4, 2), d("50.00"), d("0.50"), d("0.00")),
    ]


def test_nested_parquet_values_are_quarantined_as_nested(tmp_path, con):
    loan = pa.array([{"id": "L1"}, None, {"id": "L3"}], pa.struct([("id", pa.string())]))
    put_parquet(tmp_path, "repayments", D1, repayments(3, loan_id=loan))
    results = load_days(con, tmp_path, CONTRACT["repayments"], [D1])
    assert_accounted(con, "repayments", results, {D1: 3})
    file = "repayments/dt=2025-03-01/repayments.parquet"
    assert quarantine(con, "repayments") == [
        (D1, file, 1, ["nested_value:loan_id"], ["loan_id"]),
        (D1, file, 2, ["missing_required:loan_id"], ["loan_id"]),
        (D1, file, 3, ["nested_value:loan_id"], ["loan_id"]),
    ]


@BATCHES
def test_unreadable_parquet_files_fail_only_their_own_days(tmp_path, con, batch_days):
    put_parquet(tmp_path, "repayments", D1, repayments(2))
    good = put_parquet(tmp_path, "repayments", D2, repayments(2))
    good.write_bytes(good.read_bytes()[:-20])  # truncated: the footer is cut off
    put(tmp_path, "repayments", D3, "repayments.parquet", b"")  # zero bytes
    naive = repayments(1, paid_at=pa.array([dt.datetime(2025, 3, 4, 10)], pa.timestamp("us")))
    put_parquet(tmp_path, "repayments", D4, naive)
    put_parquet(tmp_path, "repayments", D5, repayments(1))

    results = load_days(con, tmp_path, CONTRACT["repayments"], [D1, D2, D3, D4, D5],
                        batch_days=batch_days)

    assert status(results) == {D1: "loaded", D2: "failed", D3: "failed", D4: "failed",
                               D5: "loaded"}
    by_day = {r.day: r for r in results}
    assert_failed(by_day[D2], "repayments/dt=2025-03-02/repayments.parquet", "cannot read Parquet")
    assert_failed(by_day[D3], "repayments/dt=2025-03-03/repayments.parquet", "cannot read Parquet")
    assert_failed(by_day[D4], "repayments/dt=2025-03-04/repayments.parquet",
                  "column 'paid_at'", "no time zone")
    assert_accounted(con, "repayments", results, {D1: 2, D5: 1})
    log = con.execute("select _partition_date, status, rows_loaded from raw.load_log order by 1")
    assert log.fetchall() == [(D1, "loaded", 2), (D2, "failed", 0), (D3, "failed", 0),
                              (D4, "failed", 0), (D5, "loaded", 1)]


# ---------------------------------------------------------------------------------------------
# CSV


def test_bom_crlf_null_spellings_padded_codes_and_misformatted_values(tmp_path, con):
    lines = [
        app_line("A1", annual_income="NULL", monthly_debt="N/A", bureau_score="NA",
                 decided_at="\\N", apr="null", reject_reason=" "),    # 1 nulls: loads
        app_line("A2", requested_amount="NULL"),                     # 2 required but null
        app_line("A3", product=" consumer ", term_months=" 12 "),    # 3 padded: loads trimmed
        app_line("A4", term_months="12.5"),                          # 4 no whole number of months
        app_line("A5", term_months="12.0"),                          # 5 exactly 12: loads
        app_line("A6", requested_amount='"1,234.50"'),               # 6 thousands separator
        app_line("A7", requested_amount="12.345"),                   # 7 three decimals
        app_line("A8", requested_amount="99999999999999999999.99"),  # 8 too large for (18,2)
        app_line("A9", requested_amount="-5.00"),                    # 9 negative
        app_line("A10", applied_at="2025-02-30T10:00:00+08:00"),     # 10 no such day
        app_line("A1", annual_income="NULL", monthly_debt="N/A", bureau_score="NA",
                 decided_at="\\N", apr="null", reject_reason=" "),    # 11 duplicate of 1: loads
    ]
    text = "\ufeff" + app_csv(*lines, newline="\r\n")  # what spreadsheet tools write
    put(tmp_path, "applications", D1, "applications.csv", text)

    results = load_days(con, tmp_path, CONTRACT["applications"], [D1])

    assert_accounted(con, "applications", results, {D1: 11})
    file = "applications/dt=2025-03-01/applications.csv"
    assert quarantine(con, "applications") == [
        (D1, file, 2, ["missing_required:requested_amount"], ["requested_amount"]),
        (D1, file, 4, ["invalid_type:term_months"], ["term_months"]),
        (D1, file, 6, ["invalid_type:requested_amount"], ["requested_amount"]),
        (D1, file, 7, ["invalid_precision:requested_amount"], ["requested_amount"]),
        (D1, file, 8, ["invalid_type:requested_amount"], ["requested_amount"]),
        (D1, file, 9, ["out_of_range:requested_amount"], ["requested_amount"]),
        (D1, file, 10, ["invalid_type:applied_at"], ["applied_at"]),
    ]
    loaded = con.execute(
        """select _source_row, application_id, product, term_months, annual_income, monthly_debt,
                  bureau_score, decided_at, apr, reject_reason, updated_at::varchar
           from raw.applications order by _source_row"""
    ).fetchall()
    nulls = (None,) * 6
    assert loaded == [
        (1, "A1", "consumer", 12, *nulls, "2025-03-01 10:00:00+08"),
        (3, "A3", "consumer", 12, Decimal("120000.00"), Decimal("1000.00"), 650, None, None, None,
         "2025-03-01 10:00:00+08"),
        (5, "A5", "consumer", 12, Decimal("120000.00"), Decimal("1000.00"), 650, None, None, None,
         "2025-03-01 10:00:00+08"),
        (11, "A1", "consumer", 12, *nulls, "2025-03-01 10:00:00+08"),
    ]


def test_null_spellings_are_configurable_per_source(tmp_path, con):
    put(tmp_path, "applications", D1, "applications.csv",
        app_csv(app_line("A1", bureau_score="NA"), app_line("A2", bureau_score="-")))
    strict = dataclasses.replace(CONTRACT["applications"], null_values=("-",))
    results = load_days(con, tmp_path, strict, [D1])
    assert_accounted(con, "applications", results, {D1: 2})
    assert quarantine(con, "applications") == [
        (D1, "applications/dt=2025-03-01/applications.csv", 1, ["invalid_type:bureau_score"],
         ["bureau_score"]),
    ]
    assert con.execute("select application_id, bureau_score from raw.applications").fetchall() == [
        ("A2", None)]


def test_unclosed_quote_costs_its_own_row_only(tmp_path, con):
    lines = [
        app_line("A1"),                                      # 1
        app_line("A2", reject_reason='"rule 7, unclosed'),   # 2 quote never closed
        app_line("A3"),                                      # 3
        app_line("A4", reject_reason='"rule 7, income"'),    # 4 quoted comma: fine
        app_line("A5", reject_reason='say ""hi""'),          # 5 quotes inside a bare value
    ]
    put(tmp_path, "applications", D1, "applications.csv", app_csv(*lines))
    results = load_days(con, tmp_path, CONTRACT["applications"], [D1])
    assert_accounted(con, "applications", results, {D1: 5})
    assert quarantine(con, "applications") == [
        (D1, "applications/dt=2025-03-01/applications.csv", 2, ["malformed_row"], []),
    ]
    (line,) = con.execute("select record->>'$.line' from raw.quarantine").fetchone()
    assert line == lines[1]
    loaded = con.execute(
        "select _source_row, application_id, reject_reason from raw.applications order by 1")
    assert loaded.fetchall() == [(1, "A1", None), (3, "A3", None), (4, "A4", "rule 7, income"),
                                 (5, "A5", 'say ""hi""')]


def test_chinese_encodings_decode_and_a_wrong_encoding_fails_its_day_naming_it(tmp_path, con):
    users = CONTRACT["users"]
    gbk_text = users_csv(("U1", "张伟", "北京"), ("U2", "李娜", "上海"))
    put(tmp_path, "users", D1, "users.csv", gbk_text, encoding="gbk")
    put(tmp_path, "users", D2, "users.csv", users_csv(("U3", "王𠀀", "深圳")), encoding="gb18030")
    put(tmp_path, "users", D3, "users.csv",
        users_csv(("U4", "赵敏", "广州")).encode("gbk").replace("赵".encode("gbk"), b"\xff\xff"))

    results = load_days(con, tmp_path, dataclasses.replace(users, encoding="gb18030"),
                        [D1, D2, D3])

    assert status(results) == {D1: "loaded", D2: "loaded", D3: "failed"}
    assert_failed(results[2], "users/dt=2025-03-03/users.csv",
                  "does not decode as gb18030", "on line 2")
    assert_accounted(con, "users", results, {D1: 2, D2: 1})
    assert con.execute("select user_id, full_name, city from raw.users order by 1").fetchall() == [
        ("U1", "张伟", "北京"), ("U2", "李娜", "上海"), ("U3", "王𠀀", "深圳")]

    # The same GBK bytes under the default encoding (utf-8) fail their day, naming utf-8.
    [result] = load_days(con, tmp_path, users, [D1])
    assert_failed(result, "users/dt=2025-03-01/users.csv", "does not decode as utf-8",
                  "byte 0xd5 on line 2")
    assert con.execute("select count(*) from raw.users").fetchone() == (3,)  # D1 rows kept


def test_columns_reordered_extra_missing_stray_files_empty_and_zero_byte(tmp_path, con):
    reordered = list(reversed(APP_COLUMNS)) + ["notes"]
    put(tmp_path, "applications", D1, "applications.csv",
        ",".join(reordered) + "\n"
        + app_line("A1", columns=reordered[:-1]) + ",free text\n")
    put(tmp_path, "applications", D1, ".DS_Store", b"\x00\x00\x00\x01Bud1\x00")
    put(tmp_path, "applications", D1, "._applications.csv", b"\x00\x05\x16\x07\x00")
    put(tmp_path, "applications", D1, "README.txt", "exported by the CRM")
    put(tmp_path, "applications", D2, "applications.csv", ",".join(APP_COLUMNS) + "\n")  # header
    put(tmp_path, "applications", D3, "applications.csv", b"")                           # 0 bytes
    put(tmp_path, "applications", D4, "a.csv", app_csv(app_line("A4")))
    no_status = [c for c in APP_COLUMNS if c != "status"]
    put(tmp_path, "applications", D4, "b.csv", app_csv(app_line("A5", columns=no_status),
                                                        columns=no_status))
    put(tmp_path, "applications", D5, "APPLICATIONS.CSV", app_csv(app_line("A6")))

    results = load_days(con, tmp_path, CONTRACT["applications"], [D1, D2, D3, D4, D5])

    assert status(results) == {D1: "loaded", D2: "loaded", D3: "failed", D4: "failed",
                               D5: "loaded"}
    by_day = {r.day: r for r in results}
    assert by_day[D1].files == ["applications/dt=2025-03-01/applications.csv"]
    assert by_day[D1].extra_columns == ["notes"]
    assert_failed(by_day[D3], "applications/dt=2025-03-03/applications.csv", "empty (0 bytes)")
    assert_failed(by_day[D4], "applications/dt=2025-03-04/b.csv", "column 'status'",
                  "required column is missing")
    assert_accounted(con, "applications", results, {D1: 1, D2: 0, D5: 1})
    loaded = con.execute(
        "select application_id, product, requested_amount, _source_file from raw.applications "
        "order by 1").fetchall()
    assert loaded == [  # nothing of D4's readable a.csv: a day loads whole or not at all
        ("A1", "consumer", Decimal("5000.00"), "applications/dt=2025-03-01/applications.csv"),
        ("A6", "consumer", Decimal("5000.00"), "applications/dt=2025-03-05/APPLICATIONS.CSV"),
    ]


# ---------------------------------------------------------------------------------------------
# JSON lines


def touch(touch_id, **values) -> dict:
    return {"touch_id": touch_id, "visitor_id": "V1", "user_id": "U1", "channel": "search_ads",
            "campaign_id": "search_ads-01", "touch_type": "click", "touched_at": TS, **values}


def jsonl(*records) -> str:
    # allow_nan: Python writes a float NaN as the bare token NaN (and inf as Infinity)
    return "".join(json.dumps(r, ensure_ascii=False, allow_nan=True) + "\r\n" for r in records)


@BATCHES
def test_jsonl_non_standard_tokens_nested_values_bom_and_crlf(tmp_path, con, batch_days):
    records = [
        touch("T1", user_id=float("nan")),                # 1 NaN = missing: loads, user null
        touch(float("nan")),                              # 2 NaN id: missing, never 'NaN'
        touch("T3", user_id=float("inf")),                # 3 Infinity is no value
        touch("T4", campaign_id={"id": "c1"}),            # 4 object in a scalar column
        touch("T5", channel=["search_ads"]),              # 5 array in a scalar column
        touch(123),                                       # 6 numeric id: loads as '123'
        touch(float("-inf")),                             # 7 -Infinity id
        touch("T8", channel=" search_ads "),              # 8 padded code: loads trimmed
        touch("T9", extra_field={"a": 1}),                # 9 extra key: ignored
    ]                                                     # 10 a blank line
    put(tmp_path, "touchpoints", D1, "touchpoints.jsonl", "\ufeff" + jsonl(*records) + "\r\n")
    put(tmp_path, "touchpoints", D2, "touchpoints.jsonl", b"")  # a day without records
    put(tmp_path, "touchpoints", D5, "touchpoints.jsonl",
        jsonl(touch("T12"), touch("T13"))[:-30])  # cut off in the middle of its second line
    put(tmp_path, "touchpoints", D3, "touchpoints.jsonl", jsonl(touch("T10")), encoding="gbk")
    put(tmp_path, "touchpoints", D4, "touchpoints.jsonl",
        jsonl(touch("T11", user_id="用户")).encode("gbk"))

    results = load_days(con, tmp_path, CONTRACT["touchpoints"], [D1, D2, D3, D4, D5],
                        batch_days=batch_days)

    assert status(results) == {D1: "loaded", D2: "loaded", D3: "loaded", D4: "failed",
                               D5: "loaded"}
    assert_failed(results[3], "touchpoints/dt=2025-03-04/touchpoints.jsonl",
                  "does not decode as utf-8", "on line 1")
    assert_accounted(con, "touchpoints", results, {D1: 10, D2: 0, D3: 1, D5: 2})
    file = "touchpoints/dt=2025-03-01/touchpoints.jsonl"
    assert quarantine(con, "touchpoints") == [
        (D1, file, 2, ["missing_required:touch_id"], ["touch_id"]),
        (D1, file, 3, ["invalid_type:user_id"], ["user_id"]),
        (D1, file, 4, ["nested_value:campaign_id"], ["campaign_id"]),
        (D1, file, 5, ["nested_value:channel"], ["channel"]),
        (D1, file, 7, ["invalid_type:touch_id"], ["touch_id"]),
        (D1, file, 10, ["empty_row"], []),
        (D5, "touchpoints/dt=2025-03-05/touchpoints.jsonl", 2, ["malformed_json"], []),
    ]
    (record,) = con.execute(
        "select record->>'$.campaign_id' from raw.quarantine where _source_row = 4").fetchone()
    assert record == '{"id":"c1"}'
    loaded = con.execute(
        "select _source_row, touch_id, user_id, channel from raw.touchpoints "
        "order by _partition_date, _source_row").fetchall()
    assert loaded == [(1, "T1", None, "search_ads"), (6, "123", "U1", "search_ads"),
                      (8, "T8", "U1", "search_ads"), (9, "T9", "U1", "search_ads"),
                      (1, "T10", "U1", "search_ads"), (1, "T12", "U1", "search_ads")]


def test_the_next_batch_is_read_while_this_one_is_written(tmp_path, con, monkeypatch):
    """Reading ahead: the first batch's write waits until the third day (second batch) has
    started reading in another thread; read one after the other, that day would only be read
    after the write, and the wait would give up (False)."""
    for day in (D1, D2, D3):
        put(tmp_path, "applications", day, "applications.csv", app_csv(app_line(f"A{day.day}")))
    third_day_reading, readers, waited = threading.Event(), set(), []
    real_read, real_write = load_module._read_day, load_module._write_days

    def read(cursor, landing, source, day, *args):
        readers.add(threading.current_thread().name)
        if day == D3:
            third_day_reading.set()
        return real_read(cursor, landing, source, day, *args)

    def write(connection, source, results, tables, ingested_at):
        if results[0].day == D1:
            waited.append(third_day_reading.wait(timeout=60))
        return real_write(connection, source, results, tables, ingested_at)

    monkeypatch.setattr(load_module, "_read_day", read)
    monkeypatch.setattr(load_module, "_write_days", write)
    results = load_days(con, tmp_path, CONTRACT["applications"], [D1, D2, D3], batch_days=2)

    assert waited == [True]
    assert status(results) == {D1: "loaded", D2: "loaded", D3: "loaded"}
    assert_accounted(con, "applications", results, {D1: 1, D2: 1, D3: 1})
    assert readers and threading.current_thread().name not in readers
    assert not [t for t in threading.enumerate() if t.name in readers]  # none left running


# ---------------------------------------------------------------------------------------------
# The last line of defence: a batch whose combined check fails is retried day by day


def test_a_batch_that_fails_its_combined_check_is_retried_day_by_day(tmp_path, con, monkeypatch):
    for day in (D1, D2, D3):
        put(tmp_path, "applications", day, "applications.csv",
            app_csv(app_line(f"A{day.day}")))
    real_combine = load_module.combine

    def combine_failing_on_d2(tables):
        if any(D2 in t.column("_partition_date").to_pylist() for t in tables):
            raise pa.ArrowInvalid("cannot combine\nsomething about D2")
        return real_combine(tables)

    monkeypatch.setattr(load_module, "combine", combine_failing_on_d2)
    results = load_days(con, tmp_path, CONTRACT["applications"], [D1, D2, D3])

    assert status(results) == {D1: "loaded", D2: "failed", D3: "loaded"}
    assert_failed(results[1], "applications/dt=2025-03-02/applications.csv", "cannot check rows",
                  "something about D2")
    assert_accounted(con, "applications", results, {D1: 1, D3: 1})
    log = con.execute("select _partition_date, status from raw.load_log order by 1").fetchall()
    assert log == [(D1, "loaded"), (D2, "failed"), (D3, "loaded")]


@pytest.mark.parametrize("source", ["applications", "touchpoints", "repayments"])
def test_a_day_folder_with_only_stray_files_loads_nothing_and_fails_nothing(tmp_path, con, source):
    put(tmp_path, source, D1, ".DS_Store", b"\x00\x00\x00\x01Bud1")
    put(tmp_path, source, D1, "export.log", "done")
    [result] = load_days(con, tmp_path, CONTRACT[source], [D1])
    assert (result.status, result.files, result.rows_read) == ("loaded", [], 0)
