"""Crash recovery and guarded runs (issue 14), on a throw-away Dagster instance with pools of 1."""

import contextlib
import os
import signal
import socket
import subprocess
import threading
import time

import dagster as dg
import pytest
from dagster._core.storage.dagster_run import DagsterRun
from dagster._core.utils import make_new_run_id

from orchestration.resources import WRITER_POOL
from orchestration.runs.guard import GuardedRun, RunInterrupted
from orchestration.runs.recovery import HOST_TAG, PID_TAG, process_alive, recover_dead_runs

POOL = WRITER_POOL


@pytest.fixture
def instance():
    with dg.instance_for_test(overrides={"concurrency": {"pools": {"default_limit": 1}}}) as inst:
        yield inst


@pytest.fixture
def dead_pid():
    proc = subprocess.Popen(["true"])
    proc.wait()
    return proc.pid


@pytest.fixture
def live_process():
    proc = subprocess.Popen(["sleep", "120"])
    yield proc
    proc.kill()
    proc.wait()


def add_run(instance, pid, status=dg.DagsterRunStatus.STARTED, host=None, tags=True):
    run = DagsterRun(job_name="some_job", run_id=make_new_run_id(), status=status,
                     tags={PID_TAG: str(pid), HOST_TAG: host or socket.gethostname()} if tags else {})
    instance.add_run(run)
    return run.run_id


def claim(instance, run_id, step_key, pool=POOL):
    """What Dagster does when a step of the run starts: take a slot of the pool (limit 1)."""
    instance.event_log_storage.initialize_concurrency_limit_to_default(pool)
    status = instance.event_log_storage.claim_concurrency_slot(pool, run_id, step_key)
    assert status.is_claimed


def holders(instance, pool=POOL):
    return [s.run_id for s in instance.event_log_storage.get_concurrency_info(pool).claimed_slots]


def test_process_alive(dead_pid, live_process):
    assert process_alive(os.getpid())
    assert process_alive(live_process.pid)
    assert not process_alive(dead_pid)
    # A pid recycled by a process that started after the run began is not the run's process.
    assert not process_alive(live_process.pid, not_started_after=time.time() - 3600)


def test_dead_run_is_failed_with_its_reason_and_frees_its_slot(instance, dead_pid, live_process):
    dead = add_run(instance, dead_pid)
    live = add_run(instance, live_process.pid)
    claim(instance, dead, "raw__loans")
    claim(instance, live, "raw__users", pool="other")

    assert holders(instance) == [dead]
    recovered = recover_dead_runs(instance, log=lambda _: None)

    assert [r.run_id for r in recovered] == [dead]
    assert instance.get_run_by_id(dead).status == dg.DagsterRunStatus.FAILURE
    (failure,) = instance.get_records_for_run(dead, of_type=dg.DagsterEventType.RUN_FAILURE).records
    assert f"pid {dead_pid}" in failure.event_log_entry.dagster_event.message
    assert holders(instance) == []
    assert instance.get_run_by_id(live).status == dg.DagsterRunStatus.STARTED
    assert holders(instance, "other") == [live]


def test_runs_of_other_hosts_and_launcher_runs_not_started_are_left_alone(instance, dead_pid):
    elsewhere = add_run(instance, dead_pid, host="another-machine")
    queued = add_run(instance, dead_pid, status=dg.DagsterRunStatus.NOT_STARTED, tags=False)
    in_process = add_run(instance, dead_pid, status=dg.DagsterRunStatus.NOT_STARTED)
    recovered = {r.run_id for r in recover_dead_runs(instance, log=lambda _: None)}
    assert recovered == {in_process}
    assert instance.get_run_by_id(elsewhere).status == dg.DagsterRunStatus.STARTED
    assert instance.get_run_by_id(queued).status == dg.DagsterRunStatus.NOT_STARTED


def test_slot_of_a_finished_run_is_freed(instance, live_process):
    finished = add_run(instance, live_process.pid, status=dg.DagsterRunStatus.SUCCESS)
    claim(instance, finished, "raw__loans")
    recover_dead_runs(instance, log=lambda _: None)
    assert holders(instance) == []


def job_with(fn):
    asset = dg.asset(name="writer_step", pool=POOL)(fn)
    return dg.Definitions(assets=[asset], jobs=[dg.define_asset_job("j")]).resolve_job_def("j")


def test_waiting_for_a_live_holder_names_it_and_gives_up(instance, live_process):
    holder = add_run(instance, live_process.pid)
    claim(instance, holder, "raw__loans")
    messages = []
    guard = GuardedRun(instance, job_with(lambda: None), timeout=1.5, out=messages.append)

    with pytest.raises(RunInterrupted, match=f"gave up after waiting .* held by run {holder}") as err:
        guard.execute(raise_on_error=False)

    assert not err.value.canceled
    assert any(m.startswith(f"Waiting for the {WRITER_POOL} pool") and f"run {holder} (some_job, "
               "step raw__loans) since" in m for m in messages), messages
    (ours,) = [r for r in instance.get_runs() if r.run_id != holder]
    assert ours.status == dg.DagsterRunStatus.FAILURE
    assert holders(instance) == [holder]  # the live holder keeps its slot
    info = instance.event_log_storage.get_concurrency_info(POOL)
    assert [p.run_id for p in info.pending_steps if p.run_id == ours.run_id] == []


def test_sigterm_cancels_the_run_and_frees_its_slot(instance):
    started = threading.Event()
    ticks = []

    def slow():
        started.set()
        for _ in range(600):
            ticks.append(None)
            time.sleep(0.05)

    def terminate():
        started.wait(30)
        os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=terminate, daemon=True).start()
    guard = GuardedRun(instance, job_with(slow), out=lambda _: None)
    with pytest.raises(RunInterrupted, match="received SIGTERM") as err:
        guard.execute(raise_on_error=False)
    assert err.value.canceled
    assert 0 < len(ticks) < 600  # interrupted inside the step, not after it ran to its end
    (run,) = instance.get_runs()
    assert run.status == dg.DagsterRunStatus.CANCELED
    assert holders(instance) == []
    assert signal.getsignal(signal.SIGTERM) is not None  # handlers restored


def test_sensor_of_make_ui_recovers_dead_runs(instance, dead_pid):
    from orchestration.sensors import recover_dead_runs_sensor

    dead = add_run(instance, dead_pid)
    claim(instance, dead, "raw__loans")
    result = recover_dead_runs_sensor(dg.build_sensor_context(instance=instance))
    assert dead in result.skip_message
    assert instance.get_run_by_id(dead).status == dg.DagsterRunStatus.FAILURE
    assert holders(instance) == []
    assert recover_dead_runs_sensor.default_status == dg.DefaultSensorStatus.RUNNING


def test_a_step_that_swallows_the_interrupt_is_abandoned_and_its_run_closed(instance, monkeypatch):
    import orchestration.runs.guard as run_guard

    monkeypatch.setattr(run_guard, "STOP_GRACE_SECONDS", 3.0)
    monkeypatch.setattr(run_guard, "REINTERRUPT_SECONDS", 1.0)
    started = threading.Event()

    def stubborn():
        started.set()
        for _ in range(400):
            with contextlib.suppress(BaseException):  # the behaviour under test
                time.sleep(0.05)

    def terminate():
        started.wait(30)
        os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=terminate, daemon=True).start()
    with pytest.raises(RunInterrupted) as err:
        GuardedRun(instance, job_with(stubborn), out=lambda _: None).execute(raise_on_error=False)
    assert err.value.canceled and err.value.abandoned
    (run,) = instance.get_runs()
    assert run.status == dg.DagsterRunStatus.CANCELED
    assert holders(instance) == []
