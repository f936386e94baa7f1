"""Where a Dagster run's wall time went, per asset and per asset family, from its event log.

A step's wall time (STEP_START to its end) is split over the assets it materialized or checked:

- a dbt step runs many nodes (two dbt threads) and reports each node's own duration in the event
  metadata (``Execution Duration``); the step's wall time, dbt start-up and unit tests included,
  is shared out in proportion to those durations (a model and the data tests on it count for
  that model's asset);
- a step without such durations (ingestion of one source, a model training, the snapshot) gives
  its asset the time up to its last event, and the rest (teardown) is step overhead.

What lies between and around the steps (run start, the planned-materialization events Dagster
writes for every partition, run end) is run overhead, so the families add up to the wall time.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

STEP_OVERHEAD = "(step teardown)"
RUN_OVERHEAD = "(run start and end)"
PROCESS = "(process start, definitions, summary)"
DURATION = "Execution Duration"
_ASSET_EVENTS = ("ASSET_MATERIALIZATION", "ASSET_CHECK_EVALUATION")
_STEP_END = ("STEP_SUCCESS", "STEP_FAILURE")


@dataclass(frozen=True)
class Event:
    """The part of a Dagster event log entry the attribution needs."""

    timestamp: float
    kind: str                 # DagsterEventType value
    step_key: str | None
    asset: str | None         # "a/b" of the materialized or checked asset
    duration: float | None = None  # dbt's own time for the node, when the step reports it


@dataclass
class RunTimes:
    wall_s: float
    seconds_by_asset: dict[str, float]
    overhead_by_step: dict[str, float]   # teardown of steps without node durations
    assets_by_step: dict[str, set[str]]  # what each step materialized or checked
    run_overhead_s: float
    step_wall_s: dict[str, float] = field(default_factory=dict)

    @property
    def step_overhead_s(self) -> float:
        return sum(self.overhead_by_step.values())

    def step_seconds(self, step_key: str) -> float:
        """Wall time of one step (a check step's assets were materialized by other steps)."""
        return self.step_wall_s.get(step_key, 0.0)


def _step_times(events: list[Event], start: float, end: float) -> tuple[dict[str, float], float]:
    """Seconds per asset of one step, and its teardown (see the module docstring)."""
    asset_events = [e for e in events if e.kind in _ASSET_EVENTS and e.asset]
    durations = [e.duration for e in asset_events]
    out: dict[str, float] = defaultdict(float)
    if asset_events and all(d is not None for d in durations) and sum(durations) > 0:
        total = sum(durations)
        for e in asset_events:
            out[e.asset] += (end - start) * e.duration / total
        return dict(out), 0.0
    last = start
    for e in asset_events:
        out[e.asset] += e.timestamp - last
        last = e.timestamp
    return dict(out), end - last


def attribute(events: Iterable[Event]) -> RunTimes:
    """Split one run's wall time over its assets (see the module docstring)."""
    events = sorted(events, key=lambda e: e.timestamp)
    if not events:
        return RunTimes(0.0, {}, {}, {}, 0.0, {})
    by_step: dict[str, list[Event]] = defaultdict(list)
    for e in events:
        if e.step_key is not None:
            by_step[e.step_key].append(e)
    by_asset: dict[str, float] = defaultdict(float)
    overhead: dict[str, float] = {}
    assets: dict[str, set[str]] = {}
    walls: dict[str, float] = {}
    for step, step_events in by_step.items():
        starts = [e.timestamp for e in step_events if e.kind == "STEP_START"]
        ends = [e.timestamp for e in step_events if e.kind in _STEP_END]
        if not starts or not ends:
            continue
        walls[step] = ends[-1] - starts[0]
        seconds, teardown = _step_times(step_events, starts[0], ends[-1])
        for asset, s in seconds.items():
            by_asset[asset] += s
        assets[step] = set(seconds)
        if teardown:
            overhead[step] = teardown
    wall = events[-1].timestamp - events[0].timestamp
    in_steps = sum(by_asset.values()) + sum(overhead.values())
    return RunTimes(wall, dict(by_asset), overhead, assets, max(wall - in_steps, 0.0), walls)


def by_family(runs: Iterable[RunTimes], family_of: Mapping[str, str],
              process_wall_s: float | None = None) -> dict[str, float]:
    """Seconds per asset family (group) over ``runs``; overheads under their own names.

    With ``process_wall_s`` (the whole command), what lies outside the runs (process start,
    loading definitions, parsing dbt, the summary) is reported as ``PROCESS``."""
    out: dict[str, float] = defaultdict(float)
    inside = 0.0
    for run in runs:
        for asset, seconds in run.seconds_by_asset.items():
            out[family_of.get(asset, "(other)")] += seconds
        out[STEP_OVERHEAD] += run.step_overhead_s
        out[RUN_OVERHEAD] += run.run_overhead_s
        inside += run.wall_s
    if process_wall_s is not None:
        out[PROCESS] = max(process_wall_s - inside, 0.0)
    return {k: round(v, 1) for k, v in sorted(out.items(), key=lambda kv: -kv[1])}


def slowest(runs: Iterable[RunTimes], n: int = 15) -> dict[str, float]:
    """The ``n`` assets that took longest over ``runs`` (seconds), slowest first."""
    total: dict[str, float] = defaultdict(float)
    for run in runs:
        for asset, seconds in run.seconds_by_asset.items():
            total[asset] += seconds
    top = sorted(total.items(), key=lambda kv: -kv[1])[:n]
    return {asset: round(seconds, 1) for asset, seconds in top}


def _duration(event) -> float | None:
    data = event.event_specific_data
    metadata = getattr(data, "metadata", None)
    if metadata is None and hasattr(data, "materialization"):
        metadata = data.materialization.metadata
    value = (metadata or {}).get(DURATION)
    return None if value is None else float(getattr(value, "value", value))


def read_runs(instance, run_ids: Iterable[str]) -> list[RunTimes]:
    """RunTimes of each run in ``instance`` (a DagsterInstance)."""
    runs = []
    for run_id in run_ids:
        events = []
        for entry in instance.all_logs(run_id):
            event = entry.dagster_event
            if event is None:
                continue
            key, duration = event.asset_key, None
            if event.event_type_value == "ASSET_CHECK_EVALUATION":
                key = event.event_specific_data.asset_key
            if event.event_type_value in _ASSET_EVENTS:
                duration = _duration(event)
            events.append(Event(entry.timestamp, event.event_type_value, entry.step_key,
                                key.to_user_string() if key is not None else None, duration))
        runs.append(attribute(events))
    return runs
