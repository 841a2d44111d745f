# Set-up and checks. `make test` is what CI runs (.ci/run); `make demo` runs the main job.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
INDUCTIVA_VENV ?= .venv-inductiva

.PHONY: demo test install install-test system-deps inductiva-client lint bench

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip

install: $(PY)
	$(PY) -m pip install -q -e ".[server]"

install-test: $(PY) system-deps
	$(PY) -m pip install -q -e ".[test]"

# Node.js/npm build the widgets' front end (during pip install); Chromium runs the UI tests.
system-deps:
	@command -v npm >/dev/null || (apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q nodejs npm)
	@test -x /usr/bin/chromium || (apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium)

# The unmodified inductiva client pins old libraries, so it lives in a venv of its own.
inductiva-client:
	test -x $(INDUCTIVA_VENV)/bin/python || $(PYTHON) -m venv $(INDUCTIVA_VENV)
	$(INDUCTIVA_VENV)/bin/python -m pip install -q "inductiva[aws]==0.18.12"

demo: install
	$(VENV)/bin/inductiva-widgets serve --demo

test: install-test inductiva-client
	cd js && npm test
	INDUCTIVA_CLIENT_PYTHON=$(abspath $(INDUCTIVA_VENV))/bin/python $(PY) -m pytest

lint: install-test
	$(VENV)/bin/ruff check .

bench: install-test inductiva-client
	INDUCTIVA_CLIENT_PYTHON=$(abspath $(INDUCTIVA_VENV))/bin/python $(PY) benchmarks/server_listing.py
