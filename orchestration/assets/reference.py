"""The reference data asset: the lender's code lists (CSV folder) -> reference.<table>.

One asset per reference table, produced together (the folder is checked and loaded as a whole, in
one transaction). In the ``ingestion`` group and upstream of every raw asset that checks codes, so
each ingestion run reloads the folder before the rows are checked; the dbt source ``reference``
maps onto these keys, so dbt's tests and joins read the same data.
"""

import dagster as dg

from lending.contract import Contract
from lending.contract.model import ReferenceTable
from lending.reference import SCHEMA, ReferenceDataError, load_reference, reference_file
from orchestration.policy import INGESTION_GROUP
from orchestration.resources import WRITER_POOL, WarehouseResource


def reference_key(table_name: str) -> dg.AssetKey:
    return dg.AssetKey([SCHEMA, table_name])


def _schema(table: ReferenceTable) -> dg.TableSchema:
    return dg.TableSchema(columns=[
        dg.TableColumn(c.name, c.type, description=c.doc) for c in table.columns
    ])


def _spec(table: ReferenceTable, reference_dir: str) -> dg.AssetSpec:
    return dg.AssetSpec(
        key=reference_key(table.name),
        description=f"reference.{table.name}: {table.description} Loaded from "
        f"{reference_file(reference_dir, table)} ($LENDING_REFERENCE_DIR).",
        group_name=INGESTION_GROUP,
        kinds={"duckdb", "csv"},
        metadata={
            "dagster/table_name": f"reference.{table.name}",
            "dagster/column_schema": _schema(table),
            "key": table.key.name,
        },
    )


def build_reference_asset(contract: Contract, reference_dir: str) -> dg.AssetsDefinition:
    @dg.multi_asset(
        name="reference_data",
        specs=[_spec(t, reference_dir) for t in contract.reference.values()],
        pool=WRITER_POOL,
    )
    def reference_data(duckdb: WarehouseResource):
        with duckdb.get_connection() as con:
            try:
                counts = load_reference(con, reference_dir, contract)
            except ReferenceDataError as exc:
                # An expected outcome (a user's file), not a crash: say what to fix, no traceback.
                raise dg.Failure(description=str(exc)) from None
        for name, rows in counts.items():
            yield dg.MaterializeResult(
                asset_key=reference_key(name),
                metadata={"dagster/row_count": rows,
                          "dagster/column_schema": _schema(contract.reference[name])})

    return reference_data
