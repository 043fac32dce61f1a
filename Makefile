# Two commands set everything up on a fresh machine:  make demo   and   make test
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
export DAGSTER_HOME ?= $(CURDIR)/.dagster_home
export OCEAN_ASSETS_DATA_ROOT ?= $(CURDIR)/data

TEST_WORKERS ?= 2

.PHONY: install demo test lint bench ui clean audit

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

install: $(BIN)/.installed

$(DAGSTER_HOME)/dagster.yaml: dagster.yaml
	mkdir -p $(DAGSTER_HOME)
	cp dagster.yaml $@

# Materialize every asset for one day (yesterday, or DATE=YYYY-MM-DD) in demo mode; print check results.
demo: install $(DAGSTER_HOME)/dagster.yaml
	$(BIN)/ocean-assets materialize $(if $(DATE),--date $(DATE),)

lint: install
	$(BIN)/ruff check ocean_assets ocean_assets_tests bench

.PHONY: typecheck
typecheck: install
	$(BIN)/mypy ocean_assets/core ocean_assets/sources

test: install lint typecheck
	$(BIN)/python -m pytest -q -n $(TEST_WORKERS) --dist loadfile $(PYTEST_ARGS)

# pip-audit over the pinned dependencies; fails soft (clear message, exit 0) when no vulnerability
# database is reachable. AUDIT_STRICT=1 makes that an error (exit 2). See docs/reliability.md.
audit: install
	$(BIN)/python -m ocean_assets_tests.reliability.audit

bench: install
	$(BIN)/python -m bench $(BENCH_ARGS)

ui: install $(DAGSTER_HOME)/dagster.yaml
	$(BIN)/dagster dev -m ocean_assets.definitions

clean:
	rm -rf $(VENV) .dagster_home data
