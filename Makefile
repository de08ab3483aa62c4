# The portal's commands. `make run` and `make test` are all a newcomer needs (README.md).
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
# The development server and the demo run with DEBUG on; production sets its own environment.
DEV_ENV := DEBUG=true

.PHONY: help setup run test lint format check clean backup restore

help:
	@echo "make run    set up (venv, packages, SQLite, demo data) and serve on http://$(HOST):$(PORT)/"
	@echo "make setup  the same without serving"
	@echo "make test   run the whole test suite (SQLite; PostgreSQL when DATABASE_URL is set)"
	@echo "make lint   ruff check, ruff format --check and mypy"
	@echo "make backup write backups/<UTC time>/: the database (pg_dump or SQLite backup), media, manifest"
	@echo "make restore BACKUP=backups/<UTC time>  restore into an empty database and verify it"

# A venv made by a Python >= 3.12; remade when it was made by an older one.
$(VENV)/.python-ok:
	@python=$$(scripts/find-python) || exit 1; \
	if [ -x $(PY) ] && ! $(PY) -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; then \
	  echo "Removing $(VENV), made by a Python older than 3.12"; rm -rf $(VENV); fi; \
	if [ ! -x $(PY) ]; then \
	  echo "Creating $(VENV) with $$python"; \
	  $$python -m venv $(VENV) || { echo "Could not create a venv: install the venv module (e.g. apt-get install python3-venv)." >&2; exit 1; }; \
	fi
	@touch $@

$(VENV)/.requirements: $(VENV)/.python-ok requirements.txt
	@scripts/system-packages runtime
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	@touch $@

$(VENV)/.requirements-dev: $(VENV)/.requirements requirements-dev.txt
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	@touch $@

setup: $(VENV)/.requirements
	$(DEV_ENV) $(PY) manage.py migrate --no-input
	$(DEV_ENV) $(PY) manage.py load_demo

run: setup
	@echo
	@echo "The portal is at http://$(HOST):$(PORT)/  (admin: http://$(HOST):$(PORT)/admin/)"
	@echo "Demo logins are listed above and in README.md. Stop with Ctrl+C."
	@# The task worker (certificate batches) runs beside the server and stops with it.
	@$(DEV_ENV) $(PY) manage.py db_worker & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT INT TERM; \
	$(DEV_ENV) $(PY) manage.py runserver $(HOST):$(PORT)

test: $(VENV)/.requirements-dev
	@scripts/system-packages test
	$(PY) -m pytest $(PYTEST_ARGS)

lint: $(VENV)/.requirements-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	TESTING=1 $(VENV)/bin/mypy

format: $(VENV)/.requirements-dev
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

check: $(VENV)/.requirements-dev
	TESTING=1 $(PY) manage.py check
	TESTING=1 $(PY) manage.py makemigrations --check --dry-run

# Backups of the database in DATABASE_URL (default: the SQLite file) and of MEDIA_ROOT; see
# README.md, "Backup and restore". Extra options: BACKUP_ARGS / RESTORE_ARGS (e.g. --force).
backup:
	scripts/backup $(BACKUP_ARGS)

restore:
	@test -n "$(BACKUP)" || { echo "Name the backup: make restore BACKUP=backups/<UTC time>" >&2; exit 2; }
	scripts/restore "$(BACKUP)" $(RESTORE_ARGS)

clean:
	rm -rf $(VENV) db.sqlite3 db.sqlite3-* staticfiles
