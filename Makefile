# Two-command quick start: `make run` and `make test` (each creates .venv when missing).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PIP    := $(BIN)/python -m pip
UV     := $(BIN)/uv
# Python caches the bytecode of what it imports in .venv (an environment that sets
# PYTHONDONTWRITEBYTECODE would otherwise recompile scipy, numba and Qt in every process).
PY_ENV := env -u PYTHONDONTWRITEBYTECODE

.PHONY: run test bench clean

# The venv starts without pip: ensurepip alone took 9-12 s here. uv comes from the base
# Python's pip when it has one (`pip --python` installs into the venv), else from a pip
# bootstrapped into the venv; uv then installs everything else, pip included.
$(BIN)/python:
	$(PYTHON) -m venv --without-pip $(VENV)

# uv resolves, downloads and installs in parallel: the test extra (mne, dask, pyarrow ...)
# installs in about a fifth of pip's time. Bytecode is compiled as modules are first
# imported, not all at install.
$(UV): | $(BIN)/python
	$(PYTHON) -m pip --python $(BIN)/python install --disable-pip-version-check -q uv 2>/dev/null \
	  || { $(BIN)/python -m ensurepip >/dev/null && $(PIP) install --disable-pip-version-check -q uv; }

# One stamp per install flavour, redone when pyproject.toml changes.
$(VENV)/.installed: pyproject.toml | $(UV)
	$(UV) pip install --python $(BIN)/python -q -e . pip
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(UV)
	$(UV) pip install --python $(BIN)/python -q -e '.[test]' pip
	touch $@ $(VENV)/.installed

run: $(VENV)/.installed
	$(PY_ENV) $(BIN)/emgmap gui

# pytest workers: one per core plus one, at most 4. The suite is a third waiting on devices,
# ptys and subprocesses, so a third worker fills the waits (2 cores: 178 s with 3 workers,
# 187 s with 2, 199 s with 4).
WORKERS ?= $(shell $(PYTHON) -c "import os; print(min(4, (os.cpu_count() or 1) + 1))")
test: $(VENV)/.installed-test
	$(PY_ENV) QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest -q -n $(WORKERS)

clean:
	rm -rf $(VENV) build *.egg-info
