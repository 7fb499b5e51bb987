# make run  — venv, install, migrate SQLite, load demo data, serve http://127.0.0.1:8000
# make test — lint + the whole test suite
# make bench-http — isoapp against a bare-Django floor under gunicorn and wrk (bench/RESULTS.md)
# make stack / make stack-down — the scale-out rehearsal: nginx, two gunicorn instances and the
#   task worker on loopback, on the local PostgreSQL and Redis (deploy/stack/stack.py)

SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin
HOST_PORT ?= 127.0.0.1:8000

# The first interpreter that really runs and is Python >= 3.12. pyenv shims for versions that are
# installed but not selected exist yet fail when run, so every candidate is probed by running it.
PYTHON_CANDIDATES := python3 python3.14 python3.13 python3.12 $(sort $(wildcard $(HOME)/.pyenv/versions/3.1[2-9]*/bin/python3))
PYTHON ?= $(shell for p in $(PYTHON_CANDIDATES); do \
	if "$$p" -c 'import sys; sys.exit(sys.version_info < (3, 12))' >/dev/null 2>&1; then command -v "$$p"; break; fi; done)

.PHONY: run test lint check-migrations pytest install demo bench bench-http clean stack stack-down

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

# Ports and services: STACK_PORT (8080), STACK_WEB_PORTS ("8001 8002"), STACK_SMTP_PORT (8025),
# STACK_DATABASE_URL (.../isoapp_stack), STACK_REDIS_URL (redis://127.0.0.1:6379/15).
STACK_DIR ?= .stack
stack: install
	$(BIN)/python deploy/stack/stack.py up --run-dir $(STACK_DIR)

# Only what `make stack` started, by its pid files in $(STACK_DIR)/pids.
stack-down:
	$(if $(wildcard $(BIN)/python),$(BIN)/python,python3) deploy/stack/stack.py down --run-dir $(STACK_DIR)

bench: install
	$(BIN)/python bench/article_page.py

# isoapp under gunicorn against a constant-serving floor, with wrk on loopback, on SQLite and
# PostgreSQL (10,000 synthetic articles); about 12 minutes, never more than BENCH_MAX_SECONDS.
# Needs wrk (apt-get install wrk), PostgreSQL at BENCH_PG_URL and Redis at BENCH_REDIS_URL.
# Not part of `make test`. Settings and what it prints: bench/http_bench.py; results: bench/RESULTS.md.
bench-http: install
	$(BIN)/python bench/http_bench.py

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .ruff_cache
