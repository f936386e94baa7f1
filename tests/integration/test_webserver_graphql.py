"""Through the UI's own API: start dagster-webserver over a temp instance, list the assets over
GraphQL, launch a small run (the reference tables and one raw source for one export day), wait
for success and read the materialization back, the way a data engineer would in the UI.

No warehouse build: a few simulated days, and two assets. The temp instance uses the default run
coordinator (launches at once; the queued coordinator would need a daemon).
"""

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
import yaml

from lending.dbt import ensure_manifest
from lending.settings import REPO_ROOT, Settings

pytestmark = pytest.mark.integration

DAY = "2025-01-08"
SOURCE = "users"
STARTUP_SECONDS = 120
RUN_SECONDS = 150

ASSETS = """{ assetNodes { assetKey { path } groupName description kinds owners {
  ... on TeamAssetOwner { team } ... on UserAssetOwner { email } } } }"""
REPOSITORIES = """{ repositoriesOrError { ... on RepositoryConnection { nodes { name
  location { name } } } } }"""
LAUNCH = """mutation Launch($params: ExecutionParams!) { launchRun(executionParams: $params) {
  __typename ... on LaunchRunSuccess { run { runId } } ... on PythonError { message }
  ... on RunConfigValidationInvalid { errors { message } } ... on InvalidSubsetError { message }
} }"""
RUN = """query Run($id: ID!) { runOrError(runId: $id) { ... on Run { status } } }"""
MATERIALIZATION = """query Mat($key: AssetKeyInput!) { assetOrError(assetKey: $key) {
  ... on Asset { assetMaterializations(limit: 1) { runId partition metadataEntries { label
    ... on IntMetadataEntry { intValue }
    ... on TableSchemaMetadataEntry { schema { columns { name } } } } } } } }"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def graphql(port: int, query: str, variables: dict | None = None) -> dict:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/graphql",
        data=json.dumps({"query": query, "variables": variables or {}}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        body = json.loads(response.read())
    assert "errors" not in body, body["errors"]
    return body["data"]


@pytest.fixture(scope="module")
def webserver(tmp_path_factory):
    root = tmp_path_factory.mktemp("webserver")
    home = root / "dagster_home"
    home.mkdir()
    config = yaml.safe_load((REPO_ROOT / "orchestration" / "dagster.yaml").read_text())
    config["run_coordinator"] = {"module": "dagster.core.run_coordinator",
                                 "class": "DefaultRunCoordinator"}
    (home / "dagster.yaml").write_text(yaml.safe_dump(config))
    env = {**os.environ, "LENDING_DATA_DIR": str(root), "DAGSTER_HOME": str(home),
           "LENDING_AUTOMATION": "off", "PYTHONUNBUFFERED": "1"}
    for name in ("LENDING_LANDING_DIR", "LENDING_WAREHOUSE_PATH", "LENDING_SERVING_DIR"):
        env.pop(name, None)
    subprocess.run([sys.executable, "-m", "simulator", "--out", str(root / "landing"),
                    "--seed", "5", "--start", "2025-01-01", "--months", "1", "--scale", "100",
                    "--no-progress"], check=True, env=env, cwd=REPO_ROOT,
                   stdout=subprocess.DEVNULL)
    for day_dir in (root / "landing").glob("*/dt=*"):  # a few days are enough
        if day_dir.name > f"dt={DAY}":
            shutil.rmtree(day_dir)
    # the webserver process loads the dbt assets from the manifest
    ensure_manifest(Settings.from_env(env))
    port = free_port()
    log = (root / "webserver.log").open("w")
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "dagster-webserver"), "-m", "orchestration.definitions",
         "-h", "127.0.0.1", "-p", str(port)],
        env=env, cwd=REPO_ROOT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )
    try:
        deadline = time.monotonic() + STARTUP_SECONDS
        while True:
            assert server.poll() is None, (root / "webserver.log").read_text()[-3000:]
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/server_info", timeout=5)
                data = graphql(port, REPOSITORIES)["repositoriesOrError"]
                if data.get("nodes"):
                    break
            except OSError:
                pass
            assert time.monotonic() < deadline, "webserver did not start in time"
            time.sleep(1)
        yield {"port": port, "root": root, "repository": data["nodes"][0]}
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
        log.close()


def test_the_ui_lists_every_asset_with_group_kinds_owner_and_description(webserver):
    nodes = graphql(webserver["port"], ASSETS)["assetNodes"]
    by_key = {"/".join(n["assetKey"]["path"]): n for n in nodes}
    assert {f"raw/{SOURCE}", "marts/mart_portfolio_monthly", "serving/warehouse_snapshot"} <= set(by_key)
    for node in nodes:
        assert node["groupName"] and node["kinds"] and node["owners"] and node["description"], node
    assert by_key["marts/mart_portfolio_monthly"]["groupName"] == "risk"


def test_a_run_launched_through_graphql_materializes_its_selection(webserver):
    port, repository = webserver["port"], webserver["repository"]
    nodes = graphql(port, ASSETS)["assetNodes"]
    reference = [n["assetKey"] for n in nodes if n["assetKey"]["path"][0] == "reference"]
    params = {
        "selector": {"repositoryLocationName": repository["location"]["name"],
                     "repositoryName": repository["name"], "jobName": "__ASSET_JOB",
                     "assetSelection": [*reference, {"path": ["raw", SOURCE]}]},
        "runConfigData": {"execution": {"config": {"in_process": {}}}},
        "executionMetadata": {"tags": [{"key": "dagster/partition", "value": DAY}]},
    }
    launched = graphql(port, LAUNCH, {"params": params})["launchRun"]
    assert launched["__typename"] == "LaunchRunSuccess", launched
    run_id = launched["run"]["runId"]

    deadline = time.monotonic() + RUN_SECONDS
    status = None
    while time.monotonic() < deadline:
        status = graphql(port, RUN, {"id": run_id})["runOrError"]["status"]
        if status in ("SUCCESS", "FAILURE", "CANCELED"):
            break
        time.sleep(2)
    assert status == "SUCCESS", (webserver["root"] / "webserver.log").read_text()[-3000:]

    mat = graphql(port, MATERIALIZATION, {"key": {"path": ["raw", SOURCE]}})
    (event,) = mat["assetOrError"]["assetMaterializations"]
    assert (event["runId"], event["partition"]) == (run_id, DAY)
    entries = {e["label"]: e for e in event["metadataEntries"]}
    landing_rows = sum(
        len(p.read_text(encoding="utf-8").splitlines()) - 1
        for p in (webserver["root"] / "landing" / SOURCE / f"dt={DAY}").glob("*.csv")
    )
    assert entries["rows_read"]["intValue"] == landing_rows > 0
    columns = {c["name"] for c in entries["dagster/column_schema"]["schema"]["columns"]}
    assert {"user_id", "_partition_date"} <= columns
    channels = graphql(port, MATERIALIZATION, {"key": {"path": ["reference", "channels"]}})
    assert channels["assetOrError"]["assetMaterializations"][0]["runId"] == run_id
