# The two commands of the README: `make start` and `make test` (plus `make bench`). Both install what they need
# on a fresh Debian machine and are fast the second time: stamps under .stamps/ are keyed on the hash of what they
# installed from.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
STAMPS := .stamps
REQ_HASH := $(shell cat requirements.txt requirements-dev.txt | sha256sum | cut -c1-16)
NPM_HASH := $(shell cat package.json package-lock.json 2>/dev/null | sha256sum | cut -c1-16)
PYTEST_ARGS ?=
# `make test` spreads the suite over this many processes (pytest-xdist): it mostly waits on hosts, servers and
# timers, so 3 on 2 cores take ~10 min where one took ~18 (tests/conftest.py keeps each module in one process).
TEST_PROCESSES ?= 3

.PHONY: start test test-fast lint bench deps apt venv npm ui browser databases azurite clean-stamps

start: deps
	scripts/start.sh

test: deps databases browser lint
	$(PY) -m pytest -n $(TEST_PROCESSES) --dist loadfile $(PYTEST_ARGS)

# The inner loop: the quality gates, then the unit tier (no server of any kind; tiers: tests/conftest.py).
test-fast: venv lint
	$(PY) -m pytest -m "not live and not e2e and not slow" $(PYTEST_ARGS)

# Quality gates (configured in pyproject.toml): ruff over the repository, mypy over the app's code.
lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy

bench: deps
	$(PY) -m benchmarks

deps: apt venv npm ui

apt:
	@scripts/ensure_apt.sh

venv: $(STAMPS)/venv-$(REQ_HASH)
$(STAMPS)/venv-$(REQ_HASH):
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements-dev.txt
	@mkdir -p $(STAMPS) && rm -f $(STAMPS)/venv-* && touch $@

npm: $(STAMPS)/npm-$(NPM_HASH)
$(STAMPS)/npm-$(NPM_HASH):
	@# npm ci on a clean clone; npm install (no wipe) when node_modules is already there.
	@if [ -f package-lock.json ] && [ ! -d node_modules ]; then npm ci --no-audit --no-fund --loglevel=error; \
	else npm install --no-save --no-audit --no-fund --loglevel=error; fi
	@mkdir -p $(STAMPS) && rm -f $(STAMPS)/npm-* && touch $@

ui: npm
	@scripts/build_ui.sh

browser:
	@# Debian's Chromium for the UI tests (Playwright drives it; a browser download fails here).
	@scripts/ensure_apt.sh chromium

databases:
	@scripts/ensure_databases.sh

azurite: deps
	$(PY) -m devhost.azurite --location .data/azurite

clean-stamps:
	rm -rf $(STAMPS)
