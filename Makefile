# Lending data platform. `make run` = install + demo data + whole pipeline; `make test` = install + tests.
SHELL := /bin/bash
# Python 3.11 (pinned wheels are tested there); falls back to python3 where 3.11 is the default.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(CURDIR)/$(VENV)/bin
export PATH := $(BIN):$(PATH)
export LENDING_DATA_DIR ?= $(CURDIR)/data
export DAGSTER_HOME ?= $(LENDING_DATA_DIR)/dagster_home
LANDING := $(or $(LENDING_LANDING_DIR),$(LENDING_DATA_DIR)/landing)
SEED ?= 42
# Test runs keep their throw-away Dagster instances and warehouses in RAM when /dev/shm has room
# (>= 6 GB free): Dagster's SQLite event log syncs every event to disk (~16 ms each on a VM disk,
# thousands per run), which was most of a test pipeline's wall time. Set TEST_TMPDIR to override.
TEST_TMPDIR ?= $(shell free=$$(df -Pk /dev/shm 2>/dev/null | awk 'NR==2 {print $$4}'); \
	if [ "$${free:-0}" -gt 6000000 ]; then mkdir -p /dev/shm/lending-tests && echo /dev/shm/lending-tests; \
	else echo $${TMPDIR:-/tmp}; fi)
PYTEST := mkdir -p $(TEST_TMPDIR) && TMPDIR=$(TEST_TMPDIR) $(BIN)/python -m pytest
# Every suite lists its slowest tests at the end, so each CI log shows where the time goes.
DURATIONS := --durations=15
# pytest-xdist workers, one per core (2 on the reference machine): a test pipeline is mostly one
# busy process at a time (Dagster, then dbt), so two of them side by side use both cores. `make
# test` keeps a module's tests, and every user of the shared integration warehouse, on one worker
# (tests/conftest.py); the reliability suite gives each worker its own platform.
WORKERS ?= 2

.PHONY: install run demo-data ui test test-fast test-reliability test-spark lint contract bench clean reprocess \
	mlflow-ui docs

# The pinned lock is installed with uv (about 20 s with its cache; pip took a minute or more),
# pinned here; pip is the fallback where uv cannot install (uv reads no pip configuration: point
# UV_INDEX_URL or UV_FIND_LINKS at a mirror). Bytecode is compiled at install, as pip does: where
# PYTHONDONTWRITEBYTECODE is set no process would keep what it compiled, and every dbt, Dagster and
# test process would compile its imports again (~5 s each, measured). $(call lock_install,EXTRAS)
UV_VERSION := 0.9.17
COMMA := ,
lock_install = { $(BIN)/python -m pip install --quiet uv==$(UV_VERSION) \
	&& $(BIN)/uv pip install --quiet --compile-bytecode --python $(BIN)/python \
		-c requirements.lock -e '.[$(1)]'; } \
	|| { echo "uv could not install: falling back to pip" \
	&& $(BIN)/python -m pip install --quiet --upgrade pip==25.3 \
	&& $(BIN)/python -m pip install --quiet -c requirements.lock -e '.[$(1)]'; }

# The venv is (re)built when the pinned requirements change.
$(VENV)/.installed: pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(call lock_install,dev)
	touch $@

install: $(VENV)/.installed  ## create .venv and install the pinned dependencies

demo-data: install  ## generate the simulated exports if the landing zone is empty
	@if [ -z "$$(ls -A $(LANDING) 2>/dev/null)" ]; then \
		echo "Landing zone $(LANDING) is empty: generating demo exports (seed $(SEED))"; \
		$(BIN)/python -m simulator --out $(LANDING) --seed $(SEED); \
	fi

# Nothing new since the last clean build: the build is skipped (lending/build_stamp.py); REBUILD=1
# builds anyway.
run: demo-data  ## materialize every asset through Dagster and print a summary
	$(BIN)/python -m orchestration.cli run $(if $(REBUILD),--rebuild)

reprocess: install  ## load export days FROM..TO again (e.g. after editing reference/) and rebuild
	$(BIN)/python -m orchestration.cli reprocess --from "$(FROM)" --to "$(or $(TO),$(FROM))"

ui: install  ## Dagster UI on http://127.0.0.1:3000 over the instance `make run` used
	@$(BIN)/python -c 'import sys; from pathlib import Path; from orchestration.cli import ensure_dagster_home; ensure_dagster_home(Path(sys.argv[1]))' $(DAGSTER_HOME)
	$(BIN)/dagster dev -w workspace.yaml -h 127.0.0.1 -p 3000

# The full mlflow package (UI server) pins pyarrow<26, which conflicts with the pinned stack: it
# gets its own venv; the pipeline itself only needs mlflow-skinny.
mlflow-ui:  ## MLflow UI on http://127.0.0.1:5000 over the registry `make run` trained into
	test -x .venv-mlflow/bin/mlflow || ($(PYTHON) -m venv .venv-mlflow && .venv-mlflow/bin/pip install --quiet mlflow==3.17.2)
	.venv-mlflow/bin/mlflow ui --backend-store-uri sqlite:///$(LENDING_DATA_DIR)/mlflow/mlflow.db -h 127.0.0.1 -p 5000

docs: install  ## dbt docs generate against the built warehouse, served on http://127.0.0.1:8080
	$(BIN)/python -m tools.dbt_docs --serve --port $(or $(DOCS_PORT),8080)

test: install  ## unit + integration tests
	$(PYTEST) -q $(DURATIONS) -n $(WORKERS) --dist loadgroup

# The quick check after each change: the unit tests only (no full pipeline build). `make test` adds
# the end-to-end integration build; CI runs both plus the slow suites.
test-fast: install  ## unit tests only: the developer's check after each change
	$(PYTEST) -q $(DURATIONS) -n $(WORKERS) --dist loadgroup tests/unit

test-reliability: install  ## crash recovery, exact reruns, readers under load, personal data (slow)
	$(PYTEST) -q $(DURATIONS) -n $(WORKERS) --dist load -m reliability tests/reliability

# The optional `spark` group (dbt-spark, pyspark) goes into the same venv, on demand.
$(VENV)/.installed-spark: $(VENV)/.installed
	$(call lock_install,dev$(COMMA)spark)
	touch $@

test-spark: $(VENV)/.installed-spark  ## dbt build on a local Spark session, compared with DuckDB (needs Java 17)
	@command -v java >/dev/null || { echo "make test-spark needs Java 17 on PATH"; exit 1; }
	$(PYTEST) -q $(DURATIONS) -m spark tests/spark

lint: install  ## ruff, and generated files up to date
	$(BIN)/ruff check .
	$(BIN)/python -m tools.contract_codegen --check

contract: install  ## regenerate dbt sources and docs from the landing contract
	$(BIN)/python -m tools.contract_codegen

bench: install  ## the whole platform at SCALE=S|M|L (default S): data/bench/<scale>.json, docs/benchmarks.md
	$(BIN)/python -m tools.bench.bench --scale $(or $(SCALE),S) $(BENCH_ARGS)

clean:  ## remove runtime data (keeps the venv)
	find data -mindepth 1 ! -name README.md -exec rm -rf {} +
	rm -rf dbt_project/target dbt_project/logs
