"""Crash recovery for the Dagster instance: a run whose process is gone never blocks the next one.

DuckDB has one writer, so every warehouse-writing step runs in the writer pool (``WRITER_POOL``,
one slot). Dagster frees a slot when the step ends; a process killed by SIGKILL, an OOM kill or a power
cut never ends its step, so the dead run stays ``STARTED`` and holds the slot forever: every later
run waits on it (issue 14). Dagster's run monitoring cannot see this for the runs ``make run``
executes in-process, nor for the DefaultRunLauncher of ``make ui`` (it has no worker health check).

So each run records the process that executes it (``lending/pid``, ``lending/hostname`` tags for
the runs of ``orchestration.cli``; the pid of the run's RUN_START event otherwise), and
``recover_dead_runs`` marks the runs whose process no longer exists as failed, with the reason,
and frees their pool slots. ``make run`` calls it before it starts; under ``make ui`` the
``recover_dead_runs`` sensor calls it every 30 seconds.
"""

from __future__ import annotations

import datetime as dt
import os
import socket
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import dagster as dg
from dagster._core.storage.dagster_run import FINISHED_STATUSES

from orchestration.resources import WRITER_POOL

PID_TAG = "lending/pid"
HOST_TAG = "lending/hostname"
LIVE_STATUSES = [dg.DagsterRunStatus.STARTING, dg.DagsterRunStatus.STARTED,
                 dg.DagsterRunStatus.CANCELING]
# An in-process run is created NOT_STARTED by its own process: only the pid tag says whose it is.
IN_PROCESS_ONLY_STATUSES = [dg.DagsterRunStatus.NOT_STARTED, dg.DagsterRunStatus.QUEUED]
PID_REUSE_SLACK_SECONDS = 5.0  # a process started after its run began is a recycled pid


def process_tags() -> dict[str, str]:
    """Tags that identify the process executing a run in-process (checked by recover_dead_runs)."""
    return {PID_TAG: str(os.getpid()), HOST_TAG: socket.gethostname()}


def _process_start_time(pid: int) -> float | None:
    """Start time (epoch seconds) of a live process from /proc, or None where /proc is absent."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        boot = next(
            float(line.split()[1]) for line in Path("/proc/stat").read_text().splitlines()
            if line.startswith("btime ")
        )
    except (OSError, StopIteration, ValueError):
        return None
    # Field 22 (starttime, clock ticks after boot) follows the ")" that ends the command name.
    ticks = int(stat.rsplit(")", 1)[1].split()[19])
    return boot + ticks / os.sysconf("SC_CLK_TCK")


def process_alive(pid: int, not_started_after: float | None = None) -> bool:
    """Whether ``pid`` runs, and (where /proc tells) started before ``not_started_after``."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # exists, owned by someone else
    if sys.platform.startswith("linux"):
        state = Path(f"/proc/{pid}/stat")
        try:
            if state.read_text().rsplit(")", 1)[1].split()[0] == "Z":
                return False  # a zombie has exited; only its parent has not collected it
        except OSError:
            return False
    started = _process_start_time(pid)
    if started is not None and not_started_after is not None:
        return started <= not_started_after + PID_REUSE_SLACK_SECONDS
    return True


def _run_process(instance: dg.DagsterInstance, run: dg.DagsterRun) -> tuple[int | None, str | None]:
    """(pid, hostname) of the process executing ``run``; hostname None means "this machine"."""
    if PID_TAG in run.tags:
        return int(run.tags[PID_TAG]), run.tags.get(HOST_TAG)
    records = instance.get_records_for_run(
        run.run_id, of_type=dg.DagsterEventType.RUN_START, limit=1
    ).records
    if records and records[0].event_log_entry.dagster_event is not None:
        return records[0].event_log_entry.dagster_event.pid, None
    return None, None


@dataclass(frozen=True)
class Recovered:
    run_id: str
    job_name: str
    pid: int
    reason: str


def recover_dead_runs(
    instance: dg.DagsterInstance, log: Callable[[str], None] = print
) -> list[Recovered]:
    """Fail the live-looking runs whose process is gone, and free every slot of a finished run."""
    recovered = []
    host = socket.gethostname()
    statuses = LIVE_STATUSES + IN_PROCESS_ONLY_STATUSES
    for record in instance.get_run_records(dg.RunsFilter(statuses=statuses)):
        run = record.dagster_run
        if run.status in IN_PROCESS_ONLY_STATUSES and PID_TAG not in run.tags:
            continue  # queued for a launcher: the daemon's run monitoring owns it
        pid, run_host = _run_process(instance, run)
        if pid is None or (run_host is not None and run_host != host):
            continue  # not started yet (run monitoring's start timeout covers it), or elsewhere
        began = record.start_time or record.create_timestamp.timestamp()
        if process_alive(pid, not_started_after=began):
            continue
        reason = (
            f"The process that executed this run (pid {pid} on {run_host or host}) no longer "
            "exists: it was killed or crashed. Marked failed by the crash recovery of "
            f"orchestration.runs.recovery so that its {WRITER_POOL} pool slot is freed; rerun to "
            "finish the work (every step is idempotent)."
        )
        if run.status == dg.DagsterRunStatus.CANCELING:
            instance.report_run_canceled(run, message=reason)
        else:
            instance.report_run_failed(run, message=reason)
        instance.event_log_storage.free_concurrency_slots_for_run(run.run_id)
        recovered.append(Recovered(run.run_id, run.job_name, pid, reason))
        log(f"Recovered run {run.run_id} ({run.job_name}): its process {pid} is gone; "
            "marked failed and freed its pool slot.")
    free_slots_of_finished_runs(instance)
    return recovered


def free_slots_of_finished_runs(instance: dg.DagsterInstance) -> list[str]:
    """Free the pool slots still claimed by runs that have ended (or were deleted)."""
    storage = instance.event_log_storage
    if not storage.supports_global_concurrency_limits:
        return []
    freed = []
    for run_id in sorted(storage.get_concurrency_run_ids()):
        run = instance.get_run_by_id(run_id)
        if run is None or run.status in FINISHED_STATUSES:
            storage.free_concurrency_slots_for_run(run_id)
            freed.append(run_id)
    return freed


@dataclass(frozen=True)
class PoolHolder:
    run_id: str
    step_key: str
    job_name: str
    since: dt.datetime | None

    def describe(self) -> str:
        since = f" since {self.since:%Y-%m-%d %H:%M:%S} UTC" if self.since else ""
        return f"run {self.run_id} ({self.job_name}, step {self.step_key}){since}"


def pool_holders(instance: dg.DagsterInstance, pool: str, exclude_run_id: str) -> list[PoolHolder]:
    """The runs (other than ``exclude_run_id``) holding a slot of ``pool``, and since when."""
    info = instance.event_log_storage.get_concurrency_info(pool)
    assigned = {(p.run_id, p.step_key): p.assigned_timestamp for p in info.pending_steps}
    holders = []
    for slot in info.claimed_slots:
        if slot.run_id == exclude_run_id:
            continue
        run = instance.get_run_by_id(slot.run_id)
        holders.append(PoolHolder(slot.run_id, slot.step_key, run.job_name if run else "?",
                                  assigned.get((slot.run_id, slot.step_key))))
    return holders


def blocked_since(instance: dg.DagsterInstance, pool: str, run_id: str) -> dt.datetime | None:
    """When the oldest step of ``run_id`` that waits for a slot of ``pool`` started waiting."""
    info = instance.event_log_storage.get_concurrency_info(pool)
    waiting = [p.enqueued_timestamp for p in info.pending_steps
               if p.run_id == run_id and p.assigned_timestamp is None]
    return min(waiting) if waiting else None
