# Two-command quick start: `make demo` runs the main job, `make test` the test suite (fast tier;
# `make test-slow` runs the tests marked slow).
# Both create .venv on first use. The CPU build of torch is installed first where this machine
# has it (pip finds it on local disk); elsewhere pip resolves torch from the package index.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
EXTRAS := tests,docs,plotting

# A dropped connection to the package index must not fail an install: pip retries each
# connection and each interrupted download, and every install command is tried three times
# (pip keeps what it downloaded in its cache, so a retry resumes).
export PIP_RETRIES ?= 10
export PIP_RESUME_RETRIES ?= 10
export PIP_TIMEOUT ?= 60
retry = echo '$(1)'; for attempt in 1 2 3; do $(1) && break; [ $$attempt -lt 3 ] || exit 1; \
	echo "install attempt $$attempt failed (network?); trying again in 30 s"; sleep 30; done

.PHONY: install demo test test-slow test-oldest lint docs clean

$(VENV)/.installed: pyproject.toml
	@echo "[1/3] creating the virtual environment $(VENV)"
	$(PYTHON) -m venv $(VENV)
	@$(call retry,$(PY) -m pip install --quiet --upgrade pip)
	@echo "[2/3] installing torch 2.13.0 (the CPU build, where this machine has it on disk)"
	$(PY) -m pip install --quiet "torch==2.13.0" || echo "torch 2.13.0 CPU build not available here; pip will choose a torch build"
	@echo "[3/3] installing sklatent and its dependencies (one to two minutes)"
	@$(call retry,$(PY) -m pip install --progress-bar off -e ".[$(EXTRAS)]")
	touch $@

install: $(VENV)/.installed

demo: install
	$(PY) -m sklatent demo

test: install
	$(PY) -m pytest -n 2 -q -m "not slow"

# The slow tier: the tests that train to full size (CI runs it after `make test`).
test-slow: install
	$(PY) -m pytest -n 2 -q -m slow

# The fast tests at the oldest versions of the dependencies that pyproject.toml admits
# (.ci/oldest.txt), in a virtual environment of their own (CI runs it after the slow tier).
OLDEST := .venv-oldest
test-oldest:
	$(PYTHON) -m venv $(OLDEST)
	@$(call retry,$(OLDEST)/bin/python -m pip install --quiet --upgrade pip)
	$(OLDEST)/bin/python -m pip install --quiet "torch==2.13.0" || echo "torch 2.13.0 CPU build not available here; pip will choose a torch build"
	@$(call retry,$(OLDEST)/bin/python -m pip install --quiet -c .ci/oldest.txt numpy scipy pandas scikit-learn skorch fairlearn safetensors matplotlib pytest pytest-xdist pyarrow accelerate)
	@$(call retry,$(OLDEST)/bin/python -m pip install --quiet --no-deps -e .)
	$(OLDEST)/bin/python -c "import torch, sklearn, skorch, numpy, pandas; print('oldest: torch', torch.__version__, '| sklearn', sklearn.__version__, '| skorch', skorch.__version__, '| numpy', numpy.__version__, '| pandas', pandas.__version__)"
	$(OLDEST)/bin/python -m pytest -n 2 -q -m "not slow" -p no:cacheprovider

lint: install
	$(VENV)/bin/ruff check sklatent tests examples benchmarks docs

docs: install
	$(PY) -m sphinx -W --keep-going -b html docs docs/_build/html

clean:
	rm -rf $(VENV) $(OLDEST) docs/_build docs/auto_examples docs/generated
