# Two commands on a fresh machine (Python 3.11+):
#   make run    install and start the gateway with embedded defaults (demo model, no Redis)
#   make test   install the test dependencies and run the whole test suite
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin

.PHONY: run test install install-test browser lint clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml plugins/gardefou-intl-ids/pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]' -e plugins/gardefou-intl-ids
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

run: install
	$(BIN)/gardefou serve --demo

# The dashboard's browser test needs Debian's chromium; install it when we can (root + apt).
browser:
	@command -v chromium >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null \
	  && (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
	  || echo "chromium not installed: the dashboard browser test will be skipped"; }

test: install-test browser
	$(BIN)/pytest

lint:
	$(BIN)/python -m ruff check gateway tests

clean:
	rm -rf $(VENV) .pytest_cache
