"""The emails end to end: a real Celery worker on Redis sending to a real SMTP server."""

import re
import time
from datetime import timedelta

import icalendar
import pytest
from django.db import transaction
from django.utils import timezone

from campaign_site.core.models import OutboundEmail
from events.models import Rsvp
from events.services import event_cancel, event_publish, event_update
from events.tasks import events_sweep_task
from tests.events.factories import EventFactory, RsvpFactory, SupporterFactory

pytestmark = pytest.mark.services

CANCEL_LINK = re.compile(r"http://localhost:8000(/events/cancel/[^/\s]+/)")


def calendar_of(received) -> icalendar.Event:
    [attachment] = received.attachments()
    assert attachment.get_content_type() == "text/calendar"
    calendar = icalendar.Calendar.from_ical(attachment.get_payload(decode=True))
    [vevent] = calendar.walk("VEVENT")
    return vevent


def sign_up(client, event, first_name, email):
    response = client.post(f"/events/{event.slug}/", {"first_name": first_name, "email": email})
    assert response.status_code == 302
    return response


def settle(seconds=1.5):
    """Give the worker time to send anything it should not."""
    time.sleep(seconds)


def test_signup_confirmation_arrives_with_the_private_details_and_a_calendar_file(
    worker, mailbox, client
):
    event = EventFactory(title="Canvassing in Allestree", slug="allestree")

    sign_up(client, event, "Priya", "priya@example.org")

    [received] = mailbox.wait_for(1)
    assert received.rcpt_tos == ["priya@example.org"]
    assert received.subject.startswith("You're going: Canvassing in Allestree")
    assert "Hello Priya" in received.text and "Hello Priya" in received.html
    assert "Allestree Park car park, Duffield Road, Allestree, Derby, DE22 2EY" in received.text
    assert CANCEL_LINK.search(received.text) and CANCEL_LINK.search(received.html)
    assert "Promoted by" in received.text
    vevent = calendar_of(received)
    assert vevent["UID"] == f"event-{event.uid}@localhost"
    assert vevent.decoded("DTSTART") == event.starts_at
    assert "Allestree Park car park" in str(vevent["LOCATION"])


def test_the_online_joining_link_is_in_the_confirmation(worker, mailbox, client):
    event = EventFactory(phonebank=True, slug="phones")
    sign_up(client, event, "Kim", "kim@example.org")
    [received] = mailbox.wait_for(1)
    assert "Join online: https://meet.example.org/secret-room-4812" in received.text
    assert "https://meet.example.org/secret-room-4812" in str(calendar_of(received)["DESCRIPTION"])


def test_waiting_list_then_the_cancel_link_promotes_the_first_person_waiting(
    worker, mailbox, client
):
    event = EventFactory(capacity=1, slug="small")
    sign_up(client, event, "Ann", "ann@example.org")
    mailbox.wait_for(1)
    sign_up(client, event, "Bob", "bob@example.org")
    sign_up(client, event, "Cat", "cat@example.org")
    mailbox.wait_for(3)
    [waiting] = mailbox.to("bob@example.org")
    assert "waiting list" in waiting.subject and waiting.attachments() == []
    assert "Allestree Park car park" not in waiting.text

    [confirmation] = mailbox.to("ann@example.org")
    cancel_path = CANCEL_LINK.search(confirmation.text).group(1)
    assert "Cancel my place" in client.get(cancel_path).content.decode()
    client.post(cancel_path)

    received = mailbox.wait_for(4)
    [promotion] = [mail for mail in received if "A place came free" in mail.subject]
    assert promotion.rcpt_tos == ["bob@example.org"]
    assert "Allestree Park car park" in promotion.text
    assert calendar_of(promotion)["UID"] == f"event-{event.uid}@localhost"
    settle()
    assert len(mailbox.received) == 4  # nothing to Cat, who is still waiting
    statuses = dict(Rsvp.objects.values_list("first_name", "status"))
    assert statuses == {"Ann": "cancelled", "Bob": "going", "Cat": "waiting"}


def test_the_reminder_sweep_on_the_worker_sends_each_reminder_once(worker, mailbox):
    soon = timezone.now() + timedelta(hours=2)
    event = EventFactory(starts_at=soon, ends_at=soon + timedelta(hours=2), slug="soon")
    rsvp = RsvpFactory(event=event, supporter__email="dev@example.org", first_name="Dev")
    RsvpFactory(event=event, status=Rsvp.Status.WAITING, going_since=None)

    events_sweep_task.delay()
    [reminder] = mailbox.wait_for(1)
    events_sweep_task.delay()
    events_sweep_task.delay()
    settle(2)

    assert len(mailbox.received) == 1
    assert reminder.rcpt_tos == ["dev@example.org"]
    assert reminder.subject.startswith("Starting soon: ")
    assert OutboundEmail.objects.get().key.startswith(f"reminder-soon:{rsvp.pk}:")


def test_moving_the_time_sends_a_change_notice_with_a_higher_sequence(worker, mailbox):
    event = EventFactory(slug="moved")
    RsvpFactory(event=event, supporter__email="eve@example.org")

    with transaction.atomic():
        event.starts_at += timedelta(hours=1)
        event.ends_at += timedelta(hours=1)
        event_update(event=event)

    [notice] = mailbox.wait_for(1)
    assert notice.subject.startswith("Changed: ")
    assert "changed the time" in notice.text
    vevent = calendar_of(notice)
    assert vevent["SEQUENCE"] == 1
    assert vevent.decoded("DTSTART") == event.starts_at


def test_cancelling_a_session_tells_the_people_coming(worker, mailbox):
    event = EventFactory(slug="off")
    RsvpFactory(event=event, supporter__email="fay@example.org")
    RsvpFactory(event=event, supporter__email="gus@example.org", status="waiting", going_since=None)

    with transaction.atomic():
        event_cancel(event=event, message="The forecast is a storm.")

    received = mailbox.wait_for(2)
    assert sorted(mail.rcpt_tos[0] for mail in received) == ["fay@example.org", "gus@example.org"]
    for mail in received:
        assert mail.subject.startswith("Cancelled: ")
        assert "The forecast is a storm." in mail.text
        assert calendar_of(mail)["STATUS"] == "CANCELLED"


def test_four_sessions_in_one_window_make_one_alert_email_each(worker, mailbox, settings):
    settings.ALERT_DIGEST_EARLIEST_HOUR = 0  # whatever the hour the suite runs at
    now = timezone.now()
    canvassers = [
        SupporterFactory(
            email=f"canvasser{n}@example.org", confirmed_at=now, wants_canvass_alerts=True
        )
        for n in range(3)
    ]
    SupporterFactory(email="phoner@example.org", confirmed_at=now, wants_phonebank_alerts=True)
    SupporterFactory(email="unconfirmed@example.org", wants_canvass_alerts=True)
    SupporterFactory(
        email="left@example.org", confirmed_at=now, unsubscribed_at=now, wants_canvass_alerts=True
    )
    drafts = [
        EventFactory(status="draft", slug=f"new-canvass-{n}", title=f"Canvassing in Oakwood {n}")
        for n in range(4)
    ]
    # Published two minutes apart, the first one a whole window ago: the window has closed.
    window = timedelta(minutes=settings.ALERT_DIGEST_WINDOW_MINUTES)
    for n, draft in enumerate(drafts):
        with transaction.atomic():
            event_publish(event=draft, now=now - window + timedelta(minutes=2 * n))
    settle(1)
    assert mailbox.received == []  # nothing goes out at publication

    events_sweep_task.delay()
    received = mailbox.wait_for(3)
    events_sweep_task.delay()  # a second sweep sends nothing more
    with transaction.atomic():
        event_publish(event=drafts[0])
    settle(2)

    assert len(mailbox.received) == 3
    assert sorted(mail.rcpt_tos[0] for mail in received) == sorted(s.email for s in canvassers)
    for mail in received:
        assert mail.subject == "4 new sessions: canvassing sessions"
        for draft in drafts:
            assert draft.title in mail.text and draft.title in mail.html
            assert f"/events/{draft.slug}/" in mail.text
        assert str(mail.message["List-Unsubscribe"]).strip().startswith("<http://localhost:8000/")
        assert mail.message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert "Unsubscribe" in mail.html
        assert "Allestree Park car park" not in mail.text
