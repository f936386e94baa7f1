"""One daily-partitioned asset per landing source: landing files -> raw.<source>.

A thin shell over ``lending.ingestion.load.load_days``: it turns the run's partition window
into export days, records what happened as metadata and checks, and fails only the days whose
files cannot be loaded (naming the file and column), after committing the others.

Days whose files, contract and reference data are those of their last load are left as they are
(lending/ingestion/digest.py), so a daily run over the whole landing zone costs what changed;
a run tagged ``RELOAD_TAG`` (``make reprocess``, orchestration/partitions.py) loads every day
of its range again.
"""


import datetime as dt

import dagster as dg

from lending.contract import Contract, Source
from lending.contract.model import LINEAGE_COLUMNS
from lending.ingestion.dayranges import day_ranges
from lending.ingestion.load import DayResult, load_days
from lending.ingestion.schema import RAW_SCHEMA
from orchestration.assets.reference import reference_key
from orchestration.partitions import RELOAD_TAG
from orchestration.policy import INGESTION_GROUP, LANDING_GROUP
from orchestration.resources import WRITER_POOL, LandingZone, WarehouseResource

QUARANTINE_WARN_SHARE = 0.01  # more than 1% of a run's rows quarantined deserves a look


def raw_key(source_name: str) -> dg.AssetKey:
    return dg.AssetKey([RAW_SCHEMA, source_name])


def _days(window: dg.TimeWindow) -> list[dt.date]:
    start, end = window.start.date(), window.end.date()
    return [start + dt.timedelta(days=i) for i in range((end - start).days)]


def _column_schema(source: Source) -> dg.TableSchema:
    columns = [dg.TableColumn(c.name, c.type, description=c.doc) for c in source.columns]
    columns += [dg.TableColumn(n, t, description=d) for n, (t, d) in LINEAGE_COLUMNS.items()]
    return dg.TableSchema(columns=columns)


def _summary(results: list[DayResult]) -> dict:
    def days(status: str) -> list[str]:  # ranges of consecutive days, not one item per day
        return day_ranges(r.day for r in results if r.status == status)

    read = sum(r.rows_read for r in results)
    quarantined = sum(r.rows_quarantined for r in results)
    return {
        "rows_read": read,
        "rows_loaded": sum(r.rows_loaded for r in results),
        "rows_quarantined": quarantined,
        "quarantined_share": round(quarantined / read, 6) if read else 0.0,
        "days_loaded": sum(r.status == "loaded" for r in results),
        "days_unchanged": sum(r.status == "unchanged" for r in results),
        "missing_days": days("missing"),
        "failed_days": days("failed"),
        "extra_columns": sorted({c for r in results for c in r.extra_columns}),
        "missing_optional_columns": sorted(
            {c for r in results for c in r.missing_optional_columns}
        ),
        # files in a day's folder not of the source's format: not loaded (README, landing zone)
        "ignored_files": sorted({f for r in results for f in r.ignored_files}),
    }


def build_ingestion_asset(
    source: Source, partitions_def: dg.PartitionsDefinition
) -> dg.AssetsDefinition:
    key = raw_key(source.name)

    @dg.asset(
        key=key,
        # The reference tables its codes are checked against (orchestration/assets/reference.py).
        deps=[dg.AssetKey([LANDING_GROUP, source.name]), *sorted(
            {reference_key(c.reference.split(".")[0])
             for c in source.columns if c.reference}, key=lambda k: k.path)],
        description=f"raw.{source.name}: contract-checked rows of the `{source.name}` exports, "
        "every version as exported, with lineage columns. Bad rows go to raw.quarantine.",
        partitions_def=partitions_def,
        backfill_policy=dg.BackfillPolicy.single_run(),
        group_name=INGESTION_GROUP,
        kinds={"duckdb", "python"},
        pool=WRITER_POOL,
        metadata={
            "dagster/column_schema": _column_schema(source),
            "dagster/table_name": f"raw.{source.name}",
            "natural_key": ", ".join(source.natural_key),
        },
        check_specs=[
            dg.AssetCheckSpec(
                "landing_day_present",
                asset=key,
                description="Every export day in the run has a landing folder.",
            ),
            dg.AssetCheckSpec(
                "quarantine_share_below_1pct",
                asset=key,
                description="At most 1% of the rows read in the run were quarantined.",
            ),
        ],
    )
    def _ingest(
        context: dg.AssetExecutionContext, landing: LandingZone, duckdb: WarehouseResource
    ) -> dg.MaterializeResult:
        days = _days(context.partition_time_window)
        with duckdb.get_connection() as con:
            results = load_days(con, landing.root, source, days,
                                only_changed=context.run.tags.get(RELOAD_TAG) != "true")
            (table_rows,) = con.execute(f"select count(*) from raw.{source.name}").fetchone()
        summary = _summary(results)
        for r in results:
            if r.status == "failed":
                context.log.error(f"{source.name} {r.day}: {r.error}")
        extra_days: dict[tuple, list[dt.date]] = {}
        for r in results:
            if r.extra_columns:
                extra_days.setdefault(tuple(r.extra_columns), []).append(r.day)
        for extra, on_days in extra_days.items():
            context.log.warning(f"{source.name}: extra columns ignored {list(extra)} on "
                                + ", ".join(day_ranges(on_days)))
        if summary["ignored_files"]:
            context.log.warning(f"{source.name}: files not of the {source.format} format, not "
                                f"loaded: {', '.join(summary['ignored_files'])}")
        if summary["missing_days"]:
            missing = sum(r.status == "missing" for r in results)
            context.log.warning(f"{source.name}: no landing folder for {missing} day(s): "
                                + ", ".join(summary["missing_days"]))
        if summary["failed_days"]:
            # Record the days that did load, then fail so the bad days stay visibly unloaded.
            for r in results:
                if r.status != "failed":
                    context.log_event(
                        dg.AssetMaterialization(
                            asset_key=key,
                            partition=r.day.isoformat(),
                            metadata={"rows_loaded": r.rows_loaded,
                                      "rows_quarantined": r.rows_quarantined},
                        )
                    )
            errors = "\n".join(r.error for r in results if r.error)
            raise dg.Failure(
                description=f"{source.name}: {sum(r.status == 'failed' for r in results)} export "
                "day(s) could "
                f"not be loaded:\n{errors}",
                metadata={"failed_days": summary["failed_days"]},
            )
        return dg.MaterializeResult(
            metadata={**summary, "dagster/row_count": table_rows,
                      "dagster/column_schema": _column_schema(source)},
            check_results=[
                dg.AssetCheckResult(
                    check_name="landing_day_present",
                    passed=not summary["missing_days"],
                    severity=dg.AssetCheckSeverity.WARN,
                    metadata={"missing_days": summary["missing_days"]},
                ),
                dg.AssetCheckResult(
                    check_name="quarantine_share_below_1pct",
                    passed=summary["quarantined_share"] <= QUARANTINE_WARN_SHARE,
                    severity=dg.AssetCheckSeverity.WARN,
                    metadata={"quarantined_share": summary["quarantined_share"]},
                ),
            ],
        )

    return _ingest


def ingestion_assets(contract: Contract, partitions_def: dg.PartitionsDefinition) -> list:
    return [build_ingestion_asset(s, partitions_def) for s in contract.sources.values()]
