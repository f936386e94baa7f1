"""Execute a job in-process so that it can always be stopped and never waits silently.

``execute_in_process`` on the main thread swallows SIGINT/SIGTERM while a step waits for a pool
slot (Dagster captures the signal and only checks it between steps), so a blocked
``make run`` ignored Ctrl-C and SIGTERM (issue 14). Here the job runs on a worker thread, where
Dagster leaves the signal handlers alone, and the main thread

- on SIGINT/SIGTERM marks the run canceling and interrupts the worker (Dagster then records the
  run as canceled, and dagster-dbt stops dbt), then frees the run's pool slots;
- while a step of the run waits for a slot of the writer pool, says so on the terminal (which
  run holds it, since when) and gives up after ``timeout`` seconds (LENDING_WRITER_WAIT_TIMEOUT:
  Settings.writer_wait_timeout) with a clear error, instead of spinning silently.
"""

from __future__ import annotations

import ctypes
import datetime as dt
import os
import signal
import sys
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import dagster as dg
from dagster._core.errors import DagsterExecutionInterruptedError

from lending.settings import DEFAULT_WRITER_WAIT_TIMEOUT
from orchestration.resources import WRITER_POOL
from orchestration.runs.recovery import blocked_since, pool_holders, process_tags, recover_dead_runs

WAIT_TIMEOUT_ENV = "LENDING_WRITER_WAIT_TIMEOUT"  # named in the messages (Settings reads it)
INVOCATION_TAG = "lending/invocation"
POLL_SECONDS = 1.0
REPORT_EVERY_SECONDS = 60.0
STOP_GRACE_SECONDS = 20.0  # then the run is abandoned: marked canceled, the process exits
REINTERRUPT_SECONDS = 5.0  # an interrupt can land where it is caught: deliver it again


class RunInterrupted(Exception):
    """The run was stopped by a signal (``canceled``) or gave up waiting for the writer pool.

    ``abandoned``: its worker thread did not stop in time; the caller should exit the process.
    """

    def __init__(self, reason: str, canceled: bool, abandoned: bool = False):
        super().__init__(reason)
        self.canceled = canceled
        self.abandoned = abandoned


def terminate_children() -> None:
    """SIGTERM this process's direct children (e.g. dbt) before an abandoned run's process exits."""
    me = str(os.getpid())
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if stat.read_text().rsplit(")", 1)[1].split()[1] == me:
                os.kill(int(stat.parent.name), signal.SIGTERM)
        except (OSError, IndexError, ValueError):
            continue


def _raise_in_thread(thread: threading.Thread, exc: type[BaseException]) -> None:
    ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(thread.ident), ctypes.py_object(exc))


class GuardedRun:
    """One in-process execution of ``job`` on ``instance`` (see the module docstring)."""

    def __init__(self, instance: dg.DagsterInstance, job: dg.JobDefinition, pool: str = WRITER_POOL,
                 timeout: float = DEFAULT_WRITER_WAIT_TIMEOUT,
                 out: Callable[[str], None] | None = None):
        self.instance, self.job, self.pool = instance, job, pool
        self.timeout = timeout
        self.out = out or (lambda msg: print(msg, file=sys.stderr, flush=True))
        self.invocation = uuid.uuid4().hex
        self.stop_reason: str | None = None
        self.canceled = False
        self._stopped_at: float | None = None
        self._interrupts = 1
        self._result: dg.ExecuteInProcessResult | None = None
        self._error: BaseException | None = None

    def _run_id(self) -> str | None:
        records = self.instance.get_run_records(
            dg.RunsFilter(tags={INVOCATION_TAG: self.invocation}), limit=1)
        return records[0].dagster_run.run_id if records else None

    def _target(self, kwargs: dict) -> None:
        try:
            self._result = self.job.execute_in_process(instance=self.instance, **kwargs)
        except BaseException as err:  # noqa: BLE001 - re-raised on the main thread
            self._error = err

    def execute(self, tags: dict[str, str] | None = None, **kwargs) -> dg.ExecuteInProcessResult:
        tags = {**(tags or {}), **process_tags(), INVOCATION_TAG: self.invocation}
        worker = threading.Thread(target=self._target, args=({**kwargs, "tags": tags},),
                                  name=f"run-{self.job.name}", daemon=True)
        previous = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}

        def on_signal(signo: int, _frame) -> None:
            self.stop(f"received {signal.Signals(signo).name}", worker, canceled=True)

        for s in previous:
            signal.signal(s, on_signal)
        try:
            worker.start()
            self._watch(worker)
        finally:
            for s, handler in previous.items():
                signal.signal(s, handler)
        self._release()
        if self.stop_reason is not None:
            raise RunInterrupted(self.stop_reason, self.canceled, abandoned=worker.is_alive())
        if self._error is not None:
            raise self._error
        assert self._result is not None
        return self._result

    def _watch(self, worker: threading.Thread) -> None:
        reported_at = 0.0
        last_holders = ""
        while worker.is_alive():
            worker.join(POLL_SECONDS)
            if self._stopped_at is not None and worker.is_alive():
                elapsed = time.monotonic() - self._stopped_at
                if elapsed > STOP_GRACE_SECONDS:
                    self.out(f"{self.job.name} did not stop within {STOP_GRACE_SECONDS:.0f}s; "
                             "abandoning it.")
                    return
                if elapsed > self._interrupts * REINTERRUPT_SECONDS:
                    self._interrupts += 1
                    _raise_in_thread(worker, DagsterExecutionInterruptedError)
                continue
            if not worker.is_alive():
                continue
            run_id = self._run_id()
            waiting = run_id and blocked_since(self.instance, self.pool, run_id)
            if not waiting:
                continue
            recover_dead_runs(self.instance, log=self.out)  # a holder may have died meanwhile
            holders = pool_holders(self.instance, self.pool, exclude_run_id=run_id)
            described = "; ".join(h.describe() for h in holders) or "no run (slot being handed over)"
            waited = (dt.datetime.now(dt.UTC) - waiting).total_seconds()
            if described != last_holders or time.monotonic() - reported_at > REPORT_EVERY_SECONDS:
                self.out(f"Waiting for the {self.pool} pool (one writer at a time) for "
                         f"{waited:.0f}s: held by {described}. Giving up after {self.timeout:.0f}s "
                         f"({WAIT_TIMEOUT_ENV}).")
                reported_at, last_holders = time.monotonic(), described
            if waited > self.timeout:
                self.stop(f"gave up after waiting {waited:.0f}s for the {self.pool} pool, held by "
                          f"{described}. Stop that run (or wait for it) and rerun; raise "
                          f"{WAIT_TIMEOUT_ENV} to wait longer.", worker, canceled=False)

    def stop(self, reason: str, worker: threading.Thread, canceled: bool) -> None:
        """Mark the run canceling (or failed) and interrupt the worker thread."""
        if self.stop_reason is not None:
            return
        self.stop_reason = reason
        self.canceled = canceled
        self._stopped_at = time.monotonic()
        self.out(f"Stopping {self.job.name}: {reason}")
        run_id = self._run_id()
        run = self.instance.get_run_by_id(run_id) if run_id else None
        if run is not None and run.status not in (dg.DagsterRunStatus.SUCCESS,
                                                  dg.DagsterRunStatus.FAILURE):
            if canceled:
                self.instance.report_run_canceling(run, message=f"Canceling: {reason}")
            else:
                self.instance.report_run_failed(run, message=f"Run {reason}")
        if worker.is_alive():
            _raise_in_thread(worker, DagsterExecutionInterruptedError)

    def _release(self) -> None:
        """After a stop: the run ends canceled (or failed) and holds no slot."""
        if self.stop_reason is None:
            return
        run_id = self._run_id()
        if run_id is None:
            return
        run = self.instance.get_run_by_id(run_id)
        if run is not None and run.status not in (dg.DagsterRunStatus.SUCCESS,
                                                  dg.DagsterRunStatus.FAILURE,
                                                  dg.DagsterRunStatus.CANCELED):
            self.instance.report_run_canceled(run, message=f"Canceled: {self.stop_reason}")
        self.instance.event_log_storage.free_concurrency_slots_for_run(run_id)
