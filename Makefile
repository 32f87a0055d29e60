# openedx-xapi-router developer tasks. `make help` lists them.
.DEFAULT_GOAL := help
SHELL := /bin/bash

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV ?= .venv
RALPH_VENV ?= .venv-ralph
VAR := var
RALPH_DIR := $(VAR)/ralph
MARIADB_URL ?= mysql://root:@127.0.0.1:3306/test
LOG ?= openedx_xapi_router/devtools/sample_data/sample-tracking.log.gz
PIP_QUIET := --quiet --disable-pip-version-check
PIP_COMPILE := $(VENV)/bin/pip-compile --quiet --allow-unsafe --no-emit-index-url --no-emit-find-links --rebuild --strip-extras
export CUSTOM_COMPILE_COMMAND = make upgrade

STAMP := $(VENV)/.requirements.stamp
RALPH_STAMP := $(RALPH_VENV)/.requirements.stamp

.PHONY: help requirements upgrade test test-unit test-mariadb chaos quality bench demo ralph-start ralph-stop clean

help: ## list the targets
	@grep -E '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  %-14s %s\n", $$1, $$2}'

requirements: $(STAMP) $(RALPH_STAMP) ## create .venv (tests, quality, -e .) and .venv-ralph (Ralph LRS)

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): $(VENV)/bin/python requirements/test.txt requirements/quality.txt requirements/pip-tools.txt setup.py
	set -o pipefail; $(VENV)/bin/python -m pip install $(PIP_QUIET) -r requirements/pip-tools.txt 2>&1 | { grep -v 'is ignored' || true; }
	set -o pipefail; $(VENV)/bin/python -m pip install $(PIP_QUIET) -r requirements/test.txt -r requirements/quality.txt 2>&1 | { grep -v 'is ignored' || true; }
	set -o pipefail; $(VENV)/bin/python -m pip install $(PIP_QUIET) --no-deps --no-build-isolation -e . 2>&1 | { grep -v 'is ignored' || true; }
	$(VENV)/bin/python -c "import django, pytest, openedx_xapi_router"  # fail here if an install step failed
	touch $@

$(RALPH_VENV)/bin/python:
	$(PYTHON) -m venv $(RALPH_VENV)

$(RALPH_STAMP): $(RALPH_VENV)/bin/python requirements/ralph.txt
	set -o pipefail; $(RALPH_VENV)/bin/python -m pip install $(PIP_QUIET) -r requirements/ralph.txt 2>&1 | { grep -v 'is ignored' || true; }
	$(RALPH_VENV)/bin/python -c "import ralph.backends.lrs.fs, uvicorn, bcrypt"  # fail here if the install failed
	touch $@

upgrade: $(STAMP) ## re-pin requirements/*.txt from the .in files with pip-compile
	$(PIP_COMPILE) -o requirements/pip-tools.txt requirements/pip-tools.in
	$(PIP_COMPILE) -o requirements/base.txt requirements/base.in
	$(PIP_COMPILE) -o requirements/test.txt requirements/test.in
	$(PIP_COMPILE) -o requirements/quality.txt requirements/quality.in
	$(PIP_COMPILE) -o requirements/dev.txt requirements/dev.in
	# Ralph has its own virtualenv: compiled on its own, without our constraints.
	$(PIP_COMPILE) -o requirements/ralph.txt requirements/ralph.in

test: requirements test-unit test-mariadb ## run every test: the main pass, then the MariaDB pass

# pytest exits 5 when it collected no test: tolerated (a pass may legitimately be empty), but said.
PYTEST = run_pytest() { $(VENV)/bin/pytest "$$@" || { status=$$?; if [ $$status -eq 5 ]; then echo "pytest: no tests collected (exit 5, tolerated)"; else exit $$status; fi; }; }; run_pytest

test-unit: requirements ## the main pass: everything but the MariaDB tests
	$(PYTEST) -m "not mariadb" $(PYTEST_ARGS)

test-mariadb: requirements ## tests marked `mariadb`, against MariaDB at $(MARIADB_URL)
	export XAPI_ROUTER_DATABASE_URL=$(MARIADB_URL); $(PYTEST) -m mariadb $(PYTEST_ARGS)

# The chaos suite (tests/chaos) runs in its short form inside test-unit; this is the full length.
CHAOS_SCALE ?= 5
chaos: requirements ## the chaos suite at full length (processes killed, brokers and LRSs broken: docs/chaos.rst)
	XAPI_ROUTER_CHAOS_SCALE=$(CHAOS_SCALE) XAPI_ROUTER_CHAOS_ALL=1 $(PYTEST) -m chaos tests/chaos $(PYTEST_ARGS)

quality: requirements ## ruff and pylint (edx-lint conventions) on the package and the tests
	$(VENV)/bin/ruff check openedx_xapi_router tests setup.py manage.py
	DJANGO_SETTINGS_MODULE=tests.project.settings $(VENV)/bin/pylint openedx_xapi_router tests setup.py manage.py

bench: requirements ## run every benchmark: transformation, coverage, live delivery, backfill (docs/benchmarks.rst)
	$(VENV)/bin/python -m benchmarks
	$(VENV)/bin/python -m benchmarks.coverage
	$(VENV)/bin/python -m benchmarks.delivery
	$(VENV)/bin/python -m benchmarks.backfill

demo: requirements ## transform a tracking log and deliver it to a fresh local Ralph: make demo [LOG=path]
	$(VENV)/bin/python manage.py xapi_router_demo --log "$(LOG)" --work-dir $(RALPH_DIR)-demo

ralph-start: $(RALPH_STAMP) $(STAMP) ## start a local Ralph LRS (fresh data in var/ralph), print URL and credentials
	$(VENV)/bin/python -m openedx_xapi_router.devtools.ralph_control start --work-dir $(RALPH_DIR)

ralph-stop: ## stop the local Ralph started by ralph-start
	@if [ -x $(VENV)/bin/python ]; then $(VENV)/bin/python -m openedx_xapi_router.devtools.ralph_control stop --work-dir $(RALPH_DIR); else echo "Ralph is not running (no .venv)."; fi

clean: ralph-stop ## remove build artefacts, caches and var/ (keeps the virtualenvs)
	rm -rf build dist *.egg-info .pytest_cache .ruff_cache $(VAR)
	find . -path ./.venv -prune -o -path ./.venv-ralph -prune -o -name __pycache__ -type d -exec rm -rf {} +
