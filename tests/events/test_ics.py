"""iCalendar: stable UIDs, rising SEQUENCE, cancelled sessions, UK time across clock changes,
and files that a strict second parser and RFC 5546 accept."""

from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from urllib.parse import parse_qs, urlsplit

import icalendar
import pytest
from django.core import mail

from campaign_site.core.models import OutboundEmail
from campaign_site.core.selectors import campaign_settings_get
from campaign_site.core.sending import outbox_send
from campaign_site.core.services import campaign_settings_update
from events.ics import LONDON, calendar_build, event_ics_attachment, google_calendar_url
from events.selectors import feed_events
from events.services import event_cancel, event_repeat_weekly, event_update, rsvp_create
from tests.events.factories import EventFactory, RsvpFactory
from tests.events.helpers import (
    assert_scheduling_message,
    calendar_part,
    strict_calendar,
    unfolded,
)

pytestmark = pytest.mark.django_db

# The clocks go back at 02:00 BST (01:00 UTC) on Sunday 31 October 2027.
ACROSS_THE_CHANGE_START = datetime(2027, 10, 31, 0, 30, tzinfo=LONDON)  # 00:30 BST = 23:30 UTC
ACROSS_THE_CHANGE_END = datetime(2027, 10, 31, 2, 30, tzinfo=LONDON)  # 02:30 GMT = 02:30 UTC


def vevents(content: bytes) -> list:
    calendar = icalendar.Calendar.from_ical(content)
    return list(calendar.walk("VEVENT"))


def test_the_feed_parses_with_a_timezone_definition_and_stable_uids(client, canvass):
    first = client.get("/events/calendar.ics")
    second = client.get("/events/calendar.ics")

    assert first["Content-Type"] == "text/calendar; charset=utf-8"
    calendar = icalendar.Calendar.from_ical(first.content)
    assert [tz["TZID"] for tz in calendar.walk("VTIMEZONE")] == ["Europe/London"]
    [vevent] = calendar.walk("VEVENT")
    assert vevent["UID"] == f"event-{canvass.uid}@localhost"
    assert [e["UID"] for e in vevents(second.content)] == [vevent["UID"]]
    assert vevent["SUMMARY"] == "Canvassing in Allestree"
    assert vevent["STATUS"] == "CONFIRMED"
    assert vevent.decoded("DTSTART") == canvass.starts_at
    assert vevent["DTSTART"].params["TZID"] == "Europe/London"


def test_each_change_raises_the_sequence_and_cancelling_marks_it_cancelled(canvass):
    assert vevents(calendar_build([canvass], private=False))[0]["SEQUENCE"] == 0

    canvass.starts_at += timedelta(hours=1)
    canvass.ends_at += timedelta(hours=1)
    event_update(event=canvass)
    canvass.refresh_from_db()
    [moved] = vevents(calendar_build([canvass], private=False))
    assert moved["SEQUENCE"] == 1
    assert moved.decoded("DTSTART") == canvass.starts_at

    canvass.contact_name = "Someone else"  # not in the calendar entry: no new SEQUENCE
    event_update(event=canvass)
    canvass.refresh_from_db()
    assert canvass.sequence == 1

    event_cancel(event=canvass)
    canvass.refresh_from_db()
    [cancelled] = vevents(calendar_build([canvass], private=False))
    assert cancelled["SEQUENCE"] == 2
    assert cancelled["STATUS"] == "CANCELLED"
    assert cancelled["UID"] == moved["UID"]


def test_a_session_across_the_october_clock_change(client):
    event = EventFactory(
        title="Late phonebank",
        slug="late-phonebank",
        phonebank=True,
        starts_at=ACROSS_THE_CHANGE_START,
        ends_at=ACROSS_THE_CHANGE_END,
    )
    event.refresh_from_db()  # stored in UTC: 23:30 to 02:30, three real hours
    assert event.ends_at - event.starts_at == timedelta(hours=3)  # 01:00-02:00 happens twice

    [vevent] = vevents(client.get("/events/late-phonebank/calendar.ics").content)
    start, end = vevent.decoded("DTSTART"), vevent.decoded("DTEND")
    assert start.astimezone(UTC) == datetime(2027, 10, 30, 23, 30, tzinfo=UTC)
    assert end.astimezone(UTC) == datetime(2027, 10, 31, 2, 30, tzinfo=UTC)
    assert vevent["DTSTART"].to_ical() == b"20271031T003000"
    assert vevent["DTEND"].to_ical() == b"20271031T023000"

    page = client.get("/events/late-phonebank/").content.decode()
    assert "Sunday 31 October 2027, 00:30" in page
    assert "02:30" in page
    assert 'datetime="2027-10-31T00:30:00+01:00"' in page
    assert 'datetime="2027-10-31T02:30:00+00:00"' in page

    dates = parse_qs(urlsplit(google_calendar_url(event)).query)["dates"]
    assert dates == ["20271030T233000Z/20271031T023000Z"]


def test_repeating_weekly_keeps_the_uk_clock_time_across_the_change():
    event = EventFactory(
        starts_at=datetime(2027, 10, 23, 10, 0, tzinfo=LONDON),
        ends_at=datetime(2027, 10, 23, 12, 30, tzinfo=LONDON),
    )

    copies = event_repeat_weekly(event=event, weeks=2)

    starts = [copy.starts_at.astimezone(LONDON) for copy in copies]
    assert [(s.date().isoformat(), s.strftime("%H:%M")) for s in starts] == [
        ("2027-10-30", "10:00"),
        ("2027-11-06", "10:00"),
    ]
    assert starts[1].utcoffset() == timedelta(0) and event.starts_at.utcoffset() == timedelta(
        hours=1
    )
    assert all(copy.ends_at - copy.starts_at == timedelta(hours=2, minutes=30) for copy in copies)
    assert {copy.status for copy in copies} == {"draft"}
    assert len({copy.uid for copy in copies} | {event.uid}) == 3


def test_the_private_attachment_has_the_meeting_point_and_the_public_feed_does_not(
    canvass, online_phonebank
):
    public = unfolded(calendar_build([canvass, online_phonebank], private=False))
    assert "Allestree Park car park" not in public
    assert "secret-room-4812" not in public
    assert "Allestree, DE22" in public

    canvass_copy = unfolded(event_ics_attachment(RsvpFactory(event=canvass))["content"])
    phonebank_copy = unfolded(event_ics_attachment(RsvpFactory(event=online_phonebank))["content"])
    assert "Allestree Park car park, Duffield Road, Allestree, Derby, DE22 2EY" in canvass_copy
    assert "Join online: https://meet.example.org/secret-room-4812" in phonebank_copy


def test_the_feed_filters_by_kind_and_leaves_out_drafts(client, canvass, online_phonebank):
    EventFactory(status="draft", title="Draft session", slug="draft-session")

    def summaries(query=""):
        return sorted(
            str(e["SUMMARY"]) for e in vevents(client.get(f"/events/calendar.ics{query}").content)
        )

    assert summaries() == ["Canvassing in Allestree", "Tuesday phonebank"]
    assert summaries("?kind=canvass") == ["Canvassing in Allestree"]
    assert summaries("?kind=phonebank") == ["Tuesday phonebank"]


def outbox_calendar(key_prefix: str, to: str):
    """The calendar file of the outbox row for `to` whose key starts with `key_prefix`."""
    row = OutboundEmail.objects.get(key__startswith=key_prefix, to=to)
    [attachment] = row.attachments
    calendar = strict_calendar(attachment["content"])
    assert attachment["mimetype"] == f"text/calendar; method={calendar.method}"
    return calendar


def test_the_feed_and_every_attachment_pass_a_strict_parser_and_rfc_5546(client, canvass):
    """The feed, a confirmation, a change notice and a cancellation, as a second parser
    (not the library that wrote them) reads them."""
    organizer = campaign_settings_get().contact_email
    RsvpFactory(event=canvass, supporter__email="other@example.org")

    feed = strict_calendar(client.get("/events/calendar.ics").content)
    [listed] = feed.events
    assert feed.method == "PUBLISH"
    assert listed.organizer.common_name == "Chris Williamson for Derby North"
    assert_scheduling_message(feed, method="PUBLISH", organizer=organizer)

    rsvp_create(event=canvass, first_name="Priya", email="priya@example.org")
    confirmed = assert_scheduling_message(
        outbox_calendar("rsvp-confirm:", "priya@example.org"),
        method="PUBLISH",
        organizer=organizer,
    )
    assert confirmed.uid == listed.uid and confirmed.sequence == 0
    assert confirmed.status.value == "CONFIRMED"
    assert confirmed.dtstart == canvass.starts_at

    canvass.starts_at += timedelta(hours=1)
    canvass.ends_at += timedelta(hours=1)
    event_update(event=canvass)
    changed = assert_scheduling_message(
        outbox_calendar("event-changed:", "priya@example.org"),
        method="PUBLISH",
        organizer=organizer,
    )
    assert changed.uid == listed.uid and changed.sequence == 1
    assert changed.dtstart == canvass.starts_at

    event_cancel(event=canvass)
    cancel = outbox_calendar("event-cancelled:", "priya@example.org")
    removed = assert_scheduling_message(cancel, method="CANCEL", organizer=organizer)
    assert removed.uid == listed.uid and removed.sequence == 2  # higher than the last one
    assert [attendee.uri for attendee in removed.attendees] == ["mailto:priya@example.org"]
    [row] = OutboundEmail.objects.filter(key__startswith="event-cancelled:", to="priya@example.org")
    assert "other@example.org" not in row.attachments[0]["content"]  # nobody else coming

    after = strict_calendar(calendar_build(feed_events(), private=False))
    [still_listed] = after.events  # a feed publishes the cancellation, it cannot CANCEL
    assert after.method == "PUBLISH" and still_listed.status.value == "CANCELLED"
    assert still_listed.sequence == 2


def test_the_organizer_follows_the_campaign_settings(
    client, canvass, django_capture_on_commit_callbacks
):
    client.get("/events/calendar.ics")  # cached now
    client.get(f"/events/{canvass.slug}/calendar.ics")
    campaign = campaign_settings_get()
    campaign.candidate_name = 'Alex "AJ" Jones'
    campaign.contact_email = "team@example.org"
    with django_capture_on_commit_callbacks(execute=True):  # the cached copies are dropped
        campaign_settings_update(campaign=campaign)

    for url in ("/events/calendar.ics", f"/events/{canvass.slug}/calendar.ics"):
        [vevent] = strict_calendar(client.get(url).content).events
        assert vevent.organizer.uri == "mailto:team@example.org"
        assert vevent.organizer.common_name == 'Alex "AJ" Jones for Derby North'


def sent_messages(settings, key_prefix: str) -> list:
    """The outbox rows starting with `key_prefix`, sent through Django's real message
    building and parsed back with Python's email package."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    ids = OutboundEmail.objects.filter(key__startswith=key_prefix).values_list("pk", flat=True)
    mail.outbox.clear()
    outbox_send(email_ids=list(ids))
    return [
        message_from_bytes(sent.message().as_bytes(), policy=policy.default) for sent in mail.outbox
    ]


def test_the_attachment_content_type_names_the_method_of_the_file(settings, canvass):
    rsvp_create(event=canvass, first_name="Zoë", email="zoe@example.org")

    organizer = campaign_settings_get().contact_email

    [confirmation] = sent_messages(settings, "rsvp-confirm:")
    assert confirmation.get_content_type() == "multipart/mixed"
    body, attached = confirmation.iter_parts()
    assert [p.get_content_type() for p in body.iter_parts()] == ["text/plain", "text/html"]
    part, calendar = calendar_part(confirmation)
    assert part is attached and part.get_content_disposition() == "attachment"
    assert part.get_param("method") == "PUBLISH"
    assert part.get_filename() == f"{canvass.slug}.ics"
    assert_scheduling_message(calendar, method="PUBLISH", organizer=organizer)

    event_cancel(event=canvass)
    [cancellation] = sent_messages(settings, "event-cancelled:")
    part, calendar = calendar_part(cancellation)
    assert part.get_param("method") == "CANCEL"
    removed = assert_scheduling_message(calendar, method="CANCEL", organizer=organizer)
    assert removed.sequence == 1 and removed.summary == f"Cancelled: {canvass.title}"


def test_only_a_cancelled_session_is_sent_as_a_cancel(canvass):
    from events.ics import calendar_cancel_build

    with pytest.raises(ValueError):
        calendar_cancel_build(canvass, attendee_email="priya@example.org")
