"""`make bench SCALE=S|M|L`: the whole platform at one dataset size, with ratios measured in one run.

1. the simulator writes the scale's landing zone into a scratch folder (time, peak memory);
   the two newest export days are held back for step 4;
2. the **full build** runs exactly as `make run` does (`python -m orchestration.cli run`, its own
   data dir and Dagster instance): wall time, peak RSS of the whole process tree, and each
   asset's time from the runs' event logs, summed by asset family (tools/bench/run_events.py);
3. the **engine floor** does the same work in one DuckDB connection (tools/bench/floor.py);
   overhead ratio = full build / (floor + the Python steps' measured time), also for loading and
   transformation alone;
4. the first held-back day is delivered and the **incremental update** runs what the daily
   schedule and one automation tick would (tools/bench/daily.py): incremental / full; then the
   second, with rows dated 30 and 90 days back beside it (tools/bench/late_rows.py): the
   **late-rows day**;
5. credit and churn **training** on the built feature marts, and **scoring** throughput;
6. writes data/bench/<scale>.json and refreshes the generated block of docs/benchmarks.md.

Timings are never asserted (tests/unit/test_benchmark.py checks the arithmetic, not speed). Run
it on a quiet machine: the ratios are robust to a slow machine, not to a busy one.

    python -m tools.bench.bench --scale M [--work DIR] [--keep] [--reuse-landing]
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from importlib import metadata
from pathlib import Path

from lending.contract import load_contract
from lending.dbt import run_dbt
from lending.settings import REPO_ROOT, Settings
from lending.warehouse import Warehouse
from orchestration.policy import INGESTION_JOB
from tools.bench.floor import run_floor
from tools.bench.late_rows import add_late_rows, remove_late_rows
from tools.bench.memory import PeakTreeMemory
from tools.bench.report import refresh_doc, write_result
from tools.bench.run_events import RunTimes, by_family, read_runs, slowest
from tools.bench.scales import SCALES, verdicts

DOC = REPO_ROOT / "docs" / "benchmarks.md"
OUT = REPO_ROOT / "data" / "bench"
VERSIONS = ("duckdb", "dagster", "dbt-core", "dbt-duckdb", "scikit-learn", "pandas")


PEAK_PROCESSES: dict[str, dict[str, float]] = {}  # log name -> biggest processes at the peak


def timed(cmd: list[str], env: dict[str, str], log: Path) -> tuple[float, float, int]:
    """Run ``cmd``; (wall seconds, peak RSS of its process tree in MB, exit code)."""
    start = time.perf_counter()
    with log.open("w") as out:
        proc = subprocess.Popen(cmd, env=env, stdout=out, stderr=subprocess.STDOUT, cwd=REPO_ROOT)
        with PeakTreeMemory(proc.pid) as peak:
            code = proc.wait()
    PEAK_PROCESSES[log.stem] = peak.peak_processes
    return time.perf_counter() - start, peak.peak_mb, code


def check(code: int, what: str, log: Path) -> None:
    if code != 0:
        tail = "\n".join(log.read_text().splitlines()[-30:])
        raise SystemExit(f"{what} failed (exit {code}); log {log}:\n{tail}")


def platform_env(work: Path) -> dict[str, str]:
    """Environment of a `make run` whose every path is under ``work``."""
    env = {k: v for k, v in os.environ.items()
           if not (k.startswith("LENDING_") or k == "DAGSTER_HOME")}
    data = work / "data"
    env.update(LENDING_DATA_DIR=str(data), LENDING_LANDING_DIR=str(work / "landing"),
               DAGSTER_HOME=str(data / "dagster_home"), LENDING_AUTOMATION="off",
               PYTHONUNBUFFERED="1")
    return env


def newest_day(landing: Path) -> str:
    return max(p.name.removeprefix("dt=") for p in landing.glob("*/dt=*"))


def move_day(src_root: Path, dst_root: Path, day: str) -> None:
    """Move every source's dt=<day> folder from one landing root to another."""
    for folder in sorted(src_root.glob(f"*/dt={day}")):
        target = dst_root / folder.parent.name / folder.name
        target.parent.mkdir(parents=True, exist_ok=True)
        folder.rename(target)


def simulate(scale, landing: Path, logs: Path, reuse: bool) -> dict:
    stats = landing / "_simulation.json"
    if reuse and stats.exists():
        config = json.loads(stats.read_text())["config"]
        if config["scale"] == scale.users_per_month and config["months"] == scale.months:
            print(f"reusing the landing zone in {landing} (simulator figures not re-measured; the "
                  "full build reads its files from disk, not the page cache)")
            return {}
    shutil.rmtree(landing, ignore_errors=True)
    seconds, peak, code = timed(
        [sys.executable, "-m", "simulator", "--out", str(landing), "--scale",
         str(scale.users_per_month), "--months", str(scale.months), "--no-progress"],
        os.environ.copy(), logs / "simulator.log")
    check(code, "simulator", logs / "simulator.log")
    return {"simulator_s": round(seconds, 1), "simulator_peak_mb": round(peak)}


def asset_index(env: dict[str, str]) -> tuple[dict[str, str], set[str]]:
    """Asset (and check target) -> family (group); the set of dbt assets."""
    from orchestration.definitions import build_definitions

    graph = build_definitions(Settings.from_env(env)).resolve_asset_graph()
    family, dbt = {}, set()
    for node in graph.asset_nodes:
        key = node.key.to_user_string()
        family[key] = node.group_name or "default"
        if "dbt" in (node.kinds or ()):
            dbt.add(key)
    return family, dbt


def run_ids(instance, job: str | None = None) -> list[str]:
    records = instance.get_run_records(order_by="create_timestamp", ascending=True)
    return [r.dagster_run.run_id for r in records if job is None or r.dagster_run.job_name == job]


def split_build(runs: dict[str, RunTimes], dbt: set[str]) -> dict[str, float]:
    """Loading (ingestion runs), dbt steps and Python steps of the other runs, in seconds."""
    load = sum(r.wall_s for job, r in runs.items() if job == INGESTION_JOB)
    transform = python = 0.0
    for job, r in runs.items():
        if job == INGESTION_JOB:
            continue
        for step, assets in r.assets_by_step.items():
            if assets & dbt:
                transform += r.step_seconds(step)
            else:
                python += r.step_seconds(step)
    return {"load_s": round(load, 1), "transform_s": round(transform, 1),
            "python_steps_s": round(python, 1)}


def dbt_compile(settings: Settings, target: Path, log: Path) -> Path:
    """The SQL dbt runs for each node of a full build, against the settings' warehouse (compiled
    code in the manifest). ``--full-refresh``: compiled against a built warehouse, an incremental
    model's SQL would otherwise select only its (empty) window, not the full build's rows."""
    with log.open("w") as out:
        code = run_dbt(["compile", "--quiet", "--full-refresh"], settings, target, stdout=out,
                       stderr=subprocess.STDOUT).returncode
    check(code, "dbt compile", log)
    return target / "manifest.json"


def daily_update(day: str, name: str, env: dict[str, str], settings: Settings,
                 family: dict[str, str], full_s: float, logs: Path) -> dict:
    """Run the update of one delivered day (tools/bench/daily.py); its figures, keyed
    ``<name>_...``: wall time, peak memory, share of the full build, seconds by family."""
    import dagster as dg

    with dg.DagsterInstance.from_config(str(settings.dagster_home)) as instance:
        before = set(run_ids(instance))
    seconds, peak, code = timed([sys.executable, "-m", "tools.bench.daily", "--day", day], env,
                                logs / f"{name}.log")
    check(code, f"{name} day", logs / f"{name}.log")
    with dg.DagsterInstance.from_config(str(settings.dagster_home)) as instance:
        times = read_runs(instance, [i for i in run_ids(instance) if i not in before])
    print(f"{name} day {day}: {seconds:.1f} s ({seconds / full_s:.1%} of the full build)",
          flush=True)
    return {f"{name}_seconds_by_family": by_family(times, family, process_wall_s=seconds),
            f"{name}_slowest_assets": slowest(times), f"{name}_day": day,
            f"{name}_s": round(seconds, 1), f"{name}_peak_rss_mb": round(peak),
            f"{name}_ratio": round(seconds / full_s, 3)}


def ml_figures(warehouse: Warehouse) -> dict:
    """Train both models on the built feature marts and score with them (what the ML assets do
    before MLflow logging), timing each."""
    from ml import config, scoring
    from ml.data import read_table
    from ml.pipeline import CHURN_FEATURES_TABLE, CREDIT_FEATURES_TABLE
    from ml.training import train_churn, train_credit

    models = (  # (figure prefix, feature mart, train, scorer, trained model -> fitted estimator)
        ("credit", CREDIT_FEATURES_TABLE, train_credit, scoring.credit_scores, lambda t: t[0].model),
        ("churn", CHURN_FEATURES_TABLE, train_churn, scoring.churn_scores, lambda t: t.model),
    )
    out = {}
    for name, table, train, scorer, fitted in models:
        features = read_table(warehouse, table)
        start = time.perf_counter()
        trained = train(features, seed=config.SEED)
        out[f"{name}_train_s"] = round(time.perf_counter() - start, 1)
        out[f"{name}_train_rows"] = len(features)
        start = time.perf_counter()
        scored = scorer(fitted(trained), features, "bench")
        out[f"{name}_scoring_rows_per_s"] = round(len(scored) / (time.perf_counter() - start))
    out["scoring_rows_per_s"] = out.pop("credit_scoring_rows_per_s")  # the headline key
    return out


def machine() -> dict:
    """The machine, with its processor: two runs on "2 cores" of other processors differ by up to
    2x in seconds (2026-12-06: the same S build took 111 s on one machine, 212 s on another)."""
    memory_kb = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
                     if line.startswith("MemTotal"))
    cpu = next((line.split(":", 1)[1].strip() for line in
                Path("/proc/cpuinfo").read_text().splitlines() if line.startswith("model name")),
               platform.processor() or "?")
    return {"cores": os.cpu_count(), "memory_gb": round(memory_kb / 1024**2, 1), "cpu": cpu,
            "python": platform.python_version(), "system": platform.platform(terse=True)}


def warehouse_counts(warehouse: Warehouse) -> dict:
    with warehouse.connect(read_only=True) as con:
        rows = dict(con.execute(
            "select source, sum(rows_read)::bigint from raw.load_log group by 1 order by 1"
        ).fetchall())
        apps = con.execute("select count(distinct application_id) from raw.applications").fetchone()[0]
    return {"rows_by_source": rows, "landing_rows": sum(rows.values()), "applications": apps}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", choices=sorted(SCALES), default="S")
    parser.add_argument("--work", type=Path, help="scratch folder (default data/bench/work-<scale>)")
    parser.add_argument("--keep", action="store_true", help="keep the scratch folder")
    parser.add_argument("--reuse-landing", action="store_true",
                        help="reuse the scratch landing zone of an earlier run of the same scale")
    parser.add_argument("--no-doc", action="store_true", help="write the JSON only")
    args = parser.parse_args(argv)
    scale = SCALES[args.scale]
    work = (args.work or OUT / f"work-{scale.name}").resolve()
    landing, held, logs = work / "landing", work / "held-back", work / "logs"
    if held.exists():  # an interrupted earlier run: put its held-back days back first
        for day in {p.name.removeprefix("dt=") for p in held.glob("*/dt=*")}:
            move_day(held, landing, day)
    remove_late_rows(landing)
    shutil.rmtree(work / "data", ignore_errors=True)
    shutil.rmtree(work / "floor", ignore_errors=True)
    logs.mkdir(parents=True, exist_ok=True)
    result: dict = {"scale": scale.name, "users_per_month": scale.users_per_month,
                    "months": scale.months, "machine": machine(),
                    "versions": {p: metadata.version(p) for p in VERSIONS}}
    print(f"scale {scale.name}: {scale.about}; scratch {work}", flush=True)

    result |= simulate(scale, landing, logs, args.reuse_landing)
    print(f"simulator {result.get('simulator_s', '-')} s", flush=True)
    late_day = newest_day(landing)
    move_day(landing, held, late_day)
    day = newest_day(landing)
    move_day(landing, held, day)

    env = platform_env(work)
    seconds, peak, code = timed([sys.executable, "-m", "orchestration.cli", "run"], env,
                                logs / "full_build.log")
    check(code, "full build", logs / "full_build.log")
    result |= {"full_build_s": round(seconds, 1), "peak_rss_mb": round(peak)}
    print(f"full build {seconds:.1f} s, peak {peak:,.0f} MB", flush=True)

    import dagster as dg

    settings = Settings.from_env(env)
    family, dbt = asset_index(env)
    with dg.DagsterInstance.from_config(str(settings.dagster_home)) as instance:
        full_ids = run_ids(instance)
        jobs = [instance.get_run_by_id(i).job_name for i in full_ids]
        times = read_runs(instance, full_ids)
    runs = dict(zip(jobs, times, strict=True))
    result["seconds_by_family"] = by_family(times, family, process_wall_s=seconds)
    result["slowest_assets"] = slowest(times)
    result |= split_build(runs, dbt)
    result |= warehouse_counts(settings.warehouse())

    floor_db = work / "floor" / settings.warehouse_path.name
    floor_db.parent.mkdir(parents=True)
    shutil.copyfile(settings.warehouse_path, floor_db)
    manifest = dbt_compile(dataclasses.replace(settings, warehouse_path=floor_db),
                           work / "floor" / "target", logs / "dbt_compile.log")
    floor = run_floor(floor_db, landing, list(load_contract().sources.values()), manifest)
    shutil.rmtree(work / "floor")
    floor_s = floor.load_s + floor.transform_s + result["python_steps_s"]
    result |= {
        "floor_load_s": round(floor.load_s, 1), "floor_transform_s": round(floor.transform_s, 1),
        "floor_s": round(floor_s, 1), "floor_nodes": floor.nodes,
        "floor_rows_by_source": floor.rows_by_source,
        "overhead_ratio": round(seconds / floor_s, 2),
        "load_overhead_ratio": round(result["load_s"] / floor.load_s, 2),
        "transform_overhead_ratio": round(result["transform_s"] / floor.transform_s, 2),
    }
    print(f"floor: load {floor.load_s:.1f} s, SQL {floor.transform_s:.1f} s; overhead ratio "
          f"{result['overhead_ratio']}", flush=True)

    move_day(held, landing, day)
    result |= daily_update(day, "incremental", env, settings, family, seconds, logs)
    move_day(held, landing, late_day)
    result["late_rows_added"] = add_late_rows(landing, dt.date.fromisoformat(late_day))
    result |= daily_update(late_day, "late_rows", env, settings, family, seconds, logs)
    remove_late_rows(landing)

    result |= ml_figures(settings.warehouse())
    result["peak_processes"] = PEAK_PROCESSES
    result["commit"] = subprocess.run(["git", "describe", "--always", "--dirty"], cwd=REPO_ROOT,
                                      capture_output=True, text=True).stdout.strip() or "?"
    result["finished_at"] = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    result["verdicts"] = verdicts(result)
    print(json.dumps(result, indent=2, sort_keys=True))
    print(f"wrote {write_result(result, OUT)}")
    if not args.no_doc:
        refresh_doc(DOC, result)
        print(f"refreshed {DOC}")
    if not args.keep:
        shutil.rmtree(work / "data", ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
