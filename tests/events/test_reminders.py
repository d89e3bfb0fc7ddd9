"""Reminders found by the sweep, with an injected clock."""

from datetime import timedelta

import pytest

from campaign_site.core.models import OutboundEmail
from events.models import Rsvp
from events.services import event_update, reminders_send_due
from tests.events.factories import EventFactory, RsvpFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def session():
    return EventFactory(title="Canvassing in Darley Abbey", slug="darley-abbey")


def reminder_keys():
    return sorted(
        OutboundEmail.objects.filter(key__startswith="reminder-").values_list("key", flat=True)
    )


def test_nothing_is_due_more_than_a_day_before(session):
    RsvpFactory(event=session)
    assert reminders_send_due(now=session.starts_at - timedelta(hours=24, minutes=1)) == 0
    assert reminder_keys() == []


def test_the_day_before_reminder_is_due_24_hours_before(session):
    rsvp = RsvpFactory(event=session, first_name="Priya")

    sent = reminders_send_due(now=session.starts_at - timedelta(hours=23, minutes=55))

    assert sent == 1
    [email] = OutboundEmail.objects.filter(key__startswith="reminder-day-before:")
    assert email.key == f"reminder-day-before:{rsvp.pk}:{int(session.starts_at.timestamp())}"
    assert email.subject == "Tomorrow: Canvassing in Darley Abbey at 10:00"
    assert "Hello Priya" in email.body_text
    assert "Allestree Park car park" in email.body_text  # the private meeting point
    assert email.attachments[0]["mimetype"] == "text/calendar"


def test_the_soon_reminder_is_due_three_hours_before(session):
    RsvpFactory(event=session)
    assert reminders_send_due(now=session.starts_at - timedelta(hours=23)) == 1
    assert reminders_send_due(now=session.starts_at - timedelta(hours=3, minutes=1)) == 0

    assert reminders_send_due(now=session.starts_at - timedelta(hours=2, minutes=50)) == 1

    soon = OutboundEmail.objects.get(key__startswith="reminder-soon:")
    assert soon.subject == "Starting soon: Canvassing in Darley Abbey at 10:00"
    assert reminders_send_due(now=session.starts_at + timedelta(minutes=1)) == 0


def test_running_the_sweep_twice_sends_nothing_twice(session):
    RsvpFactory.create_batch(3, event=session)
    now = session.starts_at - timedelta(hours=20)

    assert reminders_send_due(now=now) == 3
    assert reminders_send_due(now=now) == 0
    assert reminders_send_due(now=now + timedelta(minutes=5)) == 0
    assert len(reminder_keys()) == 3


def test_people_waiting_or_cancelled_get_no_reminder(session):
    going = RsvpFactory(event=session)
    RsvpFactory(event=session, status=Rsvp.Status.WAITING, going_since=None)
    RsvpFactory(event=session, status=Rsvp.Status.CANCELLED)

    reminders_send_due(now=session.starts_at - timedelta(hours=2))

    assert OutboundEmail.objects.get().to == going.supporter.email


def test_cancelled_and_draft_sessions_get_no_reminders():
    for status in ("cancelled", "draft"):
        RsvpFactory(event=EventFactory(status=status))
    event = EventFactory(status="draft")
    assert reminders_send_due(now=event.starts_at - timedelta(hours=2)) == 0


def test_someone_who_signed_up_inside_the_window_skips_that_reminder(session):
    RsvpFactory(event=session, going_since=session.starts_at - timedelta(hours=10))

    assert reminders_send_due(now=session.starts_at - timedelta(hours=9)) == 0
    assert reminders_send_due(now=session.starts_at - timedelta(hours=2)) == 1


def test_a_moved_session_is_reminded_at_its_new_time(session):
    RsvpFactory(event=session)
    reminders_send_due(now=session.starts_at - timedelta(hours=20))
    old_start = session.starts_at

    session.starts_at += timedelta(days=2)
    session.ends_at += timedelta(days=2)
    event_update(event=session)

    assert reminders_send_due(now=old_start - timedelta(hours=2)) == 0
    assert reminders_send_due(now=session.starts_at - timedelta(hours=20)) == 1
    assert len(reminder_keys()) == 2


def test_the_beat_runs_the_events_sweep(settings):
    from campaign_site.celery import app

    app.loader.import_default_modules()
    entry = settings.CELERY_BEAT_SCHEDULE["events-sweep"]
    assert entry["task"] == "events.tasks.events_sweep_task"
    assert entry["task"] in app.tasks
