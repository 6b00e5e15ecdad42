# kistrade: the README's commands. Each target installs what it needs (uv, then `uv sync`).
SHELL := /bin/bash
.DEFAULT_GOAL := help
UV ?= $(shell command -v uv 2>/dev/null || echo "python3 -m uv")
PY := $(UV) run --frozen

.PHONY: help uv sync demo test lint fmt types imports unit bench sim clean browser-deps crash chaos kpi

help:
	@echo "make demo   - the main job: start the simulator and show it trading (no credentials needed)"
	@echo "make test   - lint + types + import contracts + tests (what CI runs)"
	@echo "make lint   - ruff format check + ruff lint"
	@echo "make bench  - benchmarks (prints figures and ratios to peers)"

uv:
	@command -v uv >/dev/null 2>&1 || python3 -m uv --version >/dev/null 2>&1 || python3 -m pip install --quiet uv

sync: uv
	@$(UV) sync --frozen --python python3

demo: sync
	$(PY) kistrade demo

lint: sync
	$(PY) ruff format --check src tests bench
	$(PY) ruff check src tests bench

fmt: sync
	$(PY) ruff format src tests bench
	$(PY) ruff check --fix src tests bench

types: sync
	$(PY) mypy

imports: sync
	$(PY) lint-imports

unit: sync
	$(PY) pytest -q

# Debian's chromium for the dashboard's browser tests (Playwright drives it; no browser download).
browser-deps:
	@if [ -x /usr/bin/chromium ]; then exit 0; fi; \
	echo "installing Debian's chromium for the browser tests"; \
	SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	( $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium fonts-noto-cjk >/dev/null ) \
	  || { echo "could not install chromium with apt-get"; [ -z "$$CI" ] || exit 1; }

# The test oracles (backtesting.py, vectorbt) live in the bench group: the tests use them too.
test: lint types imports browser-deps
	$(UV) run --frozen --group bench pytest -q -p no:cacheprovider

bench: uv
	@$(UV) sync --frozen --python python3 --group bench
	$(UV) run --frozen --group bench python -m bench $(BENCH)

# kill -9 the bot at 20 points of order flow, restart, reconcile; prints N/20 equal to the ledger.
crash: sync
	$(PY) python tests/e2e/crash_harness.py 20

clean:
	rm -rf .venv .mypy_cache .ruff_cache .pytest_cache

# A whole accelerated trading day, 20 symbols, a fault every 30 simulated seconds (WS drops,
# stopped PINGPONG, HTTP 500, EGW00201 bursts, expired tokens, 2 s latency); prints the report.
chaos: sync
	$(PY) python tests/e2e/day_harness.py 20 120 30
