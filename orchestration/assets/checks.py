"""Platform asset checks: row-count anomaly per raw source, and raw-to-mart reconciliation.

Thin wrappers over ``lending.quality`` (plain SQL, tested on hand-built tables). Both read
the warehouse, so they run in the writer pool: a reader cannot open the file while a writer holds
it. Thresholds and definitions: docs/operations.md (Checks).
"""

import dagster as dg
from dagster_dbt import get_asset_key_for_model

from lending.contract import Contract
from lending.quality import (
    ANOMALY_HIGH,
    ANOMALY_LOW,
    ANOMALY_WINDOW_DAYS,
    Reconciliation,
    reconcile_disbursed_principal,
    reconcile_repaid_charges,
    reconcile_repaid_principal,
    row_count_anomaly,
)
from orchestration.assets.dbt import lending_dbt_models
from orchestration.assets.ingestion import raw_key
from orchestration.resources import WRITER_POOL, WarehouseResource

ROW_COUNT_CHECK = "row_count_anomaly"


def build_row_count_checks(contract: Contract) -> dg.AssetChecksDefinition:
    specs = [
        dg.AssetCheckSpec(
            ROW_COUNT_CHECK,
            asset=raw_key(name),
            description=f"Rows of the newest export day vs the median of the {ANOMALY_WINDOW_DAYS} "
            f"days before: warns outside {ANOMALY_LOW}..{ANOMALY_HIGH} x the median "
            "(docs/operations.md). Passes with a message while there is no history.",
        )
        for name in contract.sources
    ]

    @dg.multi_asset_check(specs=specs, can_subset=True, pool=WRITER_POOL,
                          name="raw_row_count_anomaly")
    def raw_row_count_anomaly(context: dg.AssetCheckExecutionContext, duckdb: WarehouseResource):
        with duckdb.get_connection() as con:
            for check_key in sorted(context.selected_asset_check_keys, key=str):
                table = ".".join(check_key.asset_key.path)
                result = row_count_anomaly(con, table)
                yield dg.AssetCheckResult(
                    asset_key=check_key.asset_key,
                    check_name=check_key.name,
                    passed=result.passed,
                    severity=dg.AssetCheckSeverity.WARN,
                    description=result.message,
                    metadata={"day": result.day or "", "rows": result.rows,
                              "median_rows": result.median if result.median is not None else 0.0,
                              "history_days": result.history_days},
                )

    return raw_row_count_anomaly


def _result(r: Reconciliation) -> dg.AssetCheckResult:
    return dg.AssetCheckResult(
        passed=r.passed,
        severity=dg.AssetCheckSeverity.ERROR,
        description=f"{r.name}: raw {r.raw:,.2f} vs marts {r.mart:,.2f} CNY",
        metadata={"raw": r.raw, "mart": r.mart, "difference": round(r.difference, 2)},
    )


def _reconciliation_check(model: str, name: str, fn, description: str) -> dg.AssetChecksDefinition:
    @dg.asset_check(asset=get_asset_key_for_model([lending_dbt_models], model), name=name,
                    pool=WRITER_POOL, blocking=False, description=description)
    def _check(duckdb: WarehouseResource) -> dg.AssetCheckResult:
        with duckdb.get_connection() as con:
            return _result(fn(con))

    return _check


reconciliation_checks = [
    _reconciliation_check(
        "mart_vintage", "disbursed_principal_reconciles", reconcile_disbursed_principal,
        "Sum of principal over raw.loans (newest version per loan) = cohort principal at MOB 0 "
        "in mart_vintage, to the cent (default as-of date: all data)."),
    _reconciliation_check(
        "mart_portfolio_monthly", "repaid_principal_reconciles", reconcile_repaid_principal,
        "Sum of principal_paid over raw.repayments (newest version per payment) = principal_paid "
        "summed over the months of mart_portfolio_monthly, to the cent."),
    _reconciliation_check(
        "mart_user_value", "repaid_charges_reconcile", reconcile_repaid_charges,
        "Interest + fees + penalties paid over raw.repayments = their sum over mart_user_value, "
        "to the cent."),
]
