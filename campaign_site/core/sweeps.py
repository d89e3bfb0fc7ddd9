"""The periodic sweeps (CELERY_BEAT_SCHEDULE) without Celery beat, for `make run`, and a
record of beat's last run, for the admin home in production.

Under `make run` nothing runs beat, so reminders and new-session alerts would never go out.
With RUN_SWEEPS_IN_PROCESS the server process runs each sweep itself, on beat's schedule, in
a daemon thread: the demo sends what production sends.
"""

import logging
import os
import sys
import threading
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import connections
from django.utils import timezone
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)

# How often the thread looks for a sweep that is due (beat's schedule is by the minute).
TICK_SECONDS = 10
BEAT_LAST_RUN_KEY = "beat:last-run"
# Beat runs the outbox sweep every minute; longer than this without one and it has stopped.
BEAT_LATE_AFTER = timedelta(minutes=5)


def beat_heartbeat_record(*, now: datetime | None = None) -> None:
    """Beat has just run a sweep (called by the every-minute outbox sweep)."""
    cache.set(BEAT_LAST_RUN_KEY, now or timezone.now(), timeout=None)


def beat_last_run() -> datetime | None:
    return cache.get(BEAT_LAST_RUN_KEY)


class SweepScheduler:
    """Runs each entry of a beat schedule when it is due: `tick()` runs what is due now,
    `start()` ticks every TICK_SECONDS in a daemon thread until `stop()`.

    It starts as though it had been running for a minute, so the every-minute sweeps run at
    once and the rest (every ten minutes, nightly) wait for their time, as they would in beat."""

    def __init__(self, schedule: dict, *, now: datetime | None = None):
        started = (now or timezone.now()) - timedelta(minutes=1)
        self.entries: list[tuple[str, Any, Callable[[], object]]] = [
            (name, entry["schedule"], import_string(entry["task"]))
            for name, entry in schedule.items()
        ]
        self.last_run_at = {name: started for name in schedule}
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def tick(self, *, now: datetime | None = None) -> list[str]:
        """Run every sweep that is due; returns their names. A sweep that fails is logged
        and tried again when it is next due (each sweep picks up whatever the last missed)."""
        ran = []
        for name, schedule, task in self.entries:
            due, _ = schedule.is_due(self.last_run_at[name])
            if not due:
                continue
            self.last_run_at[name] = now or timezone.now()
            try:
                task()
            except Exception:
                logger.exception("The %s sweep failed; it runs again when next due", name)
            ran.append(name)
        return ran

    def _run(self) -> None:
        while True:
            try:
                self.tick()
            finally:
                connections.close_all()  # this thread's own connections
            if self._stop.wait(TICK_SECONDS):
                return

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="campaign-sweeps", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join()


def is_autoreload_watcher() -> bool:
    """True in the process of `runserver` that only watches files and restarts the server
    (Django's autoreloader sets RUN_MAIN in the server process it starts); the sweeps run
    in the server process alone. The same test Django's own management utility makes."""
    argv = sys.argv[1:]
    return "runserver" in argv and "--noreload" not in argv and os.environ.get("RUN_MAIN") != "true"


def sweeps_start_in_process() -> SweepScheduler | None:
    """Start the sweeps in this process when RUN_SWEEPS_IN_PROCESS asks (the Makefile's
    `make run` does); returns the scheduler that was started."""
    if not settings.RUN_SWEEPS_IN_PROCESS or is_autoreload_watcher():
        return None
    scheduler = SweepScheduler(settings.CELERY_BEAT_SCHEDULE)
    scheduler.start()
    logger.info("Running the periodic sweeps (reminders, alerts, email retries) in this process")
    return scheduler
