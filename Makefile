# Two commands set everything up on a fresh machine:  make demo   and   make test
# Paths below are absolute in this clone, so make works from anywhere (make -C path/to/clone demo).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
export DAGSTER_HOME ?= $(CURDIR)/.dagster_home
export OCEAN_ASSETS_DATA_ROOT ?= $(CURDIR)/data
# make demo also runs the reef chain (acidity -> reef scores) for this many days before the demo
# day, in one run, so the dashboard's time series has a line (0: only the demo day)
DEMO_HISTORY_DAYS ?= 5
# the reef chain in one in-process run, console quiet (the run's log is in the instance and the UI)
DEMO_HISTORY_ASSETS := acidity,reef_polygons,crw_daily,reef_conditions,health_scores
DEMO_RUN_CONFIG := {"execution": {"config": {"in_process": {}}}, "loggers": {"console": {"config": {"log_level": "WARNING"}}}}

TEST_WORKERS ?= 2
# dg with this clone's venv as the active one (as after `. .venv/bin/activate`; else dg warns of a mismatch)
DG := VIRTUAL_ENV=$(CURDIR)/$(VENV) $(BIN)/dg

.PHONY: install demo test lint bench ui clean audit FORCE

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

install: $(BIN)/.installed .env

$(DAGSTER_HOME)/dagster.yaml: dagster.yaml
	mkdir -p $(DAGSTER_HOME)
	cp dagster.yaml $@

# dg and dagster read ./.env when started in this directory: this clone's instance and data root
# (a value already exported wins). Rewritten when the clone moves; a .env you wrote yourself is kept.
.env: FORCE
	@printf '%s\n' '# written by make: this clone'"'"'s Dagster instance and data root for dg / dagster (an exported value wins)' \
	  'DAGSTER_HOME=$${DAGSTER_HOME:-$(CURDIR)/.dagster_home}' \
	  'OCEAN_ASSETS_DATA_ROOT=$${OCEAN_ASSETS_DATA_ROOT:-$(CURDIR)/data}' > .env.new
	@if [ -f .env ] && ! head -1 .env | grep -q '^# written by make'; then \
	  echo "keeping your own .env (make would write: $$(tr '\n' ' ' < .env.new))"; rm .env.new; \
	elif cmp -s .env.new .env; then rm .env.new; else mv .env.new .env; echo "wrote .env (DAGSTER_HOME and OCEAN_ASSETS_DATA_ROOT of this clone)"; fi

# Materialize every asset for one day (yesterday, or DATE=YYYY-MM-DD) in demo mode; print check
# results. Then the reef chain for the DEMO_HISTORY_DAYS days before it, one run.
demo: install $(DAGSTER_HOME)/dagster.yaml
	$(BIN)/ocean-assets materialize $(if $(DATE),--date $(DATE),)
	@range=$$($(BIN)/python -m ocean_assets.dashboard.history "$(DATE)" $(DEMO_HISTORY_DAYS)) && if [ -n "$$range" ]; then \
	  echo "reef chain for $$range (so the dashboard's time series has a line):"; \
	  echo "  dg launch --assets $(DEMO_HISTORY_ASSETS) --partition-range $$range"; \
	  $(DG) launch --assets $(DEMO_HISTORY_ASSETS) --partition-range "$$range" --config-json '$(DEMO_RUN_CONFIG)' \
	  && echo "reef chain for $$range: success"; fi

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

# The Dagster UI on http://127.0.0.1:3000. dg dev registers the code location as "ocean_assets"
# (pyproject [tool.dg.project]), as does `dagster dev -w workspace.yaml`: sensor state is kept
# per location name, so both keep it.
ui: install $(DAGSTER_HOME)/dagster.yaml
	$(DG) dev

clean:
	rm -rf $(VENV) .dagster_home data .env
