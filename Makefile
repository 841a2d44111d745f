# Set-up and checks. `make lab` runs the main job; `make test` is what CI runs (.ci/run).
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
INDUCTIVA_VENV ?= .venv-inductiva
APT := DEBIAN_FRONTEND=noninteractive apt-get install -y -q

.PHONY: lab demo test install-lab install-test node chromium inductiva-client lint bench

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip

# Node.js/npm build the widgets' front end during `pip install` (js/ -> inductiva_widgets/static).
node:
	@command -v npm >/dev/null || (apt-get update -q && $(APT) nodejs npm)

# Debian's Chromium runs the real-browser tests (never `playwright install`: no internet).
chromium:
	@test -x /usr/bin/chromium || (apt-get update -q && $(APT) chromium)

install-lab: $(PY) node
	$(PY) -m pip install -q -e ".[lab,aws]"

install-test: $(PY) node chromium
	$(PY) -m pip install -q -e ".[test]"

# The unmodified inductiva client pins old libraries, so it lives in a venv of its own.
inductiva-client:
	test -x $(INDUCTIVA_VENV)/bin/python || $(PYTHON) -m venv $(INDUCTIVA_VENV)
	$(INDUCTIVA_VENV)/bin/python -m pip install -q "inductiva[aws]==0.18.12"

# The main job: demo storage + JupyterLab on the tour notebook (prints the URL to open).
lab: install-lab
	$(VENV)/bin/inductiva-widgets lab

# Only the storage server, with demo data.
demo: install-lab
	$(VENV)/bin/inductiva-widgets serve --demo

test: install-test inductiva-client
	cd js && npm test
	INDUCTIVA_CLIENT_PYTHON=$(abspath $(INDUCTIVA_VENV))/bin/python $(PY) -m pytest

lint: install-test
	$(VENV)/bin/ruff check .
	cd js && npx eslint .

bench: install-test inductiva-client
	$(PY) benchmarks/server_listing.py
	$(PY) benchmarks/server_under_attack.py
	$(PY) benchmarks/transfers.py
	$(PY) benchmarks/widget_transfers.py
