# `make demo` and `make test` each create .venv and install first; nothing else is needed.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test bench install system-deps clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test,bench]'
	touch $(STAMP)

install: $(STAMP)

# Debian packages some tests and benchmarks need (listed in .ci/apt-packages.txt).
system-deps:
	bash .ci/install-apt-packages

demo: $(STAMP)
	$(BIN)/newswatch demo

test: $(STAMP) system-deps
	$(BIN)/python -m pytest -q $(PYTEST_ARGS)

bench: $(STAMP) system-deps
	$(BIN)/python bench/run.py $(if $(QUICK),--quick,) $(BENCH_ARGS)

clean:
	rm -rf $(VENV) *.egg-info .pytest_cache
