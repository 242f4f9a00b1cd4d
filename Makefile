# Quick start: `make demo` and `make test` both set everything up on a fresh clone.
# Python 3.12 (pyvalhalla, the road-network engine, ships wheels for 3.12 and later only)
# (the first one that runs: pyenv's shim may exist without a 3.12 selected)
PYTHON ?= $(firstword $(foreach p,$(wildcard /root/.pyenv/versions/3.12*/bin/python3.12) $(shell command -v python3.12),$(shell $(p) -c "" 2>/dev/null && echo $(p))))
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: setup demo test lint bench clean

$(STAMP): pyproject.toml
	@test -n "$(PYTHON)" || { echo "need python3.12 on PATH (or under /root/.pyenv/versions/3.12*)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test,bench,roads]'
	touch $(STAMP)

setup: $(STAMP)

demo: $(STAMP)
	$(BIN)/ironroute demo --out demo-output --db sqlite:///demo-output/ironroute.db

test: $(STAMP)
	$(BIN)/ruff check geo planner api tests bench
	$(BIN)/ruff format --check geo planner api tests bench
	$(BIN)/lint-imports
	$(BIN)/mypy
	$(BIN)/pytest

bench: $(STAMP)
	$(BIN)/python -m bench.day_plans

clean:
	rm -rf $(VENV) demo-output .pytest_cache .hypothesis
