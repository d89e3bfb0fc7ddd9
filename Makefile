# Two commands run everything: `make run` and `make test`. See README.md.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed-requirements
INSTALLED_DEV := $(VENV)/.installed-requirements-dev
DEV_ENV := DJANGO_DEBUG=1
# `make run` serves here (RUN_ADDRESS=127.0.0.1:8001 make run for another port); links in the
# demo emails and the printed login follow it unless SITE_URL is set.
RUN_ADDRESS ?= 127.0.0.1:8000
RUN_ENV = $(DEV_ENV) PYTHONUNBUFFERED=1 SITE_URL=$${SITE_URL:-http://$(RUN_ADDRESS)}
# No beat under `make run`: the server process runs the periodic sweeps (reminders, alerts,
# email retries) itself. Only the server: the demo commands before it must not race them.
SWEEP_ENV := RUN_SWEEPS_IN_PROCESS=1
# Waits (up to a minute) until something accepts connections at host:port.
WAIT_FOR_SERVER := import socket, sys, time; host, _, port = sys.argv[1].rpartition(":"); \
  sys.exit(not any(socket.socket().connect_ex((host, int(port))) == 0 or time.sleep(0.25) \
  for _ in range(240)))
# Tests run with production settings (debug off), so they need a secret key and the site's
# address; without PostgreSQL and Redis they run as the one-process demo does.
TEST_ENV := DJANGO_SECRET_KEY=test-only-secret-key-not-for-production \
	SITE_URL=$${SITE_URL:-http://localhost:8000} \
	$(if $(and $(DATABASE_URL),$(REDIS_URL)),,SINGLE_PROCESS=1)

# `make prod` runs the production setup on this machine: gunicorn, a Celery worker and beat,
# on the local PostgreSQL and Redis unless DATABASE_URL / REDIS_URL say otherwise.
PROD_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/campaign
PROD_REDIS_URL ?= redis://127.0.0.1:6379/0
PROD_ENV = DATABASE_URL=$${DATABASE_URL:-$(PROD_DATABASE_URL)} REDIS_URL=$${REDIS_URL:-$(PROD_REDIS_URL)} \
	DJANGO_SECRET_KEY=$${DJANGO_SECRET_KEY:-$$(cat var/prod-secret-key)} SITE_URL=$${SITE_URL:-http://127.0.0.1:8000}

.PHONY: install install-dev run demo migrate worker beat test lint format clean prod bench bench-update-send bench-phonebank bench-erasure bench-cluster bench-tps

$(INSTALLED): requirements.txt
	@echo "Installing the requirements into $(VENV) (the first time takes a few minutes)..."
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/pip install --quiet --upgrade pip
	@$(BIN)/pip install --quiet -r requirements.txt
	@touch $(INSTALLED)

# Tests and tooling (pytest, Playwright, ruff, mypy) go in only for `make test` and `make lint`.
$(INSTALLED_DEV): $(INSTALLED) requirements-dev.txt
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $(INSTALLED_DEV)

install: $(INSTALLED)

install-dev: $(INSTALLED_DEV)

migrate: install
	@$(DEV_ENV) $(BIN)/python manage.py migrate --noinput --verbosity 0
	@echo "Database: up to date."

demo: migrate
	@$(RUN_ENV) $(BIN)/python manage.py demo_volunteers
	@$(RUN_ENV) $(BIN)/python manage.py demo_events
	@$(RUN_ENV) $(BIN)/python manage.py demo_donations

# The server starts first; once it accepts connections the organiser login is printed, so it
# is the last thing on the screen. Ctrl-C (or a TERM) stops the server too.
run: demo
	@echo "Starting the site on http://$(RUN_ADDRESS) (Ctrl-C to stop)..."
	@$(RUN_ENV) $(SWEEP_ENV) DJANGO_RUNSERVER_HIDE_WARNING=true $(BIN)/python manage.py runserver $(RUN_ADDRESS) & \
	server=$$!; \
	trap 'kill $$server 2>/dev/null; wait $$server; exit 130' INT TERM; \
	if $(BIN)/python -c '$(WAIT_FOR_SERVER)' $(RUN_ADDRESS) && kill -0 $$server 2>/dev/null; then \
	  $(RUN_ENV) $(BIN)/python manage.py create_organiser; \
	fi; \
	wait $$server

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
bench: install-dev
	@command -v wrk >/dev/null || (apt-get update -qq && apt-get install -y -qq wrk)
	$(BIN)/python -m tests.benchmarks.run $(BENCH_ARGS)

# Requests per second through HAProxy with one and with two web hosts, each host a network
# namespace (needs root): see tests/benchmarks/cluster.py.
bench-cluster: install-dev
	@command -v wrk >/dev/null || (apt-get update -qq && apt-get install -y -qq wrk)
	@command -v haproxy >/dev/null || (apt-get update -qq && apt-get install -y -qq haproxy)
	$(BIN)/python -m tests.benchmarks.cluster $(BENCH_ARGS)

# An update to 20,000 supporters through a real worker to a local SMTP server (see the
# script's docstring); on a scratch database and a Redis database no other worker uses.
BENCH_UPDATE_ENV = DATABASE_URL=postgres://postgres@127.0.0.1:5432/campaign_bench_update \
	REDIS_URL=redis://127.0.0.1:6379/14 DJANGO_SECRET_KEY=bench-update-send-secret-key
bench-update-send: install-dev
	createdb -h 127.0.0.1 -U postgres campaign_bench_update 2>/dev/null || true
	$(BENCH_UPDATE_ENV) $(BIN)/python manage.py migrate --noinput -v0
	$(BENCH_UPDATE_ENV) $(BIN)/python -m tests.benchmarks.update_send $(BENCH_ARGS)

# 100 simulated callers against a 50,000-contact call list (not a test): see
# tests/benchmarks/phonebank.py.
bench-phonebank: install-dev
	$(BIN)/python -m tests.benchmarks.phonebank $(BENCH_ARGS)

# Erasing 50,000 supporters with 2,000,000 outbox rows, before and after (not a test):
# see tests/benchmarks/erasure.py. Needs PostgreSQL only.
bench-erasure: install-dev
	$(BIN)/python -m tests.benchmarks.erasure $(BENCH_ARGS)

# Loading a 2,000,000-line TPS file (time and peak memory), then claims against it (not a
# test): see tests/benchmarks/tps_load.py. Needs PostgreSQL only.
bench-tps: install-dev
	$(BIN)/python -m tests.benchmarks.tps_load $(BENCH_ARGS)

test: install-dev
	$(TEST_ENV) $(BIN)/python manage.py collectstatic --noinput --verbosity 0
	$(TEST_ENV) $(BIN)/pytest $(PYTEST_ARGS)

# The checks CI runs before the tests: lint, format, migrations in step with the models, types.
lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(TEST_ENV) SINGLE_PROCESS=1 DATABASE_URL=sqlite:///:memory: $(BIN)/python manage.py makemigrations --check --dry-run --verbosity 0
	$(TEST_ENV) $(BIN)/mypy

format: install-dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf var/staticfiles var/mail .pytest_cache
