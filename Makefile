# The two set-up commands of the README: `make demo` and `make test`.
VENV ?= .venv
PY := $(VENV)/bin/python
PYTHON ?= python3.11
HOST ?= 127.0.0.1
PORT ?= 8000
export STQ_DEBUG ?= 1

.PHONY: demo test install lint messages run worker

$(VENV)/.installed: pyproject.toml
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "$(PYTHON) not found; set PYTHON=python3"; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e ".[dev]"
	touch $@

# the test suite also drives the load script (tests/load): locust comes with the "load" extra
$(VENV)/.installed-test: $(VENV)/.installed pyproject.toml
	$(PY) -m pip install -q -e ".[dev,load]"
	touch $@

install: $(VENV)/.installed

demo: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo
	@echo; echo "STQ is starting on http://$(HOST):$(PORT)/ — demo accounts (user, password, role, unit):"
	@$(PY) manage.py demo_accounts | column -t -s "$$(printf '\t')" || $(PY) manage.py demo_accounts
	@echo
	$(PY) manage.py runserver $(HOST):$(PORT)

test: $(VENV)/.installed-test
	scripts/run-tests.sh

lint: install
	$(VENV)/bin/ruff check src tests benchmarks

# Regenerate the translation catalogue after changing user-facing strings (needs GNU gettext).
messages: install
	cd src/stq && ../../$(PY) ../../manage.py makemessages -l vi --no-obsolete && ../../$(PY) ../../manage.py compilemessages

worker: install
	$(PY) manage.py db_worker
