# openedx-xapi-router developer tasks. `make help` lists them.
.DEFAULT_GOAL := help
SHELL := /bin/bash

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV ?= .venv
RALPH_VENV ?= .venv-ralph
LMS_VENV ?= .venv-lms
TUTOR_VENV ?= .venv-tutor
VAR := var
RALPH_DIR := $(VAR)/ralph
MARIADB_URL ?= mysql://root:@127.0.0.1:3306/test
LOG ?= openedx_xapi_router/devtools/sample_data/sample-tracking.log.gz
PIP_QUIET := --quiet --disable-pip-version-check
PIP_COMPILE := $(VENV)/bin/pip-compile --quiet --allow-unsafe --no-emit-index-url --no-emit-find-links --rebuild --strip-extras
export CUSTOM_COMPILE_COMMAND = make upgrade

STAMP := $(VENV)/.requirements.stamp
RALPH_STAMP := $(RALPH_VENV)/.requirements.stamp
LMS_STAMP := $(LMS_VENV)/.requirements.stamp
# The LMS-pins pass (`make test-lms`): the tests that meet the LMS's packages (the test LMS, the live
# path, the plugin wiring, resolvers, checks, the Celery worker). The transformers, the backfill,
# the admin and the ERB switching run in the main pass only.
LMS_TESTS ?= tests/lms_contracts tests/test_readme_lms.py tests/test_install_footprint.py tests/test_lms_wiring.py \
	tests/test_resolvers.py tests/test_checks.py tests/test_plugin_settings.py tests/test_conf.py tests/test_celery_worker.py tests/delivery
TUTOR_STAMP := $(TUTOR_VENV)/.requirements.stamp
TUTOR_PLUGIN_FILES := $(shell find tutor -type f -not -path '*/__pycache__/*' -not -path '*.egg-info/*' -not -path 'tutor/build/*')

.PHONY: help requirements upgrade test test-unit test-processes test-mariadb test-lms chaos quality docs generated-docs bench demo ralph-start ralph-stop clean

help: ## list the targets
	@grep -E '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  %-14s %s\n", $$1, $$2}'

requirements: $(STAMP) $(RALPH_STAMP) $(TUTOR_STAMP) ## create .venv (tests, quality, docs, -e .), .venv-ralph (Ralph LRS), .venv-tutor (Tutor + ./tutor)

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): $(VENV)/bin/python requirements/test.txt requirements/quality.txt requirements/docs.txt requirements/pip-tools.txt setup.py
	set -o pipefail; $(VENV)/bin/python -m pip install $(PIP_QUIET) -r requirements/pip-tools.txt 2>&1 | { grep -v 'is ignored' || true; }
	set -o pipefail; $(VENV)/bin/python -m pip install $(PIP_QUIET) -r requirements/test.txt -r requirements/quality.txt -r requirements/docs.txt 2>&1 | { grep -v 'is ignored' || true; }
	set -o pipefail; $(VENV)/bin/python -m pip install $(PIP_QUIET) --no-deps --no-build-isolation -e . 2>&1 | { grep -v 'is ignored' || true; }
	$(VENV)/bin/python -c "import django, pytest, sphinx, furo, openedx_xapi_router"  # fail here if an install step failed
	touch $@

$(RALPH_VENV)/bin/python:
	$(PYTHON) -m venv $(RALPH_VENV)

$(RALPH_STAMP): $(RALPH_VENV)/bin/python requirements/ralph.txt
	set -o pipefail; $(RALPH_VENV)/bin/python -m pip install $(PIP_QUIET) -r requirements/ralph.txt 2>&1 | { grep -v 'is ignored' || true; }
	$(RALPH_VENV)/bin/python -c "import ralph.backends.lrs.fs, uvicorn, bcrypt"  # fail here if the install failed
	touch $@

$(LMS_VENV)/bin/python:
	$(PYTHON) -m venv $(LMS_VENV)

# After .venv (order only): both install `-e .`, which writes the same egg-info in this checkout.
$(LMS_STAMP): $(LMS_VENV)/bin/python requirements/lms-test.txt requirements/lms-release.txt setup.py | $(STAMP)
	set -o pipefail; $(LMS_VENV)/bin/python -m pip install $(PIP_QUIET) -r requirements/lms-test.txt 2>&1 | { grep -v 'is ignored' || true; }
	set -o pipefail; $(LMS_VENV)/bin/python -m pip install $(PIP_QUIET) --no-deps --no-build-isolation -e . 2>&1 | { grep -v 'is ignored' || true; }
	$(LMS_VENV)/bin/python -c "import django, celery; assert django.get_version() == '5.2.12', django.get_version()"
	touch $@

# Tutor and the plugin (installed as an operator does: pip install ./tutor) in their own virtualenv.
$(TUTOR_VENV)/bin/python:
	$(PYTHON) -m venv $(TUTOR_VENV)

$(TUTOR_STAMP): $(TUTOR_VENV)/bin/python requirements/tutor.txt $(TUTOR_PLUGIN_FILES)
	set -o pipefail; $(TUTOR_VENV)/bin/python -m pip install $(PIP_QUIET) -r requirements/tutor.txt 2>&1 | { grep -v 'is ignored' || true; }
	set -o pipefail; $(TUTOR_VENV)/bin/python -m pip install $(PIP_QUIET) --no-deps --force-reinstall ./tutor 2>&1 | { grep -v 'is ignored' || true; }
	rm -rf tutor/build tutor/*.egg-info
	$(TUTOR_VENV)/bin/python -c "import tutor, tutoraspects, tutorxapirouter.plugin"  # fail here if an install step failed
	touch $@

upgrade: $(STAMP) ## re-pin requirements/*.txt from the .in files with pip-compile
	$(PIP_COMPILE) -o requirements/pip-tools.txt requirements/pip-tools.in
	$(PIP_COMPILE) -o requirements/base.txt requirements/base.in
	$(PIP_COMPILE) -o requirements/test.txt requirements/test.in
	$(PIP_COMPILE) -o requirements/quality.txt requirements/quality.in
	$(PIP_COMPILE) -o requirements/dev.txt requirements/dev.in
	$(PIP_COMPILE) -o requirements/docs.txt requirements/docs.in
	# The LMS-pins pass: our requirements at the LMS's pins (requirements/lms-release.txt).
	$(PIP_COMPILE) -o requirements/lms-test.txt requirements/lms-test.in
	# Ralph has its own virtualenv: compiled on its own, without our constraints.
	$(PIP_COMPILE) -o requirements/ralph.txt requirements/ralph.in
	# So has Tutor (.venv-tutor).
	$(PIP_COMPILE) -o requirements/tutor.txt requirements/tutor.in

# PROCESS_TESTS spend their time on the processes they start and wait for (the chaos suite kills
# and restarts its own brokers, Ralphs and workers; the Tutor tests run Tutor and the rendered init
# jobs) and keep to their own services (docs/chaos.rst; no Redis database of the main pass): they
# run as their own pass side by side with the main pass, output kept in $(VAR)/test-processes.log and
# printed once both are done. Every pass runs to its end and any failure fails the target.
PROCESS_TESTS ?= tests/chaos tests/tutor
test: requirements ## run every test: the main pass beside the process pass, then the MariaDB pass
	@mkdir -p $(VAR); failed=""; \
	$(MAKE) --no-print-directory test-processes > $(VAR)/test-processes.log 2>&1 & processes=$$!; \
	$(MAKE) --no-print-directory test-unit || failed="$$failed test-unit"; \
	$(MAKE) --no-print-directory test-mariadb || failed="$$failed test-mariadb"; \
	wait $$processes || failed="$$failed test-processes"; \
	echo "---- test-processes (run side by side with test-unit; $(VAR)/test-processes.log) ----"; \
	cat $(VAR)/test-processes.log; \
	if [ -n "$$failed" ]; then echo "make test: failed:$$failed" >&2; exit 1; fi

# pytest's exit code 5 ("no tests collected") fails the target like any other: a pass that
# collects nothing has tested nothing.
PYTEST = $(VENV)/bin/pytest

test-unit: requirements ## the main pass: everything but the MariaDB tests and $(PROCESS_TESTS)
	$(PYTEST) -m "not mariadb" $(addprefix --ignore=,$(PROCESS_TESTS)) $(PYTEST_ARGS)

test-processes: requirements ## the process pass: $(PROCESS_TESTS) (the chaos suite's short form; `make chaos`: full length)
	XAPI_ROUTER_TEST_REDIS_URL=redis://127.0.0.1:6379/10 $(PYTEST) -m "not mariadb" $(PROCESS_TESTS) $(PYTEST_ARGS)

test-lms: $(LMS_STAMP) $(RALPH_STAMP) ## the second pass: $(LMS_TESTS) on the LMS's own pins (.venv-lms)
	$(LMS_VENV)/bin/pytest -m "not mariadb" $(LMS_TESTS) $(PYTEST_ARGS)

test-mariadb: requirements ## tests marked `mariadb`, against MariaDB at $(MARIADB_URL)
	export XAPI_ROUTER_DATABASE_URL=$(MARIADB_URL); $(PYTEST) -m mariadb $(PYTEST_ARGS)

# The chaos suite (tests/chaos) runs in its short form inside test-unit; this is the full length.
CHAOS_SCALE ?= 5
chaos: requirements ## the chaos suite at full length (processes killed, brokers and LRSs broken: docs/chaos.rst)
	XAPI_ROUTER_CHAOS_SCALE=$(CHAOS_SCALE) XAPI_ROUTER_CHAOS_ALL=1 $(PYTEST) -m chaos tests/chaos $(PYTEST_ARGS)

quality: requirements ## ruff and pylint (edx-lint conventions) on the package and the tests
	$(VENV)/bin/ruff check openedx_xapi_router tests tutor setup.py manage.py
# The package with duplicate-code and cyclic-import on; the tests apart, where expected statements and
# event fixtures repeat by design (and tests/core/legacy_validate.py is the old checker kept as an oracle).
	DJANGO_SETTINGS_MODULE=tests.project.settings $(VENV)/bin/pylint openedx_xapi_router setup.py manage.py
	DJANGO_SETTINGS_MODULE=tests.project.settings $(VENV)/bin/pylint --disable=duplicate-code tests

# Strict: any warning, and any cross reference that does not resolve (-n), fails the build.
DOCS_BUILD ?= docs/_build/html
docs: $(STAMP) ## build the Sphinx docs (docs/) into docs/_build/html; any warning fails
	$(VENV)/bin/sphinx-build -W --keep-going -n -q -b html docs $(DOCS_BUILD)

bench: requirements ## run every benchmark: transformation, coverage, live delivery, backfill (docs/benchmarks.rst)
	$(VENV)/bin/python -m benchmarks
	$(VENV)/bin/python -m benchmarks.coverage
	$(VENV)/bin/python -m benchmarks.delivery
	$(VENV)/bin/python -m benchmarks.backfill
	$(VENV)/bin/python -m benchmarks.lrs_throughput

GENERATORS := producer_contracts event_mapping beyond_erb

generated-docs: requirements ## rewrite the docs generated from the transformer registry (CHECK=1: fail when one is stale)
	set -e; for generator in $(GENERATORS); do \
		$(VENV)/bin/python -m openedx_xapi_router.devtools.$$generator $(if $(CHECK),--check); done

demo: requirements ## transform a tracking log and deliver it to a fresh local Ralph: make demo [LOG=path]
	$(VENV)/bin/python manage.py xapi_router_demo --log "$(LOG)" --work-dir $(RALPH_DIR)-demo

ralph-start: $(RALPH_STAMP) $(STAMP) ## start a local Ralph LRS (fresh data in var/ralph), print URL and credentials
	$(VENV)/bin/python -m openedx_xapi_router.devtools.ralph_control start --work-dir $(RALPH_DIR)

ralph-stop: ## stop the local Ralph started by ralph-start
	@if [ -x $(VENV)/bin/python ]; then $(VENV)/bin/python -m openedx_xapi_router.devtools.ralph_control stop --work-dir $(RALPH_DIR); else echo "Ralph is not running (no .venv)."; fi

clean: ralph-stop ## remove build artefacts, caches and var/ (keeps the virtualenvs)
	rm -rf build dist *.egg-info .pytest_cache .ruff_cache $(VAR) docs/_build
	rm -rf tutor/build tutor/*.egg-info
	find . -path ./.venv -prune -o -path ./.venv-ralph -prune -o -path ./.venv-lms -prune -o -path ./.venv-tutor -prune -o -name __pycache__ -type d -exec rm -rf {} +
