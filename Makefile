# Every target installs what it needs on first use: uv into .tools/, then the
# locked dependencies (uv.lock) into .venv/. Nothing outside the repository is touched.
PYTHON      ?= python3
UV_VERSION  := 0.13.8
STACK       ?= dev
PYTEST_ARGS ?=
# The suite runs on every core (pytest-xdist). tests/conftest.py puts each test file in an
# xdist group (tests/e2e as a whole: its package-scoped LocalCloud), and `loadgroup` keeps a
# group on one worker, so expensive module and package fixtures (a deployed LocalCloud, a
# moto mock) are built once. `make test PYTEST_WORKERS=0` runs in this process (pdb, profiler).
PYTEST_WORKERS ?= auto
PYTEST_PARALLEL := -n $(PYTEST_WORKERS) --dist loadgroup

TOOLS := .tools
UV    := $(TOOLS)/bin/uv
VENV  := .venv
BIN   := $(VENV)/bin
SYNCED := $(VENV)/.synced

export UV_PROJECT_ENVIRONMENT := $(CURDIR)/$(VENV)
export UV_PYTHON := $(PYTHON)
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: help install demo test properties lint bench plan probes readme clean

help:
	@echo "make demo          the whole pipeline, end to end, on the embedded runtime (localcloud)"
	@echo "make test          the whole test suite"
	@echo "make properties    only the state machine's property tests (HYPOTHESIS_PROFILE=thorough for more examples)"
	@echo "make lint          ruff + mypy"
	@echo "make bench         orchestration cost and speed, ours vs the original design (out/bench.json)"
	@echo "make probes        bad inputs, faults and races on the embedded runtime, each judged (out/probes.json)"
	@echo "make plan STACK=dev|prod   the resources a stack declares (out/plan-<stack>.json)"
	@echo "make readme        regenerate the generated parts of README.md"

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/python -m pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

$(SYNCED): $(UV) pyproject.toml uv.lock
	$(UV) sync --locked --quiet
	@touch $@

install: $(SYNCED)

demo: $(SYNCED)
	$(BIN)/python -m localcloud demo --stack $(STACK)

test: $(SYNCED)
	$(BIN)/python -m pytest $(PYTEST_PARALLEL) $(PYTEST_ARGS)

properties: $(SYNCED)
	$(BIN)/python -m pytest $(PYTEST_PARALLEL) -m properties $(PYTEST_ARGS)

lint: $(SYNCED)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

bench: $(SYNCED)
	$(BIN)/python -m localcloud.bench --with-tests

probes: $(SYNCED)
	$(BIN)/python -m localcloud probes

plan: $(SYNCED)
	$(BIN)/python -m localcloud plan --stack $(STACK)

readme: $(SYNCED)
	$(BIN)/python -m workflow readme --write README.md
	$(BIN)/python -m infra.config_docs --readme README.md
	$(BIN)/python -m infra.config_docs --write docs/configuration.md

clean:
	rm -rf $(VENV) $(TOOLS) out .pytest_cache .mypy_cache .ruff_cache .hypothesis
