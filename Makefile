# The two commands in the README: `make dashboard` and `make test`. Both build .venv on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8866
THEME ?= light
# make dashboard HOST=0.0.0.0 CLASS_SIZE=30 [TOKEN=abcdefgh]: a class on this machine's network.
CLASS_SIZE ?=
TOKEN ?=
# make explorer [EXPLORER_DIR=site/explorer]: the static Explorer, for any static web host.
EXPLORER_DIR ?= public/explorer

# Outputs stored in notebooks must not depend on the machine: no progress bars, fixed hashing.
export TQDM_DISABLE := 1
export PYTHONHASHSEED := 0

# The notebook suite: strict nbval plus the tolerance plugin (conftest.py, tests/nbval_tolerance.py).
NBVAL := --nbval --nbval-current-env --nbval-sanitize-with tests/nbval_sanitize.cfg --nbval-cell-timeout=300
# Stored outputs are recorded on one canonical CPU lane, so they do not churn with each
# contributor's CPU (scripts/cpu-lane; on a machine that is not x86-64 it runs natively).
CANONICAL_LANE := avx2

.PHONY: test test-lanes lint dashboard explorer lab notebooks bench bench-class clean

$(INSTALLED): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev]'
	touch $(INSTALLED)

# Every module's docstring examples run too (--doctest-modules on the package).
test: $(INSTALLED)
	$(BIN)/python -m pytest tests notebooks softmax_teach --doctest-modules $(NBVAL)

# The notebook suite again on two emulated x86-64 CPUs (.ci/run calls it after make test).
test-lanes: $(INSTALLED)
	scripts/cpu-lane avx2 $(BIN)/python -m pytest notebooks $(NBVAL) -p no:cacheprovider
	scripts/cpu-lane baseline $(BIN)/python -m pytest notebooks $(NBVAL) -p no:cacheprovider

# ruff's rules and format ([tool.ruff] in pyproject.toml) on every Python file; .ci/run calls it.
lint: $(INSTALLED)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

dashboard: $(INSTALLED)
	$(BIN)/softmax-teach dashboard --host $(HOST) --port $(PORT) --theme $(THEME) \
		$(if $(CLASS_SIZE),--class-size $(CLASS_SIZE)) $(if $(TOKEN),--token $(TOKEN))

explorer: $(INSTALLED)
	$(BIN)/softmax-teach export-explorer $(EXPLORER_DIR)

lab: $(INSTALLED)
	$(BIN)/jupyter lab notebooks/

notebooks: $(INSTALLED)
	@if [ "$$(uname -m)" = x86_64 ]; then \
		scripts/cpu-lane $(CANONICAL_LANE) $(BIN)/python scripts/execute_notebooks.py notebooks/*.ipynb; \
	else \
		echo "Not an x86-64 machine: outputs recorded here differ from the canonical $(CANONICAL_LANE) lane;"; \
		echo "commit them only if the tolerance-aware suite still passes on x86-64."; \
		$(BIN)/python scripts/execute_notebooks.py notebooks/*.ipynb; \
	fi

bench: $(INSTALLED)
	$(BIN)/python bench/bench_numerics.py
	$(BIN)/python bench/bench_dashboard.py

# 30 protocol-level students against one server with --class-size 30 (about 3 GB of memory, minutes).
bench-class: $(INSTALLED)
	$(BIN)/python bench/bench_classroom.py

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis test-artifacts

# The course website: _build/html from the notebooks' stored outputs, nothing executed (site/build.py).
# Once the tools are installed it runs offline. The launch buttons come from one repository URL:
# site/_config.yml, or make site REPOSITORY_URL=https://github.com/OWNER/NAME [JUPYTERHUB_URL=...].
.PHONY: site
SITE_INSTALLED := $(VENV)/.installed-site
SITE_NPM := site/node_modules/.package-lock.json

$(SITE_INSTALLED): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[site]'
	touch $(SITE_INSTALLED)

# MathJax 3 at the version of site/package-lock.json (npm's cache serves it offline once fetched).
$(SITE_NPM): site/package-lock.json
	cd site && npm ci --no-audit --no-fund --prefer-offline

site: $(SITE_INSTALLED) $(SITE_NPM)
	$(BIN)/python site/build.py
