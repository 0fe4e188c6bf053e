# The two commands users rely on: `make run` and `make test` (see README.md).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEMO_TOKEN ?= demo-alert-token
PYTEST_WORKERS ?= 2  # pytest-xdist processes: the suite waits on servers and timers a lot (three were slower)

.PHONY: run test proof lint format typecheck contracts bench clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

# Set-up plus the bot on SQLite with the example configuration.
run: $(STAMP)
	ONCALL_CONFIG=$${ONCALL_CONFIG:-examples/oncall.yaml} \
	ONCALL_ALERT_TOKEN=$${ONCALL_ALERT_TOKEN:-$(DEMO_TOKEN)} \
	ONCALL_DEMO=1 \
	$(BIN)/oncall serve

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

typecheck: $(STAMP)
	$(BIN)/mypy core

contracts: $(STAMP)
	$(BIN)/lint-imports

# Lint, import contracts, mypy on core/, and the whole suite but the slow proofs.
test: lint contracts typecheck
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) -m "not proof" $(PYTEST_ARGS)

# The whole product under faults, hostile input, load and several instances (docs/reliability.md):
# prints one table of scenarios and their figures, fails if any lost or doubled anything.
proof: $(STAMP)
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) -m proof -p tests.proof.report $(PYTEST_ARGS)

# Speed figures (printed, never asserted); docs/performance.md records the latest.
bench: $(STAMP)
	$(BIN)/python -m bench.schedules
	$(BIN)/python -m bench.slack

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .import_linter_cache
