"""The periodic sweeps: run by the `make run` server itself (no beat there), and beat's
absence shown on the admin home in production."""

import os
import subprocess
import sys
import time
from datetime import timedelta

import pytest
from celery.schedules import crontab
from django.utils import timezone

from campaign_site.core.models import OutboundEmail
from campaign_site.core.sweeps import (
    SweepScheduler,
    beat_heartbeat_record,
    beat_last_run,
    is_autoreload_watcher,
)
from campaign_site.core.tasks import outbox_sweep_task
from tests.campaign_site.test_first_run import free_port
from tests.events.factories import EventFactory, RsvpFactory
from tests.support import worker

RAN: list[str] = []


def sweep_that_fails() -> None:
    RAN.append("fails")
    raise RuntimeError("the database went away")


def sweep_that_works() -> None:
    RAN.append("works")


def test_a_failing_sweep_is_logged_and_the_others_still_run(caplog):
    RAN.clear()
    every_minute = {"task": "", "schedule": crontab(minute="*")}
    scheduler = SweepScheduler(
        {
            "first": {**every_minute, "task": f"{__name__}.sweep_that_fails"},
            "second": {**every_minute, "task": f"{__name__}.sweep_that_works"},
            "nightly": {
                "task": f"{__name__}.sweep_that_works",
                "schedule": crontab(hour=(timezone.localtime().hour + 12) % 24, minute="0"),
            },
        }
    )

    assert scheduler.tick() == ["first", "second"]  # the nightly one waits for its hour

    assert RAN == ["fails", "works"]
    assert "The first sweep failed; it runs again when next due" in caplog.text


def test_the_every_minute_sweeps_run_as_soon_as_the_server_starts(settings, db):
    scheduler = SweepScheduler(settings.CELERY_BEAT_SCHEDULE)

    ran = scheduler.tick()

    assert {"outbox-sweep", "events-sweep", "update-fan-out-sweep"} <= set(ran)


@pytest.mark.parametrize(
    ("argv", "run_main", "watcher"),
    [
        (["manage.py", "runserver", "127.0.0.1:8000"], None, True),
        (["manage.py", "runserver", "127.0.0.1:8000"], "true", False),
        (["manage.py", "runserver", "--noreload"], None, False),
        (["manage.py", "demo_events"], None, False),
    ],
)
def test_only_the_serving_process_of_runserver_runs_the_sweeps(
    monkeypatch, argv, run_main, watcher
):
    monkeypatch.setattr(sys, "argv", argv)
    if run_main:
        monkeypatch.setenv("RUN_MAIN", run_main)
    else:
        monkeypatch.delenv("RUN_MAIN", raising=False)

    assert is_autoreload_watcher() is watcher


def test_make_run_asks_its_server_alone_to_run_the_sweeps():
    commands = subprocess.run(
        ["make", "-n", "run", f"VENV={sys.prefix}"],  # noqa: S607
        cwd=worker.PROJECT_DIR,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()

    runserver = [line for line in commands if "manage.py runserver" in line]
    assert len(runserver) == 1 and "RUN_SWEEPS_IN_PROCESS=1" in runserver[0]
    others = [line for line in commands if "manage.py" in line and line not in runserver]
    assert others and not any("RUN_SWEEPS_IN_PROCESS" in line for line in others)


@pytest.mark.django_db(transaction=True)
def test_the_demo_server_sends_reminders_with_no_beat_running(tmp_path):
    """runserver as `make run` starts it (debug on, no Redis, tasks in-process), on the test
    database: a reminder that is due is written and sent with nothing else running."""
    session = EventFactory(
        title="Canvassing in Mackworth", starts_at=timezone.now() + timedelta(hours=2)
    )
    rsvp = RsvpFactory(event=session, first_name="Priya")
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"REDIS_URL", "DJANGO_SECRET_KEY"}
    }
    env |= {
        "DJANGO_DEBUG": "1",
        "RUN_SWEEPS_IN_PROCESS": "1",
        "DATABASE_URL": worker.test_database_url(),
        "DATABASE_CONN_MAX_AGE": "0",
        "CAMPAIGN_VAR_DIR": str(tmp_path),
    }
    log = (tmp_path / "server.log").open("wb")
    server = subprocess.Popen(  # noqa: S603
        [sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{free_port()}"],
        cwd=worker.PROJECT_DIR,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        reminder = OutboundEmail.objects.filter(key__startswith=f"reminder-soon:{rsvp.pk}:")
        while not reminder.filter(status=OutboundEmail.Status.SENT).exists():
            assert server.poll() is None, (tmp_path / "server.log").read_text()
            assert time.monotonic() < deadline, (tmp_path / "server.log").read_text()
            time.sleep(0.2)
    finally:
        server.terminate()
        server.wait(timeout=15)

    [sent] = (tmp_path / "mail").iterdir()
    assert "Canvassing in Mackworth" in sent.read_text()


def test_the_outbox_sweep_is_beats_heartbeat(db):
    before = timezone.now()

    outbox_sweep_task()

    assert beat_last_run() >= before


def dashboard(client) -> str:
    response = client.get("/admin/")
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def production(settings):
    """Workers and beat run the tasks (REDIS_URL set)."""
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.RUN_SWEEPS_IN_PROCESS = False


def test_the_admin_home_says_when_beat_has_stopped(admin_client, production):
    beat_heartbeat_record(now=timezone.now() - timedelta(minutes=6))

    page = dashboard(admin_client)

    assert "Scheduled jobs have stopped" in page
    assert "Reminders, new-session alerts and email retries are not going out" in page
    assert f"last ran at {timezone.localtime(beat_last_run()):%H:%M}" in page


def test_the_admin_home_says_when_beat_has_never_run(admin_client, production):
    assert "the scheduler (Celery beat) has not run yet" in dashboard(admin_client)


def test_a_beat_that_ran_a_minute_ago_is_not_mentioned(admin_client, production):
    beat_heartbeat_record(now=timezone.now() - timedelta(minutes=1))

    assert "Scheduled jobs have stopped" not in dashboard(admin_client)


def test_nothing_is_said_about_beat_where_tasks_run_in_process(admin_client, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True  # no REDIS_URL: no beat to wait for

    assert "Scheduled jobs have stopped" not in dashboard(admin_client)
