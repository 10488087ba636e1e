# Two commands do everything on a fresh machine:
#   make run    set up, then serve the dashboard on the embedded default data (http://localhost:8501)
#   make test   set up (incl. Chromium and CJK fonts), then run every test, browser tests included
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8501
APT_PACKAGES := chromium fonts-noto-cjk poppler-utils

.PHONY: run test test-fast e2e lint format bench setup system-deps clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: $(BIN)/python requirements.txt requirements-dev.txt
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

setup: $(VENV)/.installed

# Debian packages: Chromium for browser tests and chart images, Noto CJK so Chinese renders in
# PDFs and screenshots, poppler-utils to inspect the PDFs.
system-deps:
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -q && $$SUDO apt-get install -y -q $$missing; \
	fi

run: setup system-deps
	$(BIN)/python -m etl init
	$(BIN)/streamlit run app.py --server.port $(PORT)

# One pytest worker per core (pytest-xdist); each test file runs whole on one worker, so that a
# module's fixtures (a browser test module's server, the rendered bulletin) are built once.
# Bytecode is cached (under .venv, out of the working tree) even where PYTHONDONTWRITEBYTECODE
# is set: otherwise each worker rewrites and compiles every test module again at collection,
# about 5 s per worker, and each `python -m etl` or server child compiles kpi/ again.
PYTEST := PYTHONDONTWRITEBYTECODE= PYTHONPYCACHEPREFIX=$(CURDIR)/$(VENV)/pycache \
	$(BIN)/python -m pytest -q -n auto --dist loadfile

test: setup system-deps
	$(PYTEST)

# The unit tests only, for the edit-and-check loop: no page run in AppTest (`page`), no other
# program started and no PDF laid out (`slow`), no browser (`e2e`); tests/conftest.py fails an
# unmarked test that does any of these. `make test` (and CI) runs them all.
test-fast: setup
	$(PYTEST) -m "not e2e and not page and not slow"

e2e: setup system-deps
	$(PYTEST) -m e2e

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: setup
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: setup system-deps
	$(BIN)/python bench/bench_load.py
	$(BIN)/python bench/bench_cockpit.py
	$(BIN)/python bench/bench_report.py
	$(BIN)/python bench/bench_warnings.py
	$(BIN)/python bench/bench_pages.py

clean:
	rm -rf $(VENV) data/dashboard.duckdb data/dashboard.duckdb.wal data/dashboard.duckdb.snapshots artifacts
