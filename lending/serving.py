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

What is published is chosen by schema, not by a table list, so new marts appear without a code
change: the snapshot holds ``PUBLISHED_SCHEMAS``; Parquet holds ``PARQUET_SCHEMAS`` (the marts and
the ML scores, the tables analysts read). Never raw, staging, intermediate, seeds or reference
tables: intermediate models are building blocks whose shape follows the marts' needs, not a
contract (docs/architecture.md), and at L they were half of what a day's publish wrote (the
2026-12-07 profile in docs/benchmarks.md).

A publish costs what changed, not the whole warehouse: each table's content fingerprint (columns,
row count and two order-free sums of row hashes, ``_fingerprint``) is kept in the manifest; a new
version starts from a copy of the previous snapshot file, replaces only the tables whose
fingerprint changed (in the blocks the old ones freed: the file does not grow from version to
version), and hard-links the unchanged tables' Parquet files from the previous version
(same bytes, no copy; files are never modified in place, so a link is as immutable as a copy).
The Parquet stamp ``snapshot_version`` therefore names the version that *wrote* the file; the
manifest's ``parquet_written_in`` says it for every file of a version.

A large table that a day changes only in part (the touches of the day, the current month of the
lifecycle grid) is compared and replaced *by part* in the snapshot file: a model whose YAML sets
``meta: {serving: {partition_by: <column>}}`` (a date or timestamp column: one part per calendar
month; any other column: one part per value) gets one fingerprint per part; the new version
deletes the changed and gone parts from its copy of the previous file and inserts the changed and
new ones from the warehouse (``rewritten_parts`` in the manifest), then checks the inserted parts'
fingerprints against the warehouse's (on a mismatch, or when over half its rows changed, the
table is written whole). At L a day changes one month of 18 in each of the two tables set so
(`fct_touchpoints`, `mart_user_lifecycle_monthly`), whose snapshot tables cost 11.8 s a day to
write whole (docs/benchmarks.md, 2026-12-07). Their Parquet file is still written whole when any
part changed: one file per table is the analysts' contract (README).

A build that failed for one family (issue 19) still publishes: the tables it could not rebuild (the
failed model, a model whose error-severity test failed, and their descendants: ``stale``) keep
their table and Parquet file of the previous version instead of the warehouse's, so readers keep
their last good data, and ``main.snapshot_stale_tables`` and the manifest's ``stale_tables`` say
which tables are stale, why, and which version their data comes from (absent when no earlier
version had them).
"""

from __future__ import annotations

import datetime as dt
import hashlib
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
PUBLISHED_SCHEMAS = ("marts", "ml")
PARQUET_SCHEMAS = ("marts", "ml")
KEEP_VERSIONS = 3  # the current version and the two before it
# Storage format of the snapshot file. DuckDB 2.x writes a format older readers refuse ("database
# file with version number 69"); BI drivers and the DuckDB CLI on PyPI (duckdb-cli 1.5.6) bundle
# DuckDB 1.x, so the snapshot is written in the 1.4 (LTS) format, which they and 2.x all read.
SNAPSHOT_STORAGE_VERSION = "v1.4.0"
PARQUET_VERSION_KEY = "snapshot_version"
STALE_TABLE = "snapshot_stale_tables"
# Asset metadata key carrying a dbt model's `meta.serving.partition_by` to the serving asset.
PARTITION_METADATA_KEY = "lending/serving_partition_by"
_TMP_SUFFIX = ".tmp"
_LEGACY_TMP_GLOB = f".{SNAPSHOT_NAME}.*.tmp*"  # temporaries of the single-file layout


def partition_column(node: dict) -> str | None:
    """The column a dbt node's YAML names in ``meta: {serving: {partition_by: ...}}``."""
    serving = ((node.get("config") or {}).get("meta") or {}).get("serving") or {}
    column = serving.get("partition_by")
    return str(column) if column else None


@dataclass(frozen=True)
class Published:
    """What one publish produced (paths are the versioned ones; stable aliases beside them)."""

    version: str
    version_dir: Path
    row_counts: dict[str, int]  # "schema.table" -> rows, every table of the snapshot
    parquet_files: dict[str, str]  # "schema.table" -> path relative to the version folder
    rewritten: list[str]  # tables whose content changed since the previous version (or all)
    # "schema.table" -> {"reason": why, "data_version": the version its data comes from, or None
    # when no earlier version had it (then it is absent from this one)}
    stale_tables: dict[str, dict] = field(default_factory=dict)
    # "schema.table" -> the parts replaced in the snapshot file, for tables updated by part
    rewritten_parts: dict[str, list[str]] = field(default_factory=dict)

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


def _columns(con, schema: str, name: str, catalog: str | None = None) -> list[list[str]]:
    return [list(c) for c in con.execute(
        "select column_name, data_type from information_schema.columns "
        "where table_catalog = coalesce(?, current_database()) and table_schema = ? "
        "and table_name = ? order by ordinal_position", [catalog, schema, name]).fetchall()]


def _fingerprint(con, schema: str, name: str) -> str:
    """Content fingerprint of one relation: equal fingerprints mean an equal table (to a 2^-64
    collision of both sums); any change of a value, a row, a column or its type changes it."""
    count, xor, total = con.execute(
        f'select count(*), bit_xor(hash(t)), sum(hash(t)::hugeint) from "{schema}"."{name}" t'
    ).fetchone()
    content = json.dumps([duckdb.__version__, _columns(con, schema, name), count, str(xor),
                          str(total)])
    return hashlib.sha256(content.encode()).hexdigest()


def _is_dated(data_type: str) -> bool:
    """A date or timestamp column: its parts are calendar months."""
    return data_type == "DATE" or data_type.startswith("TIMESTAMP")


def _part_expression(column: str, data_type: str) -> str:
    """The part of a row of alias ``t`` as text: its calendar month for a date or timestamp
    column, else the value itself ('' for null: a part is only a set of rows, so values that
    share a text share a part)."""
    quoted = '"' + column.replace('"', '""') + '"'
    if _is_dated(data_type):
        return f"coalesce(strftime(date_trunc('month', t.{quoted}), '%Y-%m'), '')"
    return f"coalesce(cast(t.{quoted} as varchar), '')"


@dataclass(frozen=True)
class _Parts:
    """A partitioned relation's content, part by part (see the module docstring)."""

    column: str
    columns: list[list[str]]
    fingerprints: dict[str, str]  # part -> fingerprint of its rows
    rows: dict[str, int]

    @property
    def expression(self) -> str:
        return _part_expression(self.column, dict(self.columns)[self.column])

    def predicate(self, parts: list[str]) -> str:
        """``where`` condition of the rows in ``parts`` (a list parameter ``?``). For a date
        column also a range on the column itself, which DuckDB pushes into the scan (zone maps,
        the filters of a view); the part expression alone would read every row."""
        condition = f"{self.expression} in (select unnest(?::varchar[]))"
        months = sorted(p for p in parts if p)
        if months and _is_dated(dict(self.columns)[self.column]):
            quoted = '"' + self.column.replace('"', '""') + '"'
            condition += f" and (t.{quoted} >= date '{months[0]}-01'"
            condition += f" or t.{quoted} is null)" if "" in parts else ")"
        return condition

    @property
    def fingerprint(self) -> str:
        """The relation's fingerprint (``_fingerprint``'s guarantee, from the parts')."""
        content = json.dumps([duckdb.__version__, self.columns, self.column,
                              sorted(self.fingerprints.items())])
        return hashlib.sha256(content.encode()).hexdigest()

    def manifest(self) -> dict:
        return {"column": self.column, "columns": self.columns,
                "fingerprints": self.fingerprints, "rows": self.rows}

    @classmethod
    def read(cls, con, schema: str, name: str, column: str, catalog: str | None = None,
             only: list[str] | None = None) -> _Parts | None:
        """Fingerprints of every part (or of the parts ``only``), None when the relation has no
        column ``column``."""
        columns = _columns(con, schema, name, catalog)
        if column not in dict(columns):
            return None
        shape = cls(column, columns, {}, {})  # the expressions, before any part is read
        source = f'"{catalog}".' if catalog else ""
        where = f"where {shape.predicate(only)}" if only is not None else ""
        read = con.execute(
            f"select {shape.expression} as part, count(*), bit_xor(hash(t)), "
            f'sum(hash(t)::hugeint) from {source}"{schema}"."{name}" as t {where} group by part',
            [only] if only is not None else []).fetchall()
        return cls(column, columns,
                   {part: hashlib.sha256(json.dumps([count, str(xor), str(total)]).encode())
                    .hexdigest() for part, count, xor, total in read},
                   {part: count for part, count, _, _ in read})


@dataclass(frozen=True)
class _Previous:
    """The current version as the base of the next one (None when there is nothing to reuse)."""

    folder: Path
    fingerprints: dict[str, str]
    row_counts: dict[str, int]
    parquet_files: dict[str, str]
    written_in: dict[str, str]
    stale_tables: dict[str, dict]
    parts: dict[str, dict]  # "schema.table" -> _Parts.manifest() of a partitioned relation

    @property
    def version(self) -> str:
        return self.folder.name

    def changed_parts(self, relation: str, new: _Parts) -> list[str] | None:
        """The parts of ``relation`` to replace in a copy of this version's file to give ``new``
        (changed, new and gone ones), or None when only a whole rewrite will do: no parts
        stored, another column or columns, or more than half of the rows changed."""
        old = self.parts.get(relation)
        if (old is None or relation not in self.fingerprints or old["column"] != new.column
                or old["columns"] != new.columns):
            return None
        changed = sorted(p for p in old["fingerprints"].keys() | new.fingerprints.keys()
                         if old["fingerprints"].get(p) != new.fingerprints.get(p))
        rows = sum(new.rows.get(p, 0) + old["rows"].get(p, 0) for p in changed)
        total = sum(new.rows.values()) + sum(old["rows"].values())
        return changed if 2 * rows <= total else None

    @classmethod
    def of(cls, serving_dir: Path) -> _Previous | None:
        folder = current_version_dir(serving_dir)
        if folder is None or not (folder / SNAPSHOT_NAME).exists():
            return None
        manifest = json.loads((folder / MANIFEST_NAME).read_text(encoding="utf-8"))
        if manifest.get("storage_version") != SNAPSHOT_STORAGE_VERSION:
            return None  # written by an older layout: start afresh
        return cls(folder, manifest["fingerprints"], manifest["row_counts"],
                   manifest["parquet_files"], manifest["parquet_written_in"],
                   manifest.get("stale_tables", {}), manifest.get("parts", {}))


def _link_or_copy(source: Path, target: Path) -> None:
    try:
        os.link(source, target)
    except OSError:  # another file system, or links not supported
        shutil.copyfile(source, target)


def _stale_entries(stale: dict[str, str], previous: _Previous | None) -> dict[str, dict]:
    """Why each stale table is stale and the version its data comes from: the previous version's
    (or, when that one carried it too, the version it came from); None when none had it."""
    entries = {}
    for relation, reason in sorted(stale.items()):
        data_version = None
        if previous is not None and relation in previous.fingerprints:
            carried = previous.stale_tables.get(relation, {}).get("data_version")
            data_version = carried or previous.version
        entries[relation] = {"reason": reason, "data_version": data_version}
    return entries


def _write_version(con, folder: Path, version: str, published_at: dt.datetime,
                   schemas, parquet_schemas, previous: _Previous | None,
                   stale: dict[str, str], partitions: dict[str, str]) -> _Written:
    """Snapshot file, Parquet files and manifest of one version; unchanged tables reused.

    ``stale``: "schema.table" -> why it could not be rebuilt: kept as the previous version has
    it (left out when it has none), whatever the warehouse holds. ``partitions``: "schema.table"
    -> the column whose parts are compared and replaced one by one (module docstring)."""
    stale_entries = _stale_entries(
        {r: why for r, why in stale.items() if r.split(".", 1)[0] in schemas}, previous)
    carried = {r for r, entry in stale_entries.items() if entry["data_version"] is not None}
    fresh = [(s, n) for s, n in _published_relations(con, schemas)
             if f"{s}.{n}" not in stale_entries]
    relations = sorted([*fresh, *(tuple(r.split(".", 1)) for r in carried)])
    parts = {f"{s}.{n}": found for s, n in fresh if f"{s}.{n}" in partitions
             and (found := _Parts.read(con, s, n, partitions[f"{s}.{n}"])) is not None}
    fingerprints = {f"{s}.{n}": parts[f"{s}.{n}"].fingerprint if f"{s}.{n}" in parts
                    else _fingerprint(con, s, n) for s, n in fresh}
    fingerprints |= {r: previous.fingerprints[r] for r in carried}
    reused = carried | {r for r, f in fingerprints.items()
                        if previous is not None and previous.fingerprints.get(r) == f}
    # changed tables whose changed parts are replaced in the copy of the previous file
    by_part = {r: changed for r, new in parts.items() if r not in reused and previous is not None
               and (changed := previous.changed_parts(r, new)) is not None}
    counts: dict[str, int] = {r: previous.row_counts[r] for r in reused}
    files: dict[str, str] = {}
    written_in: dict[str, str] = {}
    snapshot = folder / SNAPSHOT_NAME
    if previous is not None:
        shutil.copyfile(previous.folder / SNAPSHOT_NAME, snapshot)
    con.execute(f"attach '{snapshot}' as _snapshot (storage_version '{SNAPSHOT_STORAGE_VERSION}')")
    try:
        for schema, name in con.execute(
                "select schema_name, table_name from duckdb_tables() "
                "where database_name = '_snapshot'").fetchall():
            relation = f"{schema}.{name}"
            if relation in by_part:
                con.execute(f'delete from _snapshot."{schema}"."{name}" as t '
                            f"where {parts[relation].predicate(by_part[relation])}",
                            [by_part[relation]])
            elif relation not in reused:  # changed, gone, or the info tables
                con.execute(f'drop table _snapshot."{schema}"."{name}"')
        # The dropped tables' blocks are free for the new ones only after a checkpoint; without
        # it they are written after them and the file doubles (4.0 -> 8.0 GB on the L day).
        con.execute("checkpoint _snapshot")
        for schema in sorted({s for s, _ in relations}):
            con.execute(f'create schema if not exists _snapshot."{schema}"')
        for schema, name in relations:
            relation = f"{schema}.{name}"
            if relation in by_part and not _insert_parts(con, schema, name, parts[relation],
                                                         by_part[relation]):
                del by_part[relation]  # not what the warehouse has: written whole instead
                con.execute(f'drop table _snapshot."{schema}"."{name}"')
            if relation not in reused and relation not in by_part:
                con.execute(f'create table _snapshot."{schema}"."{name}" as '
                            f'select * from "{schema}"."{name}"')
            if relation not in reused:
                counts[relation] = con.execute(
                    f'select count(*) from _snapshot."{schema}"."{name}"').fetchone()[0]
            if schema not in parquet_schemas:
                continue
            files[relation] = f"{PARQUET_DIR}/{schema}/{name}.parquet"
            target = folder / files[relation]
            target.parent.mkdir(parents=True, exist_ok=True)
            if relation in reused and relation in previous.parquet_files:
                _link_or_copy(previous.folder / previous.parquet_files[relation], target)
                written_in[relation] = previous.written_in[relation]
            else:
                con.execute(
                    f"copy _snapshot.\"{schema}\".\"{name}\" to '{target}' "
                    f"(format parquet, compression zstd, "
                    f"kv_metadata {{{PARQUET_VERSION_KEY}: '{version}'}})"
                )
                written_in[relation] = version
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
                "insert into _snapshot.main.snapshot_row_counts values (?, ?)", sorted(counts.items())
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
    rewritten = sorted(set(fingerprints) - reused)
    stored_parts = {r: found.manifest() for r, found in parts.items()}
    stored_parts |= {r: previous.parts[r] for r in carried if r in previous.parts}
    manifest = {"version_id": version, "published_at": published_at.isoformat(),
                "storage_version": SNAPSHOT_STORAGE_VERSION, "row_counts": counts,
                "parquet_files": files, "parquet_written_in": written_in,
                "fingerprints": fingerprints, "rewritten": rewritten,
                "stale_tables": stale_entries, "parts": stored_parts,
                "rewritten_parts": by_part}
    (folder / MANIFEST_NAME).write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n",
                                        encoding="utf-8")
    return _Written(counts, files, rewritten, stale_entries, by_part)


def _insert_parts(con, schema: str, name: str, parts: _Parts, changed: list[str]) -> bool:
    """Insert the warehouse's rows of the ``changed`` parts into the snapshot's table (their old
    rows already deleted); True when the snapshot's parts then have the warehouse's fingerprints
    (always, unless something other than this module wrote the previous file)."""
    con.execute(f'insert into _snapshot."{schema}"."{name}" select * from "{schema}"."{name}" '
                f"as t where {parts.predicate(changed)}", [changed])
    written = _Parts.read(con, schema, name, parts.column, catalog="_snapshot", only=changed)
    return written is not None and written.fingerprints == {
        p: parts.fingerprints[p] for p in changed if p in parts.fingerprints}


@dataclass(frozen=True)
class _Written:
    row_counts: dict[str, int]
    parquet_files: dict[str, str]
    rewritten: list[str]
    stale_tables: dict[str, dict]
    rewritten_parts: dict[str, list[str]]


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
    partitions: dict[str, str] | None = None,
) -> Published:
    """Write a new version of the snapshot and its Parquet files, then swap it in atomically.

    ``stale``: "schema.table" -> why the build could not rebuild it (kept from the previous
    version, listed in ``main.snapshot_stale_tables``). ``partitions``: "schema.table" -> the
    column by whose parts a changed table is updated in the snapshot file (``serving_partitions``;
    a relation without that column is compared whole)."""
    serving_dir = Path(serving_dir)
    versions_root = serving_dir / VERSIONS_DIR
    versions_root.mkdir(parents=True, exist_ok=True)
    remove_stale_temporaries(serving_dir)
    published_at = dt.datetime.now(dt.UTC)
    version = new_version_id(published_at)
    tmp = versions_root / f".{version}{_TMP_SUFFIX}"
    tmp.mkdir()
    written = _write_version(con, tmp, version, published_at, schemas, parquet_schemas,
                             _Previous.of(serving_dir), stale or {}, partitions or {})
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
    return Published(version=version, version_dir=final, row_counts=written.row_counts,
                     parquet_files=written.parquet_files, rewritten=written.rewritten,
                     stale_tables=written.stale_tables, rewritten_parts=written.rewritten_parts)
