# cvmreview: two commands for a newcomer, `make run` and `make test` (see README.md).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
DATA_DIR ?= $(CURDIR)/.cvmreview
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install wheel compiled-venv system-packages lint typecheck test test-fast run demo worker migrate bench bench-service bench-pages bench-load clean

# The virtual environment is rebuilt when pyproject.toml or setup.py changes. Editable, so the
# engine is pure Python here: compiled modules in the checkout would shadow edited sources
# (setup.py). The wheel, `pip install .` and the Docker image run the compiled engine.
$(BIN)/.installed: pyproject.toml setup.py
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

install: $(BIN)/.installed

# The wheel with the mypyc-compiled engine, as the Docker image builds it.
wheel: install
	rm -rf dist
	$(BIN)/pip wheel --quiet --no-deps --wheel-dir dist .

# A second venv running that wheel (compiled engine), for `make bench`.
WHEEL_VENV ?= .venv-wheel
compiled-venv: wheel
	rm -rf $(WHEEL_VENV)
	$(PYTHON) -m venv $(WHEEL_VENV)
	$(WHEEL_VENV)/bin/pip install --quiet dist/cvmreview-*.whl
	$(WHEEL_VENV)/bin/cvmreview version

# Debian packages the tests use: real OVMF images and headless Chromium (no browser download).
system-packages:
	@bash scripts/install-system-packages.sh

lint: install
	$(BIN)/ruff check app tests bench scripts migrations setup.py
	$(BIN)/ruff format --check app tests bench scripts migrations setup.py

typecheck: install
	$(BIN)/mypy app

test: install system-packages lint typecheck
	$(BIN)/pytest

test-fast: install
	$(BIN)/pytest -m "not slow and not e2e and not service"

run: install
	$(BIN)/cvmreview demo --data-dir $(DATA_DIR)
	$(BIN)/cvmreview serve --data-dir $(DATA_DIR) --host $(HOST) --port $(PORT)

worker: install
	$(BIN)/cvmreview worker

migrate: install
	$(BIN)/cvmreview db upgrade

# The engine benchmark, pure (this venv) and compiled (the wheel) on the same logs.
bench: install compiled-venv
	$(BIN)/python bench/bench_engine.py --python $(BIN)/python --python $(WHEEL_VENV)/bin/python

bench-service: install
	$(BIN)/python bench/bench_service.py

bench-pages: install
	$(BIN)/python bench/bench_pages.py

bench-load: install
	$(BIN)/python bench/bench_load.py

clean:
	rm -rf $(VENV) $(WHEEL_VENV) build dist .mypy_cache .ruff_cache .pytest_cache $(DATA_DIR)
