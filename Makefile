# Servicekonto developer tasks.
#
#   make deps             install system packages, the venv, the npm packages (KERN UX, test peers)
#                         and compile the message catalogues (idempotent)
#   make run              migrate the database and start IdP (127.0.0.1:5000) + demo service (127.0.0.1:5001)
#   make test             whole test suite on SQLite, then again on PostgreSQL
#   make test-sqlite      only the SQLite run
#   make test-postgresql  only the PostgreSQL run
#   make screenshots      retake the README's pictures (docs/screenshots/) with the browser tests
#   make clean            remove instance/ and test artefacts (never keys/)
#
# Extra pytest arguments: make test-sqlite PYTEST_ARGS='-k login -x'
# Parallel worker processes (pytest-xdist, one test file per worker at a time):
# PYTEST_WORKERS=2 by default, `auto` for one per CPU, 0 for a serial run, e.g.
#   make test-sqlite PYTEST_ARGS='-k login' PYTEST_WORKERS=0

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PY_STAMP := $(VENV)/.servicekonto-deps.stamp
NODE_STAMP := node_modules/.servicekonto-deps.stamp
# The editable install maps each top-level package when it is installed, so a package
# created later (its __init__.py appears) triggers a reinstall too.
TOP_PACKAGES := idp federation eid_connector elster_connector wallet_connector hardened_xml demo
PKG_INITS = $(wildcard $(addsuffix /__init__.py,$(TOP_PACKAGES)))
# Compiled message catalogues are build output (not committed): made from the .po files.
MO_FILES := $(patsubst %.po,%.mo,$(wildcard idp/translations/*/LC_MESSAGES/messages.po))
APT_PACKAGES := python3-venv libxmlsec1-dev xmlsec1 pkg-config chromium postgresql wrk
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
PYTEST_ARGS ?=
PYTEST_WORKERS ?= 2
# The slowest tests are named at the end of each run, to keep the suite's time in view.
PYTEST := $(PY) -m pytest -n $(PYTEST_WORKERS) --durations=15
# The resilience tests run on a PostgreSQL server of their own, whatever the run's
# database: only the PostgreSQL run selects them (a -m in PYTEST_ARGS overrides this).
SQLITE_ONLY := -m 'not resilience'

# Browsers come from Debian (chromium); never let anything download its own.
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD := 1
export PIP_DISABLE_PIP_VERSION_CHECK := 1
export PIP_NO_INPUT := 1

.PHONY: help deps apt-deps run test test-sqlite test-postgresql screenshots clean

help:
	@sed -n '3,15p' $(firstword $(MAKEFILE_LIST)) | sed 's/^# \{0,1\}//'

deps: apt-deps $(PY_STAMP) $(NODE_STAMP) $(MO_FILES)

apt-deps:
	@missing=""; \
	for p in $(APT_PACKAGES); do \
	  dpkg -s "$$p" 2>/dev/null | grep -q '^Status: install ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "==> installing Debian packages:$$missing"; \
	  $(SUDO) apt-get update; \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $$missing; \
	fi
	@# Node by its commands, not by package name: a Node 20 from elsewhere (e.g. a
	@# nodesource package, which brings its own npm) must not be replaced by Debian's.
	@if ! command -v node >/dev/null || ! command -v npm >/dev/null; then \
	  echo "==> installing Node.js and npm (Debian packages)"; \
	  $(SUDO) apt-get update; \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends nodejs npm; \
	fi
	@major=$$(node -p 'process.versions.node.split(".")[0]'); \
	if [ "$$major" -lt 20 ]; then \
	  echo "Node.js $$(node --version) is too old: the test peers (@sd-jwt) need Node.js 20 or newer." >&2; \
	  echo "Debian 13's nodejs package has it; on Debian 12 install a nodejs package of version 20 or" >&2; \
	  echo "newer and run make again." >&2; \
	  exit 1; \
	fi

$(PY):
	$(PYTHON) -m venv $(VENV)

# Order-only on the interpreter: reinstall only when the dependency files change or a
# top-level package appears (the stamp lives inside .venv, so a fresh venv always gets
# a full install).
$(PY_STAMP): requirements.txt setup.cfg pyproject.toml $(PKG_INITS) | $(PY)
	$(PY) -m pip install -r requirements.txt
	$(PY) -m pip install --no-deps -e .
	touch $@

# npm ci wipes node_modules first, which also removes the stamp.
$(NODE_STAMP): package-lock.json package.json
	npm ci --no-audit --no-fund
	touch $@

%.mo: %.po $(PY_STAMP)
	$(VENV)/bin/pybabel compile --statistics -i $< -o $@

run: deps
	$(VENV)/bin/servicekonto db upgrade
	SERVICEKONTO_SIMULATORS=1 $(VENV)/bin/servicekonto dev

# Both runs always execute; the target fails if either failed (pytest exit 5,
# "no tests collected", counts as a failure too).
test: deps
	@echo; echo "==================== tests on SQLite ===================="; echo; \
	sqlite_rc=0; $(PYTEST) $(SQLITE_ONLY) $(PYTEST_ARGS) || sqlite_rc=$$?; \
	echo; echo "==================== tests on PostgreSQL ===================="; echo; \
	pg_rc=0; SERVICEKONTO_TEST_DB=postgresql $(PYTEST) $(PYTEST_ARGS) || pg_rc=$$?; \
	if [ $$sqlite_rc -ne 0 ] || [ $$pg_rc -ne 0 ]; then \
	  echo; echo "FAILED: SQLite run exit $$sqlite_rc, PostgreSQL run exit $$pg_rc" >&2; exit 1; \
	fi

test-sqlite: deps
	@echo; echo "==================== tests on SQLite ===================="; echo
	$(PYTEST) $(SQLITE_ONLY) $(PYTEST_ARGS)

test-postgresql: deps
	@echo; echo "==================== tests on PostgreSQL ===================="; echo
	SERVICEKONTO_TEST_DB=postgresql $(PYTEST) $(PYTEST_ARGS)

screenshots: deps
	SERVICEKONTO_SCREENSHOTS=docs/screenshots $(PY) -m pytest -n 0 tests/browser/test_first_look.py

clean:
	rm -rf instance/ .pytest_cache/ test-results/ .coverage build/ dist/
	find . -path ./.venv -prune -o -path ./node_modules -prune -o \
	  \( -name '*.egg-info' -o -name '__pycache__' \) -type d -print0 | xargs -0 rm -rf
