"""The emails end to end: a real Celery worker on Redis sending to a real SMTP server."""

import re
from datetime import timedelta

import icalendar
import pytest
from django.db import transaction
from django.utils import timezone

from campaign_site.core.models import OutboundEmail
from campaign_site.core.selectors import campaign_settings_get
from events.models import Rsvp
from events.services import event_cancel, event_publish, event_update
from events.tasks import events_sweep_task
from tests.events.factories import EventFactory, RsvpFactory, SupporterFactory
from tests.events.helpers import assert_scheduling_message, calendar_part

pytestmark = pytest.mark.services

CANCEL_LINK = re.compile(r"http://localhost:8000(/events/cancel/[^/\s]+/)")


def calendar_of(received, method="PUBLISH") -> icalendar.Event:
    """The attached calendar entry, as icalendar reads it, after checking the MIME part
    and the file with a strict second parser and RFC 5546's rules for `method`."""
    part, strict = calendar_part(received.message)
    assert part.get_param("method") == method
    assert_scheduling_message(
        strict, method=method, organizer=campaign_settings_get().contact_email
    )
    calendar = icalendar.Calendar.from_ical(part.get_payload(decode=True))
    [vevent] = calendar.walk("VEVENT")
    return vevent


def sign_up(client, event, first_name, email):
    response = client.post(f"/events/{event.slug}/", {"first_name": first_name, "email": email})
    assert response.status_code == 302
    return response


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
    assert "you are on the waiting list: number 1 in the queue" in waiting.text
    assert "number 1 in the queue" in waiting.html
    assert "calendar" not in waiting.text.lower() and "calendar" not in waiting.html.lower()
    [cat_waiting] = mailbox.to("cat@example.org")
    assert "number 2 in the queue" in cat_waiting.text

    [confirmation] = mailbox.to("ann@example.org")
    cancel_path = CANCEL_LINK.search(confirmation.text).group(1)
    assert "Cancel my place" in client.get(cancel_path).content.decode()
    client.post(cancel_path)

    received = mailbox.wait_for(4)
    [promotion] = [mail for mail in received if "A place came free" in mail.subject]
    assert promotion.rcpt_tos == ["bob@example.org"]
    assert "Allestree Park car park" in promotion.text
    assert calendar_of(promotion)["UID"] == f"event-{event.uid}@localhost"
    # Nothing more to Cat, who is still waiting: her one email is the waiting-list one.
    cat_keys = OutboundEmail.objects.filter(to="cat@example.org").values_list("key", flat=True)
    assert [key.split(":")[0] for key in cat_keys] == ["rsvp-waiting"]
    statuses = dict(Rsvp.objects.values_list("first_name", "status"))
    assert statuses == {"Ann": "cancelled", "Bob": "going", "Cat": "waiting"}


def test_the_reminder_sweep_on_the_worker_sends_each_reminder_once(worker, mailbox):
    soon = timezone.now() + timedelta(hours=2)
    event = EventFactory(starts_at=soon, ends_at=soon + timedelta(hours=2), slug="soon")
    rsvp = RsvpFactory(event=event, supporter__email="dev@example.org", first_name="Dev")
    RsvpFactory(event=event, status=Rsvp.Status.WAITING, going_since=None)

    events_sweep_task.delay()
    [reminder] = mailbox.wait_for(1)
    # Later sweeps (run here, to completion) write nothing more to send.
    events_sweep_task()
    events_sweep_task()

    assert OutboundEmail.objects.count() == 1
    assert len(mailbox.received) == 1
    assert reminder.rcpt_tos == ["dev@example.org"]
    assert reminder.subject.startswith("In about 2 hours: ")
    assert "it starts in about 2 hours, at " in reminder.text
    calendar_of(reminder)
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
        # A CANCEL of the entry the person has (same UID, higher SEQUENCE) removes it.
        vevent = calendar_of(mail, method="CANCEL")
        assert vevent["STATUS"] == "CANCELLED"
        assert vevent["UID"] == f"event-{event.uid}@localhost"
        assert vevent["SEQUENCE"] == 1
        assert str(vevent["ATTENDEE"]) == f"mailto:{mail.rcpt_tos[0]}"  # nobody else
    [going], [waiting] = mailbox.to("fay@example.org"), mailbox.to("gus@example.org")
    assert "the calendar file attached removes it from your calendar" in going.text
    assert "removes it from your calendar" not in waiting.text + waiting.html
    assert "you were on its waiting list" in waiting.text
    assert "If you put it in your calendar from the session page" in waiting.html
    # Gus never had a place: his copy carries no meeting point.
    assert "Allestree Park car park" in str(calendar_of(going, method="CANCEL")["LOCATION"])
    assert "Allestree Park" not in calendar_of(waiting, method="CANCEL").to_ical().decode()
    assert "Allestree Park car park" not in waiting.text


def test_a_change_notice_to_someone_waiting_gives_their_place_and_no_meeting_point(worker, mailbox):
    event = EventFactory(slug="moved-full", capacity=1)
    RsvpFactory(event=event, supporter__email="hal@example.org")
    RsvpFactory(event=event, supporter__email="ivy@example.org", status="waiting", going_since=None)

    with transaction.atomic():
        event.place_name = "Allestree Library"
        event_update(event=event)

    mailbox.wait_for(2)
    [going], [waiting] = mailbox.to("hal@example.org"), mailbox.to("ivy@example.org")
    assert "Where: Allestree Library, Duffield Road" in going.text
    assert "Allestree Library" not in waiting.text + waiting.html
    assert "Where: Allestree, DE22 (the exact meeting point comes with a place)" in waiting.text
    assert "You are still on the waiting list: number 1 in the queue." in waiting.text
    assert "calendar" not in waiting.text.lower() and waiting.attachments() == []


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
    assert not OutboundEmail.objects.exists()  # nothing is written at publication

    events_sweep_task.delay()
    received = mailbox.wait_for(3)
    events_sweep_task()  # a second sweep (run here, to completion) writes nothing more
    with transaction.atomic():
        event_publish(event=drafts[0])

    assert OutboundEmail.objects.count() == 3
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


def test_the_my_sessions_link_asked_for_on_the_events_page_arrives_from_the_worker(
    worker, mailbox, client
):
    """The request only hands the address over; the worker looks it up and sends."""
    RsvpFactory(event=EventFactory(title="Canvassing in Allestree"), supporter__email="dee@x.org")

    for address in ("nobody@example.org", "DEE@x.org"):
        response = client.post("/events/my-sessions/", {"email": address})
        assert response.status_code == 200 and "Check your email" in response.content.decode()

    [received] = mailbox.wait_for(1)
    assert received.rcpt_tos == ["dee@x.org"]
    assert re.search(r"http://localhost:8000/events/my-sessions/[^/\s]+/", received.text)
    assert "Canvassing in Allestree" in received.text
