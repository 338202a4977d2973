# opsgate: `make run` starts the local console; `make test` runs the whole suite.
# Both create .venv with the pinned dependencies (constraints.txt) on first use.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test lint format bench serve clean

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11) and "opsgate needs Python 3.11+")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)  ## the local console, unconfigured vendors sandboxed, no credentials needed
	$(BIN)/opsgate console

test: $(STAMP)  ## the whole test suite, with branch coverage (PostgreSQL tests need its server: see README)
	$(BIN)/python -m pytest --cov --cov-report=term-missing:skip-covered

lint: $(STAMP)  ## ruff lint + format check, mypy --strict on the packages and the example plugin
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	cd examples/opsgate-acme && MYPYPATH=$(CURDIR) $(CURDIR)/$(BIN)/mypy

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: $(STAMP)  ## the benchmarks (prints tables; not part of the test suite)
	$(BIN)/python benchmarks/ack_latency.py
	$(BIN)/python benchmarks/click_to_vendor.py
	$(BIN)/python benchmarks/bulk_aliyun.py
	$(BIN)/python benchmarks/bulk_huawei.py
	$(BIN)/python benchmarks/store_scale.py

serve: $(STAMP)
	$(BIN)/opsgate serve

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .coverage
