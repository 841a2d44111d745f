# Set-up and checks. `make lab` runs the main job; `make test` is what CI runs (.ci/run).
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
INDUCTIVA_VENV ?= .venv-inductiva
# --no-install-recommends: Chromium's recommends alone are ~115 packages (systemd, cups...).
APT := DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends
# What an install builds from: when none changed, `make lab` starts without reinstalling
# (the package is installed editable, so Python edits need no reinstall).
BUILD_INPUTS := pyproject.toml hatch_build.py js/package-lock.json js/build.mjs \
	$(wildcard labextension/package.json labextension/package-lock.json) \
	$(shell find js/src labextension/src labextension/style labextension/schema -type f 2>/dev/null)
# A missing bundle (static/ is gitignored) forces a rebuild whatever the stamps say.
NO_BUNDLE := $(if $(wildcard inductiva_widgets/static/storage_browser.js),,FORCE)

.PHONY: lab demo test install-lab install-test node chromium inductiva-client lint bench FORCE

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip

# Node.js/npm build the widgets' front end during `pip install` (js/ -> inductiva_widgets/static).
node:
	@command -v npm >/dev/null || (apt-get update -q && $(APT) nodejs npm)

# Debian's Chromium runs the real-browser tests (never `playwright install`: no internet).
chromium:
	@test -x /usr/bin/chromium || (apt-get update -q && $(APT) chromium)

$(VENV)/.installed-lab: $(BUILD_INPUTS) $(NO_BUNDLE) | $(PY)
	$(MAKE) -s node
	$(PY) -m pip install -q -e ".[lab,aws]"
	touch $@

$(VENV)/.installed-test: $(BUILD_INPUTS) $(NO_BUNDLE) | $(PY)
	$(MAKE) -s node
	$(PY) -m pip install -q -e ".[test]"
	touch $@ $(VENV)/.installed-lab

FORCE:

install-lab: $(VENV)/.installed-lab

install-test: $(VENV)/.installed-test chromium

# The unmodified inductiva client pins old libraries, so it lives in a venv of its own.
inductiva-client: $(INDUCTIVA_VENV)/.installed

$(INDUCTIVA_VENV)/.installed:
	test -x $(INDUCTIVA_VENV)/bin/python || $(PYTHON) -m venv $(INDUCTIVA_VENV)
	$(INDUCTIVA_VENV)/bin/python -m pip install -q "inductiva[aws]==0.18.12"
	touch $@

# The main job: demo storage + JupyterLab on the tour notebook (prints the URL to open).
lab: install-lab
	$(VENV)/bin/inductiva-widgets lab

# Only the storage server, with demo data.
demo: install-lab
	$(VENV)/bin/inductiva-widgets serve --demo

test: install-test inductiva-client
	cd js && npm test
	# Two workers, each test file whole on one (its module fixtures built once): 12 -> 8 min.
	INDUCTIVA_CLIENT_PYTHON=$(abspath $(INDUCTIVA_VENV))/bin/python $(PY) -m pytest -n 2 --dist loadfile

lint: install-test
	$(VENV)/bin/ruff check .
	cd js && npx eslint .

bench: install-test inductiva-client
	$(PY) benchmarks/server_listing.py
	$(PY) benchmarks/server_under_attack.py
	$(PY) benchmarks/transfers.py
	$(PY) benchmarks/widget_transfers.py
