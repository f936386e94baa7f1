"""With LENDING_ENV=production the pipeline refuses the public default PII key (runs in `make test`)."""

import subprocess
import sys

import pytest

from lending.settings import DEV_PII_KEY, REPO_ROOT, Settings, UnsafeConfigurationError


@pytest.mark.parametrize("env", [
    {"LENDING_ENV": "production"},
    {"LENDING_ENV": "Production", "LENDING_PII_KEY": DEV_PII_KEY},
    {"LENDING_ENV": "production", "LENDING_PII_KEY": "  "},
])
def test_production_refuses_the_public_dev_key(env):
    with pytest.raises(UnsafeConfigurationError, match="LENDING_PII_KEY"):
        Settings.from_env(env)


def test_production_accepts_a_secret_and_development_the_dev_key():
    assert Settings.from_env({"LENDING_ENV": "production", "LENDING_PII_KEY": "x" * 32}).pii_key
    assert Settings.from_env({}).pii_key == DEV_PII_KEY


def test_make_run_refuses_to_start(tmp_path):
    env = {"PATH": "/usr/bin:/bin", "LENDING_ENV": "production",
           "LENDING_DATA_DIR": str(tmp_path), "DAGSTER_HOME": str(tmp_path / "home")}
    done = subprocess.run([sys.executable, "-m", "orchestration.cli", "run"], cwd=REPO_ROOT,
                          env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode != 0
    assert "LENDING_ENV=production" in done.stderr
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "warehouse").exists()  # refused before touching anything
