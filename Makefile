# Two entry points: `make run` and `make test`. Both set themselves up from nothing but
# python3, git and make: uv is installed into .tools/ if it is not on PATH, then
# `uv sync --frozen` builds .venv from the committed uv.lock, compiled to bytecode: a fresh `recon`
# process then loads its modules instead of compiling them (most of `recon explain`'s time otherwise,
# and every process's when PYTHONDONTWRITEBYTECODE is set).
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := $(CURDIR)/.venv
UV := $(shell command -v uv 2>/dev/null || echo $(CURDIR)/.tools/bin/uv)
VENV := $(CURDIR)/.venv
BIN := $(VENV)/bin

DATE ?= $(shell date -u +%Y-%m-%d)
WORLD ?= $(CURDIR)/var/demo
TENANTS ?= 400
SEED ?= 7

.PHONY: help setup setup-spark setup-test run test test-fast test-spark lint typecheck pytest bench clean

help:
	@echo "make run    generate a demo world for today under var/ and run the nightly DAG once through Airflow"
	@echo "make test       ruff, mypy --strict on pipeline/ and demo_world/, every test (what CI runs)"
	@echo "make test-fast  ruff, mypy and the tests that need no server, browser, Airflow or Spark"
	@echo "make test-spark the Spark engine's tests (pyspark from the optional extra, a local JVM)"
	@echo "make bench  the benchmarks (prints their figures)"

$(CURDIR)/.tools/bin/uv:
	$(PYTHON) -m venv $(CURDIR)/.tools
	$(CURDIR)/.tools/bin/pip install --quiet --disable-pip-version-check uv

$(BIN)/python: uv.lock pyproject.toml | $(UV)
	$(UV) sync --frozen --compile-bytecode --python $(PYTHON)
	@touch $@

setup: $(BIN)/python

# Azurite (the Azure Storage emulator) for the tests, pinned by tests/azurite/package-lock.json.
AZURITE := $(CURDIR)/tests/azurite/node_modules/.bin/azurite-blob
$(AZURITE): tests/azurite/package.json tests/azurite/package-lock.json
	npm ci --prefix $(CURDIR)/tests/azurite --no-audit --no-fund --loglevel=error
	@touch $@

# pyspark (the optional `spark` extra) for the Spark engine and its tests. `uv sync` removes what the lock's
# default install lacks, so this checks for it rather than trusting a stamp file.
setup-spark: setup
	@$(BIN)/python -c "import pyspark" 2>/dev/null || $(UV) sync --frozen --compile-bytecode --extra spark --python $(PYTHON)

setup-test: setup setup-spark $(AZURITE)

run: setup
	$(BIN)/recon demo-world --out $(WORLD) --date $(DATE) --tenants $(TENANTS) --seed $(SEED) --force
	$(BIN)/recon dag-run --config $(WORLD)/config.yaml --date $(DATE) \
	    --airflow-home $(CURDIR)/var/airflow --dags-folder $(CURDIR)/dags

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# mypy reads pyspark's own types (pipeline/spark/), so it needs the optional extra installed.
typecheck: setup-spark
	$(BIN)/mypy --strict pipeline demo_world

# Two workers: the machine has two cores, and the integration tests spend much of their time waiting on
# servers. Each worker starts its own servers on free ports.
PYTEST_WORKERS ?= 2
# Whole modules go to a worker (their module-scoped worlds and Airflow stacks are built once), in the order
# tests/conftest.py sorts them: the slowest first.
PYTEST_DIST := --dist loadscope --no-loadscope-reorder

pytest: setup-test
	$(BIN)/pytest -n $(PYTEST_WORKERS) $(PYTEST_DIST)

test-spark: setup-spark
	$(BIN)/pytest -m spark

test: lint typecheck pytest

# The inner loop: no server, no browser, no Airflow (the `integration` marker), so no Azurite either; no
# Spark (the `spark` marker: `make test-spark`).
test-fast: lint typecheck
	$(BIN)/pytest -n $(PYTEST_WORKERS) $(PYTEST_DIST) -m "not integration and not spark"

bench: setup
	$(BIN)/python benchmarks/ownership.py --entities 5000000 --relationships 8000000
	$(BIN)/python benchmarks/matching.py --tenants 1000000 --entities 5000000
	$(BIN)/python benchmarks/matching.py --world stress --tenants 1000000 --entities 5000000
	$(BIN)/python benchmarks/demo_truth.py --tenants 100000
	$(BIN)/python benchmarks/quality.py --tenants 3000
	$(BIN)/python benchmarks/publish_lists.py --tenants 200000 --revoked 20000
	$(BIN)/python benchmarks/reconcile_report.py --tenants 1000000 --lines 5000000
	$(BIN)/python benchmarks/demo_world.py --tenants 100000
	$(BIN)/python benchmarks/night.py --tenants 100000
	$(BIN)/python benchmarks/faults.py --tenants 200
	$(BIN)/python benchmarks/gleif.py --leis 5000000 --relationships 1000000 --resolve
	$(BIN)/python benchmarks/explain.py --tenants 400

clean:
	rm -rf var .venv .tools .mypy_cache .pytest_cache .ruff_cache tests/azurite/node_modules
