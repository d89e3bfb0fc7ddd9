"""A real `celery worker` process: the one way the tests and the benchmarks start one."""

import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

from django.conf import settings

PROJECT_DIR = Path(__file__).resolve().parents[2]


def test_database_url() -> str:
    db = settings.DATABASES["default"]
    credentials = quote(db["USER"] or "")
    if db.get("PASSWORD"):
        credentials += ":" + quote(db["PASSWORD"])
    host = db.get("HOST") or "127.0.0.1"
    port = db.get("PORT") or 5432
    return f"postgres://{credentials}@{host}:{port}/{db['NAME']}"


class CeleryWorker:
    """`celery -A campaign_site worker` in its own process, with `env` on top of this
    process's environment; `start()` returns once the worker says it is ready.

    Given `smtp_port`, it runs on the test database and the tests' SMTP server, retrying
    quickly (`extra_env` on top); the benchmarks pass their own `env` instead."""

    def __init__(
        self,
        *,
        smtp_port: int | None = None,
        extra_env: dict[str, str] | None = None,
        env: dict[str, str] | None = None,
        concurrency: int = 2,
        name: str = "test-worker",
        log_path: Path | None = None,
        queues: str | None = None,
    ):
        if smtp_port is not None:
            env = {**self.test_environment(smtp_port), **(env or {})}
        self.env = {**(env or {}), **(extra_env or {})}
        self.concurrency = concurrency
        self.queues = queues
        self.name = name
        self.process: subprocess.Popen | None = None
        self.log_path = log_path or Path(
            tempfile.mkstemp(prefix="celery-worker-", suffix=".log")[1]
        )

    @staticmethod
    def test_environment(smtp_port: int) -> dict[str, str]:
        return {
            "DATABASE_URL": test_database_url(),
            "DATABASE_CONN_MAX_AGE": "0",
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": str(smtp_port),
            "OUTBOX_RETRY_BASE_SECONDS": "1",
            "OUTBOX_RETRY_MAX_SECONDS": "2",
            "OUTBOX_SWEEP_GRACE_SECONDS": "0",
        }

    def environment(self) -> dict[str, str]:
        return {**os.environ, **self.env}

    def start(self) -> None:
        self.log_path.write_bytes(b"")
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(  # noqa: S603
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "campaign_site",
                "worker",
                "--loglevel=INFO",
                f"--concurrency={self.concurrency}",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "--purge",  # tasks left on the broker by an earlier run are not this run's
                "-n",
                f"{self.name}-{os.getpid()}@%h",
                *(["-Q", self.queues] if self.queues else []),
            ],
            cwd=PROJECT_DIR,
            env=self.environment(),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, so kill() reaches its children
        )
        deadline = time.monotonic() + 60
        while b"ready." not in self.log_path.read_bytes():
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"Celery worker did not start:\n{self.log()}")
            time.sleep(0.2)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def kill(self) -> None:
        """SIGKILL the worker and its pool processes at once, as a crash would: nothing
        is acknowledged or cleaned up."""
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
