# ipnav — the two commands: `make demo` and `make test`. Every install step lives here.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export IPNAV_SAMPLE_DATA ?= $(abspath ../shared/data)
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: demo fonts test check lint format install install-dev system-deps bench bench-search bench-web clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# Installs ipnav into .venv (editable), re-run when pyproject.toml changes.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

# Debian packages the tests need: the PostgreSQL server (started on a free port by the tests),
# chromium for the browser tests (Playwright drives /usr/bin/chromium; it downloads no browser)
# and the Noto CJK fonts, so Chinese pages render with real glyphs.
system-deps:
	@if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then \
		$(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq postgresql; \
	fi
	@if [ ! -x /usr/bin/chromium ] || ! dpkg -s fonts-noto-cjk >/dev/null 2>&1; then \
		$(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium fonts-noto-cjk; \
	fi

# The CJK font of the report charts (matplotlib draws Chinese labels with it): the demo's
# DOCX/HTML reports need it even where the test packages are not installed.
fonts:
	@dpkg -s fonts-noto-cjk >/dev/null 2>&1 || { $(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq fonts-noto-cjk; }

## make demo: install, load every sample corpus of ../shared/data, build, serve.
demo: install fonts
	$(BIN)/ipnav demo

## make test: install test dependencies (pip + Debian), start PostgreSQL, run every test.
test: install-dev system-deps
	$(BIN)/python scripts/tmp_postgres.py -- $(BIN)/pytest

lint: install-dev
	$(BIN)/ruff check src tests benchmarks scripts
	$(BIN)/ruff format --check src tests benchmarks scripts

format: install-dev
	$(BIN)/ruff format src tests benchmarks scripts
	$(BIN)/ruff check --fix src tests benchmarks scripts

## make check: ruff and every test; run before each commit.
check: lint test

## make bench: the ingest benchmark (add --write to record it in benchmarks/RESULTS.md).
bench: install-dev system-deps
	$(BIN)/python scripts/tmp_postgres.py -- $(BIN)/python benchmarks/ingest.py

## make bench-search: search quality (~15 min) and speed (demo + 1M replicated, ~1 h).
bench-search: install-dev
	$(BIN)/python benchmarks/search_quality.py --write
	$(BIN)/python benchmarks/search_speed.py --write

## make bench-web: web load on the demo home (search page and API, 1/8/32 clients, ~3 min);
## `ipnav demo --no-serve` first brings the demo data and its indexes up to date.
bench-web: install-dev
	$(BIN)/ipnav demo --no-serve
	$(BIN)/python benchmarks/web_load.py --write

clean:
	rm -rf .ipnav .pytest_cache .ruff_cache
