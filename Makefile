# cvmreview: two commands for a newcomer, `make run` and `make test` (see README.md).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
DATA_DIR ?= $(CURDIR)/.cvmreview
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install native system-packages lint typecheck test test-fast run demo worker migrate bench bench-service bench-pages bench-load clean

# The virtual environment is rebuilt when pyproject.toml changes.
$(BIN)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

# The engine's hot modules compiled with mypyc into .native/ (used only while fresh).
native: $(BIN)/.installed
	$(BIN)/python scripts/build_native.py

install: $(BIN)/.installed native

# Debian packages the tests use: real OVMF images and headless Chromium (no browser download).
system-packages:
	@bash scripts/install-system-packages.sh

lint: install
	$(BIN)/ruff check app tests bench scripts migrations
	$(BIN)/ruff format --check app tests bench scripts migrations

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

bench: install
	$(BIN)/python bench/bench_engine.py

bench-service: install
	$(BIN)/python bench/bench_service.py

bench-pages: install
	$(BIN)/python bench/bench_pages.py

bench-load: install
	$(BIN)/python bench/bench_load.py

clean:
	rm -rf $(VENV) .native .mypy_cache .ruff_cache .pytest_cache $(DATA_DIR)
