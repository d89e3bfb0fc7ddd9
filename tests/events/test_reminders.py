"""Reminders found by the sweep, with an injected clock, worded from the time left."""

from datetime import datetime, timedelta

import pytest

from campaign_site.core.models import OutboundEmail
from events.emails import event_starts_in
from events.ics import LONDON
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
    assert email.attachments[0]["mimetype"] == "text/calendar; method=PUBLISH"


def test_the_soon_reminder_is_due_three_hours_before(session):
    RsvpFactory(event=session)
    assert reminders_send_due(now=session.starts_at - timedelta(hours=23)) == 1
    assert reminders_send_due(now=session.starts_at - timedelta(hours=3, minutes=1)) == 0

    assert reminders_send_due(now=session.starts_at - timedelta(hours=2, minutes=50)) == 1

    soon = OutboundEmail.objects.get(key__startswith="reminder-soon:")
    assert soon.subject == "In about 3 hours: Canvassing in Darley Abbey at 10:00"
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


def at(day: int, hour: int, minute: int = 0, month: int = 7) -> datetime:
    """A UK wall-clock time in July 2027 (British Summer Time, an hour ahead of UTC):
    Friday 2, Saturday 3, Sunday 4."""
    return datetime(2027, month, day, hour, minute, tzinfo=LONDON)


@pytest.mark.parametrize(
    ("starts", "now", "reminder", "subject", "phrase"),
    [
        # The sweep ran late (an outage): 23:30 the night before a 09:00 session.
        (at(3, 9), at(2, 23, 30), "day-before", "Tomorrow", "tomorrow at 09:00"),
        # On time, a day ahead.
        (at(3, 9), at(2, 9, 5), "day-before", "Tomorrow", "tomorrow at 09:00"),
        # A session moved to later today: the day-before reminder goes out on the day.
        (at(3, 20), at(3, 8), "day-before", "Today", "today at 20:00"),
        # The same morning, hours before: how long is left, not which day.
        (at(3, 9), at(3, 4, 50), "day-before", "In about 4 hours", "in about 4 hours, at 09:00"),
        (at(3, 9), at(3, 6, 10), "soon", "In about 3 hours", "in about 3 hours, at 09:00"),
        (at(3, 9), at(3, 8, 20), "soon", "In 40 minutes", "in 40 minutes, at 09:00"),
        # A session at 00:30 on Sunday: a day ahead it is tomorrow, on Saturday evening
        # it is tonight, and late on Saturday it is hours away.
        (at(4, 0, 30), at(3, 0, 35), "day-before", "Tomorrow", "tomorrow at 00:30"),
        (at(4, 0, 30), at(3, 18), "day-before", "Tonight", "tonight at 00:30"),
        (
            at(4, 0, 30),
            at(3, 20, 10),
            "day-before",
            "In about 4 hours",
            "in about 4 hours, at 00:30",
        ),
        (at(4, 0, 30), at(3, 22), "soon", "In about 3 hours", "in about 3 hours, at 00:30"),
    ],
)
def test_a_reminder_says_how_long_is_left_when_it_is_written(
    starts, now, reminder, subject, phrase
):
    event = EventFactory(
        title="Canvassing in Mickleover", starts_at=starts, ends_at=starts + timedelta(hours=2)
    )
    RsvpFactory(event=event, going_since=starts - timedelta(days=3))

    assert reminders_send_due(now=now) == 1

    email = OutboundEmail.objects.get(key__startswith=f"reminder-{reminder}:")
    assert email.subject == f"{subject}: Canvassing in Mickleover at {starts:%H:%M}"
    sentence = f"it starts {phrase}."
    assert sentence in email.body_text
    assert sentence in email.body_html
    others = [w for w in ("tomorrow", "today", "tonight", "in about", "minutes") if w not in phrase]
    written = f"{email.subject} {email.body_text} {email.body_html}".lower()
    assert [word for word in others if word in written] == []


def test_the_wording_is_in_uk_time_in_winter_and_summer():
    winter = datetime(2027, 1, 9, 9, 0, tzinfo=LONDON)  # GMT: 09:00 UTC
    summer = at(3, 9)  # BST: 08:00 UTC
    for starts in (winter, summer):
        words = event_starts_in(starts_at=starts, now=starts - timedelta(hours=20))
        assert (words.label, words.phrase, words.clock) == (
            "Tomorrow",
            "tomorrow at 09:00",
            "09:00",
        )
    # Just before midnight in summer, UTC has already moved on to the next day.
    late = event_starts_in(starts_at=at(3, 23, 45), now=at(3, 8))
    assert late.label == "Today"


def test_a_reminder_further_off_names_the_day():
    words = event_starts_in(starts_at=at(4, 10), now=at(2, 9))
    assert words.label == "Sun 4 Jul"
    assert words.phrase == "on Sunday 4 July at 10:00"
    assert event_starts_in(starts_at=at(3, 10), now=at(3, 9, 59)).phrase == "in 1 minute, at 10:00"
    assert event_starts_in(starts_at=at(3, 10), now=at(3, 9)).label == "In about 1 hour"
