# The two commands of the README: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
SIZE ?= medium

.PHONY: install install-test demo test check bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

install: $(BIN)/python
	$(BIN)/pip install -q -e .

install-test: $(BIN)/python
	$(BIN)/pip install -q -e '.[test,spark]'

demo: install
	$(BIN)/cxm demo --size $(SIZE)

test: install-test
	./scripts/ensure-chromium.sh
	url=$$(./scripts/ensure-postgres.sh) && \
	  CXM_TEST_DATABASE_URL="$$url" $(BIN)/pytest -q $(PYTEST_ARGS); \
	  status=$$?; ./scripts/stop-postgres.sh; exit $$status

check: install-test
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports

bench: install-test
	$(BIN)/python -m bench.run $(BENCH_ARGS)

clean:
	rm -rf $(VENV) cxm-data .pytest_cache .mypy_cache .ruff_cache
