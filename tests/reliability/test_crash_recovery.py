"""Crash recovery: `make run` killed at any moment never blocks the next run nor changes its result.

Each kill is a SIGKILL of the whole process group (the CLI and its dbt child), like a power cut or
an OOM kill; no cleanup code runs. After each, a plain rerun must finish and leave staging,
intermediate and marts hash-identical to an uninterrupted run, and the serving snapshot must be a
complete version at every moment.
"""

import contextlib
import os
import random
import signal
import socket
import subprocess

import dagster as dg
import pytest
from dagster._core.storage.dagster_run import DagsterRun
from dagster._core.utils import make_new_run_id

from lending.build_stamp import STAMP_SUFFIX
from lending.serving import publishing_temporaries
from orchestration.resources import WRITER_POOL
from orchestration.runs.recovery import HOST_TAG, PID_TAG, recover_dead_runs
from tests.reliability.platform import (
    kill_tree,
    snapshot_problems,
    wait_for,
    writer_slot_holders,
)

pytestmark = pytest.mark.reliability
KILLS = int(os.environ.get("RELIABILITY_KILLS", "10"))
PHASES = ("ingestion", "dbt", "publishing", "anytime")
STARTUP_TIMEOUT = 600.0  # seconds until a phase begins; generous for a loaded CI machine


def assert_snapshot_complete(platform) -> None:
    if platform.snapshot.exists():
        assert snapshot_problems(platform.snapshot, platform.reference_snapshot) == []


def assert_rerun_recovers(platform, name: str) -> str:
    code, log = platform.run(name)
    assert code == 0, log[-3000:]
    assert platform.fingerprints() == platform.reference
    assert snapshot_problems(platform.snapshot, platform.reference_snapshot) == []
    assert writer_slot_holders(platform) == []
    return log


def _killed_holding_the_writer_slot(platform, name: str, attempts: int = 10) -> list[str]:
    """Start ``make run`` and SIGKILL it once it holds the writer slot; returns the dead run's
    slot holders. Seen holding, a run can release the slot before the signal lands (its ingestion
    of unchanged days holds it about a second), so the slot is read again once the process is
    gone, and a kill that missed starts over: the outcome does not depend on the timing."""
    for attempt in range(attempts):
        proc = platform.start(f"{name}_{attempt}")
        pid = proc.pid
        seen = wait_for(lambda: writer_slot_holders(platform, pid), STARTUP_TIMEOUT, proc=proc)  # noqa: B023
        assert seen, platform.log(f"{name}_{attempt}")[-3000:]
        kill_tree(proc)
        holders = writer_slot_holders(platform, pid)
        if holders:
            return holders
    pytest.fail(f"none of {attempts} kills landed while the run held the writer slot")


def test_run_killed_during_ingestion_does_not_block_the_next_one(platform):
    """Issue 14: the killed run kept the writer slot and the next `make run` waited forever."""
    holders = _killed_holding_the_writer_slot(platform, "issue14_killed")
    # The state that hung the next run: a dead run still STARTED, holding the only writer slot.
    assert writer_slot_holders(platform) == holders
    with platform.instance() as instance:
        assert instance.get_run_by_id(holders[0]).status in (
            dg.DagsterRunStatus.STARTED, dg.DagsterRunStatus.NOT_STARTED)

    log = assert_rerun_recovers(platform, "issue14_rerun")
    assert f"Recovered run {holders[0]}" in log
    with platform.instance() as instance:
        dead = instance.get_run_by_id(holders[0])
        assert dead.status == dg.DagsterRunStatus.FAILURE
        failure = instance.get_records_for_run(
            holders[0], of_type=dg.DagsterEventType.RUN_FAILURE).records
        assert "no longer exists" in failure[0].event_log_entry.dagster_event.message


def test_sigterm_cancels_the_run_and_releases_the_slot(platform):
    proc = platform.start("sigterm")
    holders = wait_for(lambda: writer_slot_holders(platform, proc.pid), STARTUP_TIMEOUT, proc=proc)
    assert holders, platform.log("sigterm")[-3000:]
    proc.send_signal(signal.SIGTERM)  # the CLI only, as `kill <pid>` does
    try:
        code = proc.wait(timeout=120)
    except subprocess.TimeoutExpired:
        kill_tree(proc)
        pytest.fail("orchestration.cli run ignored SIGTERM for 2 minutes")
    log = platform.log("sigterm")
    assert code == 130, log[-3000:]
    assert "received SIGTERM" in log
    assert writer_slot_holders(platform) == []
    # The run in progress when the signal came is canceled, no run is left started: the run seen
    # holding the slot is canceled, or, had it finished just before the signal, succeeded (then
    # the process's next run, if it had begun, is the canceled one).
    with platform.instance() as instance:
        statuses = {run.run_id: run.status for run in instance.get_runs(
            filters=dg.RunsFilter(tags={PID_TAG: str(proc.pid)}))}
    assert statuses[holders[0]] in (dg.DagsterRunStatus.CANCELED, dg.DagsterRunStatus.SUCCESS)
    assert set(statuses.values()) <= {dg.DagsterRunStatus.SUCCESS, dg.DagsterRunStatus.CANCELED}
    # Nothing of the run is left behind (Dagster's log-tailing helpers exit within seconds).
    if wait_for(lambda: not _group_alive(proc.pid), timeout=15) is None:
        os.killpg(proc.pid, signal.SIGKILL)
        pytest.fail("a process of the stopped run was still running 15 s after it stopped")


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


def test_waiting_for_a_live_holder_is_reported_and_times_out(platform):
    """A live run holding the writer slot: the CLI names it, waits, then gives up clearly."""
    holder = subprocess.Popen(["sleep", "900"])
    try:
        with platform.instance() as instance:
            recover_dead_runs(instance, log=lambda _: None)  # start from a free pool
            run = DagsterRun(job_name="held_by_test", run_id=make_new_run_id(),
                             status=dg.DagsterRunStatus.STARTED,
                             tags={PID_TAG: str(holder.pid), HOST_TAG: socket.gethostname()})
            instance.add_run(run)
            instance.event_log_storage.initialize_concurrency_limit_to_default(WRITER_POOL)
            claimed = instance.event_log_storage.claim_concurrency_slot(
                WRITER_POOL, run.run_id, "step")
            assert claimed.is_claimed
        code, log = platform.run("waiting", {"LENDING_WRITER_WAIT_TIMEOUT": "5"})
        assert code == 1, log[-3000:]
        assert f"Waiting for the {WRITER_POOL} pool" in log
        assert f"held by run {run.run_id} (held_by_test, step step) since" in log
        assert "gave up after waiting" in log and "LENDING_WRITER_WAIT_TIMEOUT" in log
        assert writer_slot_holders(platform) == [run.run_id]  # the live holder is left alone
    finally:
        holder.kill()
        holder.wait()
    with platform.instance() as instance:  # its process is gone: recovered like a crashed run
        assert [r.run_id for r in recover_dead_runs(instance, log=lambda _: None)] == [run.run_id]
    assert writer_slot_holders(platform) == []


@pytest.mark.parametrize("attempt", range(KILLS))
def test_killed_at_a_random_moment_then_rerun_gives_identical_marts(platform, attempt):
    rng = random.Random(2026 + attempt)
    phase = PHASES[attempt % len(PHASES)]
    # A plain rerun skips the build when nothing changed since the last clean one
    # (lending/build_stamp.py): the kills meant for the build, or for any moment of a whole
    # `make run` (its delay drawn over the reference run's time), get a build to hit.
    rebuild = ("--rebuild",) if phase in ("dbt", "anytime") else ()
    proc = platform.start(f"kill_{attempt}", args=rebuild)
    name = f"kill_{attempt}"
    if phase == "ingestion":
        started = wait_for(lambda: writer_slot_holders(platform, proc.pid), STARTUP_TIMEOUT,
                           proc=proc)
        delay = rng.uniform(0, 3)
    elif phase == "dbt":
        started = wait_for(lambda: "Building the warehouse" in platform.log(name),
                           STARTUP_TIMEOUT, proc=proc)
        delay = rng.uniform(2, 25)
    elif phase == "publishing":
        started = wait_for(lambda: publishing_temporaries(platform.snapshot.parent),
                           STARTUP_TIMEOUT, interval=0.02, proc=proc)
        delay = rng.uniform(0, 0.3)
    else:
        started = True
        delay = rng.uniform(0, platform.reference_seconds)
    assert started, f"{phase} never began: " + platform.log(name)[-3000:]
    if proc.poll() is None:
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=delay)
    kill_tree(proc)
    assert_snapshot_complete(platform)  # whatever moment the kill hit
    if phase == "dbt":  # the build began: the stamp is gone, so the rerun builds again
        assert not (platform.warehouse.parent / f"lending{STAMP_SUFFIX}").exists()
    assert_rerun_recovers(platform, f"rerun_{attempt}")
