# Two-command quick start: `make demo` runs the main job, `make test` the test suite (fast tier;
# `make test-slow` runs the tests marked slow).
# Both create .venv on first use. The CPU build of torch is installed first where this machine
# has it (pip finds it on local disk); elsewhere pip resolves torch from the package index.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python

.PHONY: install demo test test-slow lint docs clean

$(VENV)/.installed: pyproject.toml
	@echo "[1/3] creating the virtual environment $(VENV)"
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	@echo "[2/3] installing torch 2.13.0 (the CPU build, where this machine has it on disk)"
	$(PY) -m pip install --quiet "torch==2.13.0" || echo "torch 2.13.0 CPU build not available here; pip will choose a torch build"
	@echo "[3/3] installing sklatent and its dependencies (one to two minutes)"
	$(PY) -m pip install --progress-bar off -e ".[tests,docs,plotting]"
	touch $@

install: $(VENV)/.installed

demo: install
	$(PY) -m sklatent demo

test: install
	$(PY) -m pytest -n 2 -q -m "not slow"

# The slow tier: the tests that train to full size (CI runs it after `make test`).
test-slow: install
	$(PY) -m pytest -n 2 -q -m slow

lint: install
	$(VENV)/bin/ruff check sklatent tests examples benchmarks docs

docs: install
	$(PY) -m sphinx -W --keep-going -b html docs docs/_build/html

clean:
	rm -rf $(VENV) docs/_build docs/auto_examples docs/generated
