# BillPay: `make run` brings the app up on a fresh machine; `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

# Tests run against real PostgreSQL and Redis on this machine unless overridden.
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/billpay
TEST_REDIS_URL ?= redis://127.0.0.1:6379/0

.PHONY: install run test lint format bench clean messages

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $@

install: $(STAMP)

run: install
	mkdir -p var
	$(BIN)/python manage.py migrate --noinput
	@# Sandbox books for the demo company (once), then the demo logins linked to them.
	$(BIN)/python manage.py sandbox_seed --company-name "Acme Plumbing Ltd" --bills 150 --if-missing > var/sandbox-ids.txt
	$(BIN)/python manage.py seed_demo $$(sed -n 's/^company_id=/--codat-company-id=/p; s/^connection_id=/--codat-connection-id=/p' var/sandbox-ids.txt)
	@echo
	@echo "  BillPay is starting at http://127.0.0.1:8000  (Ctrl-C stops everything)"
	@echo "  Log in as owner@example.com or accountant@example.com, password billpay-demo"
	@echo
	PATH="$(CURDIR)/$(BIN):$$PATH" GUNICORN_CMD_ARGS="--bind 127.0.0.1:8000 --workers 2" \
		SANDBOX_WEBHOOK_URL="$${SANDBOX_WEBHOOK_URL-http://127.0.0.1:8000/webhooks/codat/}" \
		$(BIN)/honcho start web worker beat

test: install
	DATABASE_URL="$${DATABASE_URL:-$(TEST_DATABASE_URL)}" REDIS_URL="$${REDIS_URL:-$(TEST_REDIS_URL)}" \
		$(BIN)/pytest $(PYTEST_ARGS); rc=$$?; \
		if [ $$rc -eq 5 ]; then echo "pytest collected no tests: that is a failure here."; exit 1; fi; \
		exit $$rc

bench: install
	$(BIN)/python -m tests.bench

# The full chaos run (5,000 bills, 300 payments; `make test` runs the short one).
chaos: install
	CHAOS_FULL=1 DATABASE_URL="$${DATABASE_URL:-$(TEST_DATABASE_URL)}" REDIS_URL="$${REDIS_URL:-$(TEST_REDIS_URL)}" \
		$(BIN)/pytest tests/chaos -m chaos -q -s -n 0

# Translations: collect the strings marked for translation into locale/fr/LC_MESSAGES/django.po
# (needs GNU gettext's xgettext), then compile every .po to its committed .mo with Babel.
messages: install
	$(BIN)/python manage.py makemessages -l fr --no-location --no-obsolete --ignore=.venv --ignore=var --ignore=tests
	$(BIN)/python manage.py compile_catalogues

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf var $(VENV)
