# Two commands on a fresh machine (Python 3.11+):
#   make run    install and start the gateway with embedded defaults (demo model, no Redis)
#   make test   install the test dependencies and run the whole test suite
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin

.PHONY: run test install install-test system-deps lint clean

# Progress lines (in French, like the gateway's messages): pip runs --quiet, and a first
# install downloads a few hundred MB without a word otherwise.
$(BIN)/python:
	@echo "» [1/3] Création de l'environnement Python dans $(VENV)…"
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	@echo "» [2/3] Installation de Garde-fou et de ses dépendances (première fois : quelques minutes, dont le modèle de langue français)…"
	$(BIN)/pip install --quiet -e .
	@echo "» Installation terminée."
	touch $@

# The sign-in tests run a real OpenID provider (tests/oidc, npm's oidc-provider) on node:
# its locked dependencies are installed here when node is present (else those tests skip).
$(VENV)/.installed-test: pyproject.toml plugins/gardefou-intl-ids/pyproject.toml tests/oidc/package-lock.json | $(BIN)/python
	@echo "» Installation de Garde-fou et des dépendances de test (première fois : quelques minutes)…"
	$(BIN)/pip install --quiet -e '.[test,research]' -e plugins/gardefou-intl-ids
	if command -v npm >/dev/null 2>&1; then npm ci --prefix tests/oidc --no-audit --no-fund --silent; fi
	@echo "» Installation terminée."
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

run: install
	@echo "» [3/3] Démarrage de la passerelle (10 à 20 s ; la clé et les exemples s'affichent quand elle est prête)…"
	$(BIN)/gardefou serve --demo

# Tools some tests drive: Debian's chromium (dashboard browser tests), docker-compose
# (validates docker/compose.yaml without an engine) and nodejs/npm (the test OpenID provider). Installed when we can (root + apt);
# otherwise those tests are skipped and say why.
SYSTEM_TOOLS := chromium docker-compose node npm
system-deps:
	@missing=""; for t in $(SYSTEM_TOOLS); do command -v $$t >/dev/null 2>&1 || missing="$$missing $$t"; done; \
	missing=$$(echo "$$missing" | sed 's/\bnode\b/nodejs/'); \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  else echo "not installed:$$missing (the tests that need them will be skipped)"; fi; fi

test: system-deps install-test
	$(BIN)/pytest

$(VENV)/.installed-lint: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[lint]'
	touch $@

# The same commands as .pre-commit-config.yaml's hooks: ruff, then mypy (strict on gateway/,
# configured in pyproject.toml).
lint: $(VENV)/.installed-lint
	$(BIN)/ruff check gateway tests
	$(BIN)/mypy

clean:
	rm -rf $(VENV) .pytest_cache
