# Two commands run everything: `make run` and `make test`. See README.md.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed-requirements
DEV_ENV := DJANGO_DEBUG=1
# Tests run with production settings (debug off), so they need a secret key.
TEST_ENV := DJANGO_SECRET_KEY=test-only-secret-key-not-for-production

# `make prod` runs the production setup on this machine: gunicorn, a Celery worker and beat,
# on the local PostgreSQL and Redis unless DATABASE_URL / REDIS_URL say otherwise.
PROD_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/campaign
PROD_REDIS_URL ?= redis://127.0.0.1:6379/0
PROD_ENV = DATABASE_URL=$${DATABASE_URL:-$(PROD_DATABASE_URL)} REDIS_URL=$${REDIS_URL:-$(PROD_REDIS_URL)} \
	DJANGO_SECRET_KEY=$${DJANGO_SECRET_KEY:-$$(cat var/prod-secret-key)} SITE_URL=$${SITE_URL:-http://127.0.0.1:8000}

.PHONY: install run demo migrate worker beat test lint format clean prod bench bench-erasure

$(INSTALLED): requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.txt
	touch $(INSTALLED)

install: $(INSTALLED)

migrate: install
	$(DEV_ENV) $(BIN)/python manage.py migrate --noinput

demo: migrate
	$(DEV_ENV) $(BIN)/python manage.py demo_volunteers
	$(DEV_ENV) $(BIN)/python manage.py demo_events
	$(DEV_ENV) $(BIN)/python manage.py demo_donations

run: demo
	$(DEV_ENV) $(BIN)/python manage.py create_organiser
	@echo "Serving on http://127.0.0.1:8000 (Ctrl-C to stop)"
	$(DEV_ENV) $(BIN)/python manage.py runserver 127.0.0.1:8000

worker: install
	@test -n "$$REDIS_URL" || (echo "Set REDIS_URL, e.g. redis://127.0.0.1:6379/0"; exit 1)
	$(BIN)/celery -A campaign_site worker --loglevel=info --concurrency=2

beat: install
	@test -n "$$REDIS_URL" || (echo "Set REDIS_URL, e.g. redis://127.0.0.1:6379/0"; exit 1)
	$(BIN)/celery -A campaign_site beat --loglevel=info --schedule=var/celerybeat-schedule

var/prod-secret-key:
	mkdir -p var
	$(PYTHON) -c "import secrets; print(secrets.token_urlsafe(50))" > $@
	chmod 600 $@

prod: install var/prod-secret-key
	createdb -h 127.0.0.1 -U postgres campaign 2>/dev/null || true
	$(PROD_ENV) $(BIN)/python manage.py migrate --noinput
	$(PROD_ENV) $(BIN)/python manage.py collectstatic --noinput --verbosity 0
	$(PROD_ENV) $(BIN)/python manage.py create_organiser
	@echo "Serving on http://127.0.0.1:8000 with gunicorn, a Celery worker and beat (Ctrl-C stops all)"
	trap 'kill 0' INT TERM EXIT; \
	$(PROD_ENV) $(BIN)/celery -A campaign_site worker --loglevel=warning --concurrency=2 & \
	$(PROD_ENV) $(BIN)/celery -A campaign_site beat --loglevel=warning --schedule=var/celerybeat-schedule & \
	$(PROD_ENV) $(BIN)/gunicorn -c python:campaign_site.gunicorn_conf campaign_site.wsgi

# A load benchmark of the production setup (not a test): see tests/benchmarks/run.py.
bench: install
	@command -v wrk >/dev/null || (apt-get update -qq && apt-get install -y -qq wrk)
	$(BIN)/python -m tests.benchmarks.run $(BENCH_ARGS)

# Erasing 50,000 supporters with 2,000,000 outbox rows, before and after (not a test):
# see tests/benchmarks/erasure.py. Needs PostgreSQL only.
bench-erasure: install
	$(BIN)/python -m tests.benchmarks.erasure $(BENCH_ARGS)

test: install
	$(TEST_ENV) $(BIN)/python manage.py collectstatic --noinput --verbosity 0
	$(TEST_ENV) $(BIN)/pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf var/staticfiles var/mail .pytest_cache
