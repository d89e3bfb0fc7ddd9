"""A broker outage from outside: an organiser publishes while Redis is unreachable, the page
answers as usual, and the new-session alerts go out once the broker is back."""

import subprocess
import sys
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from campaign_site.core.models import OutboundEmail
from events.models import AlertDigest, Event
from events.tasks import events_sweep_task
from tests.events.factories import EventFactory, SupporterFactory
from tests.support.worker import PROJECT_DIR, CeleryWorker

pytestmark = pytest.mark.services

PUBLISH_WITHOUT_A_BROKER = """
import time, django
django.setup()
from django.contrib.auth import get_user_model
from django.test import Client
from tests.support.admin import sign_in_with_two_factor
organiser = get_user_model().objects.get(pk={user})
client = sign_in_with_two_factor(Client(SERVER_NAME="localhost"), organiser)
started = time.monotonic()
response = client.post(
    "/admin/events/event/",
    {{"action": "publish", "_selected_action": [{event}], "apply": "Publish sessions"}},
)
print(response.status_code, round(time.monotonic() - started, 1))
"""


def test_publishing_with_the_broker_down_answers_and_the_alerts_follow_it_back(worker, mailbox):
    SupporterFactory(
        email="alex@example.org", confirmed_at=timezone.now(), wants_canvass_alerts=True
    )
    draft = EventFactory(status="draft", slug="outage-canvass", title="Canvassing in Mickleover")
    organiser = get_user_model().objects.create_superuser("outage", "o@example.org", "pw")
    env = CeleryWorker(smtp_port=mailbox.port).environment()
    env["REDIS_URL"] = "redis://127.0.0.1:1/0"  # nothing listens on port 1: broker and cache down

    result = subprocess.run(
        [sys.executable, "-c", PUBLISH_WITHOUT_A_BROKER.format(user=organiser.pk, event=draft.pk)],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 0, result.stderr
    status, seconds = result.stdout.strip().splitlines()[-1].split()
    assert status in {"200", "302"}  # the admin's normal answer, never a 500
    assert float(seconds) < 10
    draft.refresh_from_db()
    assert draft.status == Event.Status.PUBLISHED
    assert not OutboundEmail.objects.exists()  # nothing sent yet

    # The broker is back and the digest's window has closed: the sweep sends the alert.
    AlertDigest.objects.update(due_at=timezone.now() - timedelta(minutes=1))
    events_sweep_task.delay()

    [alert] = mailbox.wait_for(1)
    assert alert.rcpt_tos == ["alex@example.org"]
    assert "Canvassing in Mickleover" in alert.text
