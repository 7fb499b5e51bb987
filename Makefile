# make run  — venv, install, migrate SQLite, load demo data, serve http://127.0.0.1:8000
# make test — lint + the whole test suite

SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin
HOST_PORT ?= 127.0.0.1:8000

# The first interpreter that really runs and is Python >= 3.12. pyenv shims for versions that are
# installed but not selected exist yet fail when run, so every candidate is probed by running it.
PYTHON_CANDIDATES := python3 python3.14 python3.13 python3.12 $(sort $(wildcard $(HOME)/.pyenv/versions/3.1[2-9]*/bin/python3))
PYTHON ?= $(shell for p in $(PYTHON_CANDIDATES); do \
	if "$$p" -c 'import sys; sys.exit(sys.version_info < (3, 12))' >/dev/null 2>&1; then command -v "$$p"; break; fi; done)

.PHONY: run test lint check-migrations pytest install demo bench clean

$(BIN)/.installed: pyproject.toml
	@if [ -z "$(PYTHON)" ]; then \
		echo "isoapp needs Python 3.12 or newer, and none was found (tried: $(PYTHON_CANDIDATES))."; \
		echo "Install Python 3.12+ and run make again, or point to it: make PYTHON=/path/to/python3.12 run"; \
		exit 1; fi
	@echo "Using $(PYTHON) ($$($(PYTHON) --version))"
	@[ -x $(BIN)/python ] || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	@touch $@

install: $(BIN)/.installed

demo: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py load_demo

run: demo
	@echo "Serving http://$(HOST_PORT)/ (Ctrl+C stops it)"
	@echo "Sign in at http://$(HOST_PORT)/accounts/login/ with a demo account above; editors and reviewers work in http://$(HOST_PORT)/admin/"
	$(BIN)/python manage.py runserver $(HOST_PORT)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

check-migrations: install
	$(BIN)/python manage.py makemigrations --check --dry-run

pytest: install
	$(BIN)/python -m pytest $(PYTEST_ARGS)

test: lint check-migrations pytest

bench: install
	$(BIN)/python bench/article_page.py

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .ruff_cache
