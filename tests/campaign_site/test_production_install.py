"""The production install, as an operator makes it: a fresh virtualenv from requirements.txt
alone (never the dev file, which can hide a missing package), a new PostgreSQL database,
gunicorn, one Celery worker and beat on Redis, and a sign-up whose confirmation email reaches
an SMTP server through that worker.

CI runs this (it needs PostgreSQL, Redis and the package registry); the round trip's time is
printed for the notes."""

import http.cookiejar
import json
import secrets
import sys
import time
import urllib.parse
import urllib.request
from contextlib import ExitStack
from pathlib import Path

import pytest

from tests.conftest import require, services_available
from tests.support.processes import (
    answers,
    drop_database,
    new_database,
    run,
    start,
    wait_until,
)
from tests.support.smtp import SmtpServer, free_port
from tests.support.worker import PROJECT_DIR

pytestmark = pytest.mark.services

REDIS_DB = "13"  # a database no other test's worker reads


@pytest.fixture(scope="module")
def production_venv(tmp_path_factory) -> Path:
    require(services_available(), "PostgreSQL and Redis for the production install")
    venv = tmp_path_factory.mktemp("production") / "venv"
    run([sys.executable, "-m", "venv", str(venv)])
    run([venv / "bin/pip", "install", "--quiet", "-r", PROJECT_DIR / "requirements.txt"])
    return venv


@pytest.fixture
def database():
    url = new_database()
    yield url
    drop_database(url)


def test_requirements_alone_install_a_site_whose_worker_sends_a_sign_ups_email(
    production_venv, database, tmp_path
):
    bin_dir = production_venv / "bin"
    installed = run([bin_dir / "pip", "list", "--format=json"]).stdout
    assert "pytest" not in {package["name"] for package in json.loads(installed)}
    run([bin_dir / "pip", "check"])

    smtp = SmtpServer()
    smtp.start()
    port = free_port()
    site = f"http://127.0.0.1:{port}"
    env = {
        "PATH": f"{bin_dir}:/usr/bin:/bin",
        "HOME": str(tmp_path),
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DATABASE_URL": database,
        "REDIS_URL": f"redis://127.0.0.1:6379/{REDIS_DB}",
        "SITE_URL": site,
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(smtp.port),
        "DEFAULT_FROM_EMAIL": "Campaign <team@example.org>",
        "CAMPAIGN_VAR_DIR": str(tmp_path / "var"),
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "GUNICORN_WORKERS": "2",
    }
    run(["redis-cli", "-n", REDIS_DB, "flushdb"])
    python = str(bin_dir / "python")
    run([python, "manage.py", "migrate", "--noinput", "-v0"], cwd=PROJECT_DIR, env=env)
    run([python, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=PROJECT_DIR, env=env)

    with ExitStack() as stack:
        stack.callback(smtp.stop)
        logs = {name: tmp_path / f"{name}.log" for name in ("web", "worker", "beat")}
        web = start(
            stack,
            [
                bin_dir / "gunicorn",
                "-c",
                "python:campaign_site.gunicorn_conf",
                "campaign_site.wsgi",
            ],
            env,
            logs["web"],
        )
        worker = start(
            stack,
            [bin_dir / "celery", "-A", "campaign_site", "worker", "--concurrency=1", "-l", "INFO"],
            env,
            logs["worker"],
        )
        beat = start(
            stack,
            [bin_dir / "celery", "-A", "campaign_site", "beat", "-l", "INFO", "-s", tmp_path / "s"],
            env,
            logs["beat"],
        )
        wait_until(
            lambda: b"ready." in logs["worker"].read_bytes(), "worker", worker, logs["worker"]
        )
        wait_until(
            lambda: b"beat: Starting" in logs["beat"].read_bytes(), "beat", beat, logs["beat"]
        )
        wait_until(lambda: answers(f"{site}/healthz/"), "healthy site", web, logs["web"])

        cookies = http.cookiejar.CookieJar()
        browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(cookies))
        form = browser.open(f"{site}/join/", timeout=10).read().decode()
        assert 'name="email"' in form
        started = time.monotonic()
        body = urllib.parse.urlencode(
            {"email": "first.volunteer@example.org", "website": ""}
        ).encode()
        with browser.open(f"{site}/join/", data=body, timeout=10) as answer:
            assert answer.status == 200
            assert "Check your email" in answer.read().decode()
        [email] = smtp.wait_for(1, timeout=30)
        round_trip = time.monotonic() - started

        assert email.rcpt_tos == ["first.volunteer@example.org"]
        assert f"{site}/" in email.text  # the confirmation link, on SITE_URL
        health = json.loads(browser.open(f"{site}/healthz/", timeout=10).read())
        assert all(process.poll() is None for process in (web, worker, beat))
        for name, log in logs.items():
            assert "Traceback" not in log.read_text(errors="replace"), name

    print(f"\nProduction install: sign-up to confirmation email in {round_trip * 1000:.0f} ms")
    assert health["status"] == "ok", health
