# The two commands in the README: `make dashboard` and `make test`. Both build .venv on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8866
THEME ?= light

# Outputs stored in notebooks must not depend on the machine: no progress bars, fixed hashing.
export TQDM_DISABLE := 1
export PYTHONHASHSEED := 0

.PHONY: test dashboard lab notebooks bench clean

$(INSTALLED): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev]'
	touch $(INSTALLED)

test: $(INSTALLED)
	$(BIN)/python -m pytest tests notebooks --nbval --nbval-current-env \
		--nbval-sanitize-with tests/nbval_sanitize.cfg --nbval-cell-timeout=300

dashboard: $(INSTALLED)
	$(BIN)/softmax-teach dashboard --host $(HOST) --port $(PORT) --theme $(THEME)

lab: $(INSTALLED)
	$(BIN)/jupyter lab notebooks/

notebooks: $(INSTALLED)
	$(BIN)/python scripts/execute_notebooks.py notebooks/*.ipynb

bench: $(INSTALLED)
	$(BIN)/python bench/bench_numerics.py
	$(BIN)/python bench/bench_dashboard.py

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis test-artifacts
