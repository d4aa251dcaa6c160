# `make demo` and `make test` each create .venv and install first; nothing else is needed.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# pywb, the web archive of tests/test_backfill.py, pins redis 2.x: it cannot share .venv with the
# redis extra, so it gets a virtualenv of its own.
PYWB := .venv-pywb/bin/wayback

.PHONY: demo test bench install system-deps clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test,bench]'
	touch $(STAMP)

$(PYWB):
	$(PYTHON) -m venv .venv-pywb
	.venv-pywb/bin/python -m pip install --quiet 'pywb>=2.10,<3'

install: $(STAMP) $(PYWB)

# Debian packages some tests and benchmarks need (listed in .ci/apt-packages.txt).
system-deps:
	bash .ci/install-apt-packages

demo: $(STAMP)
	$(BIN)/newswatch demo

# pytest-xdist: most tests wait on child processes and sockets, so more workers than the two cores
# of CI pay; a module sharing one set-up (a crawl, a server) stays on one worker (--dist loadgroup).
TEST_WORKERS ?= 4

test: $(STAMP) $(PYWB) system-deps
	$(BIN)/python -m pytest -q -n $(TEST_WORKERS) --dist loadgroup $(PYTEST_ARGS)

bench: $(STAMP) system-deps
	$(BIN)/python bench/run.py $(if $(QUICK),--quick,) $(BENCH_ARGS)

clean:
	rm -rf $(VENV) .venv-pywb *.egg-info .pytest_cache
