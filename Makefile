# The one entry point. `make run` and `make test` install what they need.
PY ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test

.PHONY: run test unit integration e2e lint fmt bench chaos soak stress fuzz clean

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python setup.cfg
	$(BIN)/pip install --quiet -e .
	touch $@

$(TEST_STAMP): $(STAMP)
	$(BIN)/pip install --quiet -e '.[test,dev]'
	touch $@

run: $(STAMP)
	$(BIN)/connec-sync run

test: $(TEST_STAMP)
	sh scripts/ensure-chromium.sh
	$(BIN)/pytest tests/unit tests/integration tests/e2e

unit: $(TEST_STAMP)
	$(BIN)/pytest tests/unit

integration: $(TEST_STAMP)
	$(BIN)/pytest tests/integration

lint: $(TEST_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy commands operators connec_sync producers consumers schemas mappers sandboxes providers
	$(BIN)/lint-imports

fmt: $(TEST_STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: $(TEST_STAMP)
	$(BIN)/pip install --quiet -e '.[bench]'
	$(BIN)/python -m bench

chaos: $(TEST_STAMP)
	$(BIN)/python -m chaos --n 2000

soak: $(TEST_STAMP)
	$(BIN)/python -m chaos --soak --n 50000

# every long-running command SIGTERMed 200 times at random moments, under CPU contention
stress: $(TEST_STAMP)
	$(BIN)/python -m chaos.stops --stops 200

fuzz: $(TEST_STAMP)
	$(BIN)/pip install --quiet -e '.[fuzz]'
	$(BIN)/python -m chaos.fuzz

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .import_linter_cache *.egg-info
