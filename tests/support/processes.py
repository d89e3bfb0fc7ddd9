"""The site's processes started as an operator starts them (gunicorn, Celery, Caddy), for the
tests of the production install, the deploy recipe and the backups."""

import secrets
import signal
import subprocess
import sys
import time
import urllib.request
from contextlib import ExitStack
from pathlib import Path

from tests.support.worker import PROJECT_DIR

VENV_BIN = Path(sys.executable).parent


def run(command: list, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(command, check=True, capture_output=True, text=True, **kwargs)


def start(stack: ExitStack, command: list, env: dict, log: Path, **kwargs) -> subprocess.Popen:
    """Start `command` in its own session, stopped (TERM, then KILL) when `stack` closes."""
    process = subprocess.Popen(  # noqa: S603
        command,
        cwd=kwargs.pop("cwd", PROJECT_DIR),
        env=env,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
        **kwargs,
    )
    stack.callback(stop, process)
    return process


def stop(process: subprocess.Popen, timeout: float = 20) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def wait_until(condition, what: str, process: subprocess.Popen, log: Path) -> None:
    """Until `condition()`; a process that died (as the worker did without kombu's Redis
    packages) fails at once with its log."""
    deadline = time.monotonic() + 60
    while not condition():
        if process.poll() is not None or time.monotonic() > deadline:
            raise AssertionError(f"no {what}:\n{log.read_text(errors='replace')[-3000:]}")
        time.sleep(0.1)


def answers(url: str, **kwargs) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2, **kwargs) as response:  # noqa: S310
            return response.status == 200
    except OSError:
        return False


def new_database() -> str:
    """A new, empty PostgreSQL database's URL (drop it with `drop_database`)."""
    name = f"campaign_ops_{secrets.token_hex(4)}"
    run(["createdb", "-h", "127.0.0.1", "-U", "postgres", name])
    return f"postgres://postgres@127.0.0.1:5432/{name}"


def drop_database(url: str) -> None:
    name = url.rsplit("/", 1)[1]
    run(["dropdb", "-h", "127.0.0.1", "-U", "postgres", "--force", "--if-exists", name])


def query(database: str, sql: str) -> list[tuple]:
    """The rows `sql` returns on the database at `database` (a URL), read from outside."""
    import psycopg2

    with psycopg2.connect(database) as connection, connection.cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchall()
