"""The deploy recipe in docs/deploy/, run on this machine as docs/deploy/README.md sets it up on
a VPS: Caddy (Debian's package) in front over HTTPS, with its own internal CA standing in for
Let's Encrypt, to gunicorn with TRUSTED_PROXY_COUNT=1, and a Celery worker sending to an SMTP
server. The systemd units are checked by `systemd-analyze verify`."""

import http.client
import re
import secrets
import shutil
import socket
import ssl
import subprocess
import threading
import time
import urllib.parse
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from http.cookies import SimpleCookie
from pathlib import Path

import pytest

from tests.conftest import require, services_available
from tests.support.processes import (
    VENV_BIN,
    drop_database,
    new_database,
    query,
    run,
    start,
    wait_until,
)
from tests.support.processes import stop as stop_process
from tests.support.smtp import SmtpServer, free_port
from tests.support.worker import PROJECT_DIR

DEPLOY = PROJECT_DIR / "docs/deploy"
UNITS = sorted((DEPLOY / "systemd").iterdir())
REDIS_DB = "12"  # a database no other test's worker reads
VISITOR = "127.0.0.7"  # the visitor connects from here; Caddy reaches gunicorn from 127.0.0.1


def test_the_recipe_has_the_web_worker_beat_and_backup_units():
    assert {unit.name for unit in UNITS} == {
        "campaign-web.socket",
        "campaign-web.service",
        "campaign-worker.service",
        "campaign-beat.service",
        "campaign-backup.service",
        "campaign-backup.timer",
    }
    for unit in UNITS:
        if unit.suffix == ".service":
            text = unit.read_text()
            assert "User=campaign\n" in text, unit.name
            assert "EnvironmentFile=/etc/campaign/campaign.env\n" in text, unit.name
            if "Type=oneshot" not in text:
                assert "Restart=on-failure\n" in text, unit.name


def test_the_units_pass_systemd_analyze_verify(tmp_path):
    """In a root of their own, with the system's units and stand-ins for the virtualenv's
    programs (verify checks that every ExecStart exists). Unknown keys are only warnings, so
    any output at all fails."""
    require(shutil.which("systemd-analyze") is not None, "systemd-analyze (systemd)")
    shutil.copytree("/usr/lib/systemd/system", tmp_path / "usr/lib/systemd/system", symlinks=True)
    venv_bin = tmp_path / "srv/campaign/app/.venv/bin"
    venv_bin.mkdir(parents=True)
    for program in ("python", "gunicorn", "celery"):
        (venv_bin / program).write_text("#!/bin/sh\n")
        (venv_bin / program).chmod(0o755)
    installed = tmp_path / "etc/systemd/system"
    installed.mkdir(parents=True)
    for unit in UNITS:
        shutil.copy(unit, installed)
    result = subprocess.run(
        ["systemd-analyze", "verify", f"--root={tmp_path}", *sorted(installed.iterdir())],
        capture_output=True,
        text=True,
    )
    assert (result.returncode, result.stdout + result.stderr) == (0, "")


def caddyfile_for_this_machine(
    *, https_port: int, http_port: int, admin_port: int, upstream_port: int, storage: Path
) -> str:
    """docs/deploy/Caddyfile with the operator's two edits made (the domain, the email) and
    what a test machine needs: its own ports, Caddy's internal CA instead of Let's Encrypt
    and that CA kept out of the machine's trust store."""
    text = (DEPLOY / "Caddyfile").read_text()
    assert text.count("campaign.example.org") == 1 and "reverse_proxy 127.0.0.1:8000" in text
    text = text.replace("campaign.example.org", f"localhost:{https_port}")
    text = text.replace("reverse_proxy 127.0.0.1:8000", f"reverse_proxy 127.0.0.1:{upstream_port}")
    return text.replace(
        "{\n",
        "{\n"
        f"\tadmin 127.0.0.1:{admin_port}\n"
        f"\thttp_port {http_port}\n"
        f"\thttps_port {https_port}\n"
        "\tlocal_certs\n"
        "\tskip_install_trust\n"
        f"\tstorage file_system {storage}\n",
        1,
    )


class Visitor:
    """A browser of sorts, over HTTPS to Caddy from VISITOR's address, keeping cookies."""

    def __init__(self, port: int, context: ssl.SSLContext, address: str = VISITOR):
        self.port, self.context, self.cookies = port, context, SimpleCookie()
        self.address = address

    def request(self, method: str, path: str, *, form: dict | None = None, headers=None):
        connection = http.client.HTTPSConnection(
            "localhost",
            self.port,
            context=self.context,
            source_address=(self.address, 0),
            timeout=20,
        )
        sent = {"Origin": f"https://localhost:{self.port}", **(headers or {})}
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={m.value}" for k, m in self.cookies.items())
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form)
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        connection.request(method, path, body=body, headers=sent)
        response = connection.getresponse()
        content = response.read()
        for header in response.headers.get_all("Set-Cookie") or []:
            self.cookies.load(header)
        connection.close()
        return response, content


def serve_from_held_socket(stack, held: socket.socket, env: dict, log: Path):
    """gunicorn on `held`, handed over as systemd's socket activation does: as file
    descriptor 3, with LISTEN_FDS=1 and LISTEN_PID naming gunicorn's own process (a small
    Python step puts the socket at 3, then becomes gunicorn, keeping its process id)."""
    gunicorn = [str(VENV_BIN / "gunicorn"), "-c", "python:campaign_site.gunicorn_conf"]
    become_gunicorn = (
        "import os, sys; fd = int(sys.argv[1]); os.dup2(fd, 3); os.set_inheritable(3, True); "
        "os.environ.update(LISTEN_FDS='1', LISTEN_PID=str(os.getpid())); "
        "os.execv(sys.argv[2], sys.argv[2:])"
    )
    return start(
        stack,
        [
            VENV_BIN / "python",
            "-c",
            become_gunicorn,
            str(held.fileno()),
            *gunicorn,
            "campaign_site.wsgi",
        ],  # fmt: skip
        env,
        log,
        pass_fds=(held.fileno(),),
    )


def csrf_token(page: bytes) -> str:
    return re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1).decode()


@pytest.fixture
def site_behind_caddy(tmp_path):
    require(services_available(), "PostgreSQL and Redis for the deploy recipe")
    require(shutil.which("caddy") is not None, "Caddy (Debian's caddy package)")
    database = new_database()
    smtp = SmtpServer()
    smtp.start()
    https_port, http_port, admin_port, web_port = (free_port() for _ in range(4))
    site = f"https://localhost:{https_port}"
    env = {
        "PATH": f"{VENV_BIN}:/usr/bin:/bin",
        "HOME": str(tmp_path),
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DATABASE_URL": database,
        "REDIS_URL": f"redis://127.0.0.1:6379/{REDIS_DB}",
        "SITE_URL": site,
        "TRUSTED_PROXY_COUNT": "1",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(smtp.port),
        "DEFAULT_FROM_EMAIL": "Campaign <team@example.org>",
        "CAMPAIGN_VAR_DIR": str(tmp_path / "var"),
        "GUNICORN_WORKERS": "2",
    }
    run(["redis-cli", "-n", REDIS_DB, "flushdb"])
    python = str(VENV_BIN / "python")
    run([python, "manage.py", "migrate", "--noinput", "-v0"], cwd=PROJECT_DIR, env=env)
    run([python, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=PROJECT_DIR, env=env)
    caddyfile = tmp_path / "Caddyfile"
    caddyfile.write_text(
        caddyfile_for_this_machine(
            https_port=https_port,
            http_port=http_port,
            admin_port=admin_port,
            upstream_port=web_port,
            storage=tmp_path / "caddy",
        )
    )
    with ExitStack() as stack:
        stack.callback(smtp.stop)
        stack.callback(drop_database, database)
        logs = {name: tmp_path / f"{name}.log" for name in ("web", "worker", "caddy")}
        # As campaign-web.socket does: the address is held open outside gunicorn, which gets
        # it as systemd passes it (LISTEN_FDS), so a restart refuses no connection.
        held = socket.create_server(("127.0.0.1", web_port), backlog=2048)
        stack.callback(held.close)

        def serve_web():
            return serve_from_held_socket(stack, held, env, logs["web"])

        web = serve_web()
        worker = start(
            stack,
            [VENV_BIN / "celery", "-A", "campaign_site", "worker", "--concurrency=1", "-l", "INFO"],
            env,
            logs["worker"],
        )
        caddy = start(
            stack,
            ["caddy", "run", "--adapter", "caddyfile", "--config", caddyfile],
            {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
            logs["caddy"],
        )
        root_ca = tmp_path / "caddy/pki/authorities/local/root.crt"
        wait_until(root_ca.exists, "Caddy's internal CA", caddy, logs["caddy"])
        context = ssl.create_default_context(cafile=root_ca)
        visitor = Visitor(https_port, context)

        def healthy() -> bool:
            try:
                return visitor.request("GET", "/healthz/")[0].status == 200
            except OSError:
                return False

        wait_until(healthy, "healthy site through Caddy", web, logs["web"])
        wait_until(
            lambda: b"ready." in logs["worker"].read_bytes(), "worker", worker, logs["worker"]
        )
        yield {
            "serve_web": serve_web,
            "web": web,
            "visitor": visitor,
            "site": site,
            "http_port": http_port,
            "database": database,
            "smtp": smtp,
            "logs": logs,
        }


@pytest.mark.services
def test_caddy_serves_the_site_over_https_with_the_headers_a_live_site_needs(site_behind_caddy):
    visitor = site_behind_caddy["visitor"]

    response, page = visitor.request("GET", "/", headers={"Accept-Encoding": "gzip"})
    assert response.status == 200
    assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")
    assert response.headers["Content-Encoding"] == "gzip"

    response, page = visitor.request("GET", "/")
    stylesheet = re.search(rb'href="(/static/[^"]+\.[0-9a-f]{12}\.css)"', page).group(1).decode()
    response, _ = visitor.request("GET", stylesheet, headers={"Accept-Encoding": "gzip"})
    assert response.status == 200
    assert response.headers["Content-Encoding"] == "gzip"
    assert "immutable" in response.headers["Cache-Control"]
    assert "max-age=315360000" in response.headers["Cache-Control"]

    # Plain HTTP is sent on to HTTPS.
    connection = http.client.HTTPConnection("localhost", site_behind_caddy["http_port"], timeout=10)
    connection.request("GET", "/events/")
    redirect = connection.getresponse()
    assert redirect.status in (301, 308)
    # (to port 443, as in production: Caddy names no other port in the redirect)
    assert redirect.headers["Location"] == "https://localhost/events/"


@pytest.mark.services
def test_the_site_sees_the_visitors_address_not_the_proxys_nor_a_forged_one(site_behind_caddy):
    """A failed admin sign-in is recorded against the visitor's address as Caddy saw it: not
    Caddy's own (127.0.0.1), nor what the visitor wrote into X-Forwarded-For."""
    visitor = site_behind_caddy["visitor"]
    _, page = visitor.request("GET", "/admin/login/")
    response, _ = visitor.request(
        "POST",
        "/admin/login/",
        form={
            "csrfmiddlewaretoken": csrf_token(page),
            "username": "organiser@example.org",
            "password": "not the password",
        },
        headers={"X-Forwarded-For": "203.0.113.9", "Referer": f"{site_behind_caddy['site']}/"},
    )
    assert response.status == 200
    recorded = query(site_behind_caddy["database"], "SELECT ip_address FROM axes_accessattempt")
    assert recorded == [(VISITOR,)]


@pytest.mark.services
def test_a_sign_up_through_caddy_is_confirmed_from_its_email(site_behind_caddy):
    visitor, smtp, site = (site_behind_caddy[key] for key in ("visitor", "smtp", "site"))
    started = time.monotonic()
    response, page = visitor.request(
        "POST", "/join/", form={"email": "new.supporter@example.org", "website": ""}
    )
    assert response.status == 302
    response, page = visitor.request("GET", response.headers["Location"])
    assert response.status == 200 and b"Check your email" in page
    [email] = smtp.wait_for(1, timeout=30)
    print(f"\nThrough Caddy: sign-up to email in {(time.monotonic() - started) * 1000:.0f} ms")
    assert email.rcpt_tos == ["new.supporter@example.org"]
    link = re.search(re.escape(site) + r"(/join/confirm/[^/\s]+/)", email.text).group(1)

    response, page = visitor.request("GET", link)
    assert response.status == 200
    response, page = visitor.request(
        "POST",
        link,
        form={"csrfmiddlewaretoken": csrf_token(page)},
        headers={"Referer": site + link},
    )
    assert response.status == 200
    confirmed = "SELECT count(*) FROM volunteers_consent WHERE confirmed_at IS NOT NULL"
    assert query(site_behind_caddy["database"], confirmed) == [(1,)]
    for name, log in site_behind_caddy["logs"].items():
        assert "Traceback" not in log.read_text(errors="replace"), name


@pytest.mark.services
def test_restarting_gunicorn_for_an_upgrade_loses_no_request(site_behind_caddy):
    """docs/deploy/README.md's upgrade: `systemctl restart campaign-web` while visitors keep
    coming. The old gunicorn finishes what it has; new connections wait on the held socket
    (Caddy retries for up to 30 s); nobody gets an error and every sign-up is kept."""
    caddy = site_behind_caddy["visitor"]
    outcomes, told_ok = Counter(), []
    stop = threading.Event()

    def keep_visiting(n: int) -> None:
        count = 0
        while not stop.is_set():
            count += 1
            email = f"upgrade-{n}-{count}@example.org"
            # A visitor of their own each time: the sign-up rate limit is per address.
            visitor = Visitor(caddy.port, caddy.context, f"127.0.{n + 10}.{count % 250 + 1}")
            try:
                page, _ = visitor.request("GET", "/events/")
                joined, _ = visitor.request("POST", "/join/", form={"email": email, "website": ""})
                outcome = (page.status, joined.status)
            except OSError as error:
                outcome = type(error).__name__
            outcomes[outcome] += 1
            if outcome == (200, 302):
                told_ok.append(email)

    with ThreadPoolExecutor(4) as pool:
        visiting = [pool.submit(keep_visiting, n) for n in range(4)]
        deadline = time.monotonic() + 30
        while sum(outcomes.values()) < 10 and time.monotonic() < deadline:
            time.sleep(0.05)
        old = site_behind_caddy["web"]
        stop_process(old)  # TERM: a graceful stop, as systemd's restart sends
        at_restart = sum(outcomes.values())
        new = site_behind_caddy["serve_web"]()
        while sum(outcomes.values()) < 60 and time.monotonic() < deadline + 30:
            time.sleep(0.05)
        stop.set()
        for future in visiting:
            future.result()

    print(f"\nRestart under load: {dict(outcomes)}; new gunicorn pid {new.pid}")
    assert set(outcomes) == {(200, 302)}, outcomes
    assert old.returncode == 0 and new.poll() is None
    assert sum(outcomes.values()) - at_restart >= 40  # the new gunicorn served these
    stored = {
        email
        for (email,) in query(
            site_behind_caddy["database"],
            "SELECT email FROM volunteers_supporter WHERE email LIKE 'upgrade-%'",
        )
    }
    assert set(told_ok) == stored
