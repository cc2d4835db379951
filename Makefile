# Two commands on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PYTEST_ARGS ?=

.PHONY: demo test lint install migrate seed serve worker beat bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

# Sets up everything on the embedded default (SQLite, in-process tasks),
# loads demo data of both delivery models, computes the reports and serves.
demo: export DEBUG ?= 1
# The worked example of domain.md is set in New York.
demo: export TIME_ZONE ?= America/New_York
demo: $(STAMP)
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py seed_demo --keep-existing
	@echo
	@echo "Reports: http://127.0.0.1:8000/reports/  (leadership lands on the latest report)"
	@echo "Admin:   http://127.0.0.1:8000/admin/"
	@echo "API:     http://127.0.0.1:8000/api/docs/"
	@echo "Logins:  operations / operations-demo   leadership / leadership-demo   admin / admin-demo"
	@echo
	$(BIN)/python manage.py runserver 127.0.0.1:8000

# Static checks: ruff (rules in pyproject.toml) and mypy with the django/DRF stubs.
lint: $(STAMP)
	$(BIN)/ruff check . && $(BIN)/mypy engagements sla billing reports config importers

# Lints first, then runs the whole suite; DATABASE_URL / CELERY_BROKER_URL choose the stack.
test: $(STAMP) lint
	$(BIN)/python -m pytest $(PYTEST_ARGS); status=$$?; \
	if [ $$status -eq 5 ]; then echo "pytest collected no tests: failing on purpose"; exit 1; fi; exit $$status

worker: $(STAMP)
	$(BIN)/celery -A config worker --loglevel=INFO

beat: $(STAMP)
	$(BIN)/celery -A config beat --loglevel=INFO

bench: $(STAMP)
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) var
