"""Publish a read-only serving snapshot of the marts (DuckDB file + Parquet) for BI and analysts.

DuckDB allows one writer per file and a reader cannot open a file a writer holds, so BI tools
never read the warehouse itself: they read a published copy. Each publish writes a complete,
immutable *version* folder, then swaps one pointer::

    <serving>/versions/<version>/lending.duckdb                  every published table
    <serving>/versions/<version>/parquet/<schema>/<table>.parquet one file per mart and score table
    <serving>/versions/<version>/manifest.json                   version, tables, row counts, files
    <serving>/current         -> versions/<version>   swapped with os.replace (atomic rename)
    <serving>/lending.duckdb  -> current/lending.duckdb   stable paths, never rewritten
    <serving>/parquet         -> current/parquet

The DuckDB file and the Parquet files of one version are therefore replaced *together*: a reader
resolves ``current`` once and sees one version of everything. A connection already open on the old
file keeps its consistent view (the inode outlives the unlink). DuckDB itself opens a database file
three times while connecting (magic, headers, then the data it keeps open, about 0.3 ms apart under
strace), so a connection made in that instant of a swap can pair one version's headers with the
other's blocks: a reader that gets an error there connects again. Parquet readers open a file more
than once (pyarrow, pandas and DuckDB read the footer, then the data), and each open follows the
links anew, so a read through the stable path that straddles a swap can combine one version's
footer with another's pages: unattended readers resolve the path once (``os.path.realpath``), or
``<serving>/current`` once when several files must agree, and read under the version folder, which
never changes. Each Parquet file also carries its version in its key-value metadata
(``snapshot_version``) and the manifest lists the row count of every file.

A crash at any moment (SIGKILL, power cut) leaves the previous version or the new one, never a
half-written one: a version is built under a hidden temporary name, flushed to disk, renamed, and
only then pointed at; leftovers of a killed publish are removed by the next one (publishes run one
at a time in the writer pool). Old versions are deleted only once ``KEEP_VERSIONS`` newer ones exist,
so a reader that resolved ``current`` just before a swap still finds its files.

A build that failed for one family (issue 19) still publishes: the tables it could not rebuild (the
failed model, a model whose error-severity test failed, and their descendants: ``stale``) are
copied from the previous version instead of the warehouse, so readers keep their last good data,
and ``main.snapshot_stale_tables`` and the manifest's ``stale_tables`` say which tables are stale,
why, and which version their data comes from (absent when no earlier version had them).

What is published is chosen by schema, not by a table list, so new marts appear without a code
change: the snapshot holds ``PUBLISHED_SCHEMAS``; Parquet holds ``PARQUET_SCHEMAS`` (the marts and
the ML scores, the tables analysts read). Never raw, staging, seeds or reference tables.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

SNAPSHOT_NAME = "lending.duckdb"
PARQUET_DIR = "parquet"
MANIFEST_NAME = "manifest.json"
VERSIONS_DIR = "versions"
CURRENT = "current"
PUBLISHED_SCHEMAS = ("marts", "intermediate", "ml")
PARQUET_SCHEMAS = ("marts", "ml")
KEEP_VERSIONS = 3  # the current version and the two before it
# Storage format of the snapshot file. DuckDB 2.x writes a format older readers refuse ("database
# file with version number 69"); BI drivers and the DuckDB CLI on PyPI (duckdb-cli 1.5.6) bundle
# DuckDB 1.x, so the snapshot is written in the 1.4 (LTS) format, which they and 2.x all read.
SNAPSHOT_STORAGE_VERSION = "v1.4.0"
PARQUET_VERSION_KEY = "snapshot_version"
STALE_TABLE = "snapshot_stale_tables"
_TMP_SUFFIX = ".tmp"
_LEGACY_TMP_GLOB = f".{SNAPSHOT_NAME}.*.tmp*"  # temporaries of the single-file layout


@dataclass(frozen=True)
class Published:
    """What one publish produced (paths are the versioned ones; stable aliases beside them)."""

    version: str
    version_dir: Path
    row_counts: dict[str, int]  # "schema.table" -> rows, every table of the snapshot
    parquet_files: dict[str, str]  # "schema.table" -> path relative to the version folder
    # "schema.table" -> {"reason": why, "data_version": the version its data comes from, or None
    # when no earlier version had it (then it is absent from this one)}
    stale_tables: dict[str, dict] = field(default_factory=dict)

    @property
    def snapshot(self) -> Path:
        return self.version_dir / SNAPSHOT_NAME

    @property
    def parquet_dir(self) -> Path:
        return self.version_dir / PARQUET_DIR


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_tree(root: Path) -> None:
    for folder, _, files in os.walk(root):
        for name in files:
            _fsync(Path(folder) / name)
        _fsync(Path(folder))


def new_version_id(now: dt.datetime | None = None) -> str:
    """Sortable by publish time (UTC, microseconds), unique by a random suffix."""
    now = now or dt.datetime.now(dt.UTC)
    return f"{now:%Y%m%dT%H%M%S%fZ}-{uuid.uuid4().hex[:8]}"


def publishing_temporaries(serving_dir: Path) -> list[Path]:
    """Files and folders of a publish in progress (or killed): none of them is ever read."""
    serving_dir = Path(serving_dir)
    # Only names this module creates: other writers (e.g. a report) may keep files here too.
    links = [p for name in (CURRENT, PARQUET_DIR)
             for p in serving_dir.glob(f".{name}.*{_TMP_SUFFIX}")]
    return sorted({*serving_dir.glob(f"{VERSIONS_DIR}/.*{_TMP_SUFFIX}"), *links,
                   *serving_dir.glob(_LEGACY_TMP_GLOB)})


def remove_stale_temporaries(serving_dir: Path) -> list[Path]:
    """Delete what a killed publish left behind (the writer pool runs one publish at a time)."""
    stale = publishing_temporaries(serving_dir)
    for path in stale:
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
    return stale


def current_version_dir(serving_dir: Path) -> Path | None:
    """The folder ``current`` points at, resolved once (None before the first publish)."""
    pointer = Path(serving_dir) / CURRENT
    return Path(os.path.realpath(pointer)) if pointer.exists() else None


def _point(serving_dir: Path, name: str, target: str) -> None:
    """Make ``serving_dir/name`` a symlink to ``target`` with one atomic rename."""
    link = serving_dir / name
    if link.is_symlink() and os.readlink(link) == target:
        return
    if link.is_dir() and not link.is_symlink():  # never the case in this layout; be explicit
        raise FileExistsError(f"{link} is a folder; the serving layout needs a link there")
    tmp = serving_dir / f".{name}.{uuid.uuid4().hex}{_TMP_SUFFIX}"
    os.symlink(target, tmp)
    os.replace(tmp, link)


def _published_relations(con, schemas) -> list[tuple[str, str]]:
    return con.execute(
        "select table_schema, table_name from information_schema.tables "
        "where table_catalog = current_database() "
        "and table_schema in (select unnest(?::varchar[])) order by 1, 2",
        [list(schemas)],
    ).fetchall()


def _previous_stale(con) -> dict[str, str]:
    """relation -> data version of the tables the previous version itself carried over."""
    exists = con.execute(
        "select count(*) from duckdb_tables() where database_name = '_previous' "
        "and table_name = ?", [STALE_TABLE]).fetchone()[0]
    if not exists:
        return {}
    return dict(con.execute(f"select relation, data_version from _previous.main.{STALE_TABLE} "
                            "where data_version is not null").fetchall())


def _carry_over(con, previous: Path | None, stale: dict[str, str], previous_version: str | None
                ) -> tuple[dict[str, dict], set[tuple[str, str]]]:
    """Stale relations copied from the previous version: their entries, and the relations found."""
    entries = {relation: {"reason": reason, "data_version": None}
               for relation, reason in sorted(stale.items())}
    if previous is None or not stale:
        return entries, set()
    con.execute(f"attach '{previous / SNAPSHOT_NAME}' as _previous (read_only)")
    carried_before = _previous_stale(con)
    found = set(con.execute(
        "select table_schema, table_name from information_schema.tables "
        "where table_catalog = '_previous' and table_schema || '.' || table_name "
        "in (select unnest(?::varchar[]))", [list(stale)]).fetchall())
    for schema, name in found:
        relation = f"{schema}.{name}"
        entries[relation]["data_version"] = carried_before.get(relation, previous_version)
    return entries, found


def _write_version(con, folder: Path, version: str, published_at: dt.datetime,
                   schemas, parquet_schemas, stale: dict[str, str] | None = None,
                   previous: Path | None = None
                   ) -> tuple[dict[str, int], dict[str, str], dict[str, dict]]:
    """Snapshot file, Parquet files and manifest of one version, all read from the snapshot copy.

    ``stale``: "schema.table" -> why it could not be rebuilt; copied from ``previous`` (the
    current version's folder) instead of the warehouse, left out when ``previous`` lacks it."""
    stale = {r: why for r, why in (stale or {}).items() if r.split(".", 1)[0] in schemas}
    previous_version = previous.name if previous is not None else None
    stale_entries, carried = _carry_over(con, previous, stale, previous_version)
    fresh = [(s, n) for s, n in _published_relations(con, schemas) if f"{s}.{n}" not in stale]
    relations = sorted([(s, n, "") for s, n in fresh] + [(s, n, "_previous.") for s, n in carried])
    counts: dict[str, int] = {}
    files: dict[str, str] = {}
    snapshot = folder / SNAPSHOT_NAME
    con.execute(f"attach '{snapshot}' as _snapshot (storage_version '{SNAPSHOT_STORAGE_VERSION}')")
    try:
        for schema in sorted({s for s, _, _ in relations}):
            con.execute(f'create schema _snapshot."{schema}"')
        for schema, name, source in relations:
            con.execute(f'create table _snapshot."{schema}"."{name}" as '
                        f'select * from {source}"{schema}"."{name}"')
            counts[f"{schema}.{name}"] = con.execute(
                f'select count(*) from _snapshot."{schema}"."{name}"'
            ).fetchone()[0]
            if schema in parquet_schemas:
                relative = f"{PARQUET_DIR}/{schema}/{name}.parquet"
                (folder / relative).parent.mkdir(parents=True, exist_ok=True)
                con.execute(
                    f"copy _snapshot.\"{schema}\".\"{name}\" to '{folder / relative}' "
                    f"(format parquet, compression zstd, "
                    f"kv_metadata {{{PARQUET_VERSION_KEY}: '{version}'}})"
                )
                files[f"{schema}.{name}"] = relative
        con.execute(
            "create table _snapshot.main.snapshot_info as "
            "select ?::varchar as version_id, ?::timestamptz as published_at, "
            "?::integer as stale_tables",
            [version, published_at, len(stale_entries)],
        )
        con.execute(
            "create table _snapshot.main.snapshot_row_counts "
            "(relation varchar primary key, row_count bigint not null)"
        )
        if counts:
            con.executemany(
                "insert into _snapshot.main.snapshot_row_counts values (?, ?)", list(counts.items())
            )
        con.execute(
            f"create table _snapshot.main.{STALE_TABLE} (relation varchar primary key, "
            "reason varchar not null, data_version varchar)"
        )
        if stale_entries:
            con.executemany(
                f"insert into _snapshot.main.{STALE_TABLE} values (?, ?, ?)",
                [(r, e["reason"], e["data_version"]) for r, e in stale_entries.items()])
    finally:
        con.execute("detach _snapshot")  # checkpoints: the file is complete on its own
        if previous is not None and stale:
            con.execute("detach _previous")
    manifest = {"version_id": version, "published_at": published_at.isoformat(),
                "row_counts": counts, "parquet_files": files, "stale_tables": stale_entries}
    (folder / MANIFEST_NAME).write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n",
                                        encoding="utf-8")
    return counts, files, stale_entries


def remove_old_versions(serving_dir: Path, keep: int = KEEP_VERSIONS) -> list[Path]:
    """Delete versions older than the ``keep`` newest up to ``current``; also any version newer
    than ``current`` (a killed publish renamed it but never pointed at it: nobody reads it)."""
    versions_root = Path(serving_dir) / VERSIONS_DIR
    current = current_version_dir(serving_dir)
    if current is None:
        return []
    names = sorted(p.name for p in versions_root.iterdir()
                   if p.is_dir() and not p.name.startswith("."))
    position = names.index(current.name)
    kept = set(names[max(0, position - keep + 1): position + 1])
    removed = [versions_root / n for n in names if n not in kept]
    for path in removed:
        shutil.rmtree(path, ignore_errors=True)
    return removed


def publish(
    con: duckdb.DuckDBPyConnection,
    serving_dir: Path,
    schemas: tuple[str, ...] = PUBLISHED_SCHEMAS,
    parquet_schemas: tuple[str, ...] = PARQUET_SCHEMAS,
    stale: dict[str, str] | None = None,
) -> Published:
    """Write a new version of the snapshot and its Parquet files, then swap it in atomically.

    ``stale``: "schema.table" -> why the build could not rebuild it; those tables keep the
    previous version's data (see the module docstring)."""
    serving_dir = Path(serving_dir)
    versions_root = serving_dir / VERSIONS_DIR
    versions_root.mkdir(parents=True, exist_ok=True)
    remove_stale_temporaries(serving_dir)
    published_at = dt.datetime.now(dt.UTC)
    version = new_version_id(published_at)
    tmp = versions_root / f".{version}{_TMP_SUFFIX}"
    tmp.mkdir()
    counts, files, stale_entries = _write_version(
        con, tmp, version, published_at, schemas, parquet_schemas, stale,
        current_version_dir(serving_dir))
    _fsync_tree(tmp)
    final = versions_root / version
    os.replace(tmp, final)
    _fsync(versions_root)
    _point(serving_dir, CURRENT, f"{VERSIONS_DIR}/{version}")  # the one atomic switch
    # Stable aliases through `current` (created once; replaces a pre-versioning snapshot file).
    _point(serving_dir, SNAPSHOT_NAME, f"{CURRENT}/{SNAPSHOT_NAME}")
    _point(serving_dir, PARQUET_DIR, f"{CURRENT}/{PARQUET_DIR}")
    _fsync(serving_dir)  # make the renames durable
    remove_old_versions(serving_dir)
    return Published(version=version, version_dir=final, row_counts=counts, parquet_files=files,
                     stale_tables=stale_entries)
