"""iCalendar files: the public feeds and the per-person attachments.

Public calendars carry only what a public page shows. A person's own copy (attached to
their confirmation, reminders and notices) adds the meeting point and the joining link.
UIDs come from the event's UUID, so a client updates the entry it already has.

Everything is published (RFC 5546 PUBLISH, with the campaign as ORGANIZER) except the copy
sent with a cancellation notice: that is a CANCEL for the person it goes to, with the same
UID and a higher SEQUENCE, so their calendar app removes the entry. An email attachment's
Content-Type names the same method as the file (RFC 6047).
"""

from collections.abc import Iterable
from datetime import UTC
from urllib.parse import urlencode, urlsplit
from zoneinfo import ZoneInfo

import icalendar
from django.conf import settings
from django.urls import reverse

from campaign_site.core.selectors import campaign_sender, campaign_settings_get
from events.models import Event, Rsvp

LONDON = ZoneInfo("Europe/London")
PRODID = "-//Campaign site//Sessions//EN"
PUBLISH = "PUBLISH"
CANCEL = "CANCEL"


def event_url(event: Event) -> str:
    return settings.SITE_URL + reverse("events:detail", args=[event.slug])


def event_ics_uid(event: Event) -> str:
    host = urlsplit(settings.SITE_URL).hostname or "localhost"
    return f"event-{event.uid}@{host}"


def event_details_text(event: Event, *, private: bool) -> str:
    parts = [event.description.strip()] if event.description.strip() else []
    if event.what_to_bring.strip():
        parts.append(f"What to bring: {event.what_to_bring.strip()}")
    if event.accessibility.strip():
        parts.append(f"Accessibility: {event.accessibility.strip()}")
    if private:
        if event.is_online:
            parts.append(f"Join online: {event.online_link}")
        else:
            parts.append(f"Meeting point: {event.private_location}")
    elif not event.is_online and not event.location_is_public:
        parts.append("The exact meeting point is emailed to people who sign up.")
    parts.append(event_url(event))
    return "\n\n".join(parts)


def _organizer() -> icalendar.vCalAddress:
    """The campaign, under the name its emails come from; replies go to its contact address."""
    campaign = campaign_settings_get()
    organizer = icalendar.vCalAddress(f"mailto:{campaign.contact_email}")
    organizer.params["cn"] = campaign_sender(campaign).name
    return organizer


def _vevent(event: Event, *, private: bool, organizer: icalendar.vCalAddress) -> icalendar.Event:
    vevent = icalendar.Event()
    vevent.add("uid", event_ics_uid(event))
    vevent.add("organizer", organizer)
    vevent.add("sequence", event.sequence)
    vevent.add("dtstamp", event.updated_at.astimezone(UTC))
    vevent.add("last-modified", event.updated_at.astimezone(UTC))
    vevent.add("dtstart", event.starts_at.astimezone(LONDON))
    vevent.add("dtend", event.ends_at.astimezone(LONDON))
    summary = event.title if not event.is_cancelled else f"Cancelled: {event.title}"
    vevent.add("summary", summary)
    vevent.add("description", event_details_text(event, private=private))
    location = event.private_location if private else event.public_location
    if location:
        vevent.add("location", location)
    vevent.add("url", event_url(event))
    vevent.add("status", "CANCELLED" if event.is_cancelled else "CONFIRMED")
    vevent.add("categories", [event.get_kind_display()])
    return vevent


def _calendar(method: str) -> icalendar.Calendar:
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", method)
    return calendar


def calendar_build(events: Iterable[Event], *, private: bool, name: str = "") -> bytes:
    """A PUBLISH calendar of `events`: the feeds, and a person's own copy (`private`)."""
    calendar = _calendar(PUBLISH)
    if name:
        calendar.add("x-wr-calname", name)
        calendar.add("x-wr-timezone", "Europe/London")
    organizer = _organizer()
    for event in events:
        calendar.add_component(_vevent(event, private=private, organizer=organizer))
    calendar.add_missing_timezones()
    return calendar.to_ical()


def calendar_cancel_build(event: Event, *, attendee_email: str, private: bool = True) -> bytes:
    """A CANCEL of a cancelled session for one person (RFC 5546 3.2.5): same UID, the
    raised SEQUENCE, STATUS:CANCELLED, and the person being removed as the only ATTENDEE
    (never anyone else who was coming)."""
    if not event.is_cancelled:
        raise ValueError("Only a cancelled session is sent as a CANCEL.")
    calendar = _calendar(CANCEL)
    vevent = _vevent(event, private=private, organizer=_organizer())
    vevent.add("attendee", icalendar.vCalAddress(f"mailto:{attendee_email}"))
    calendar.add_component(vevent)
    calendar.add_missing_timezones()
    return calendar.to_ical()


def event_ics_attachment(rsvp: Rsvp) -> dict:
    """The person's own copy of their session, for an outbox row's attachments: a PUBLISH,
    or a CANCEL once the session is cancelled. The mimetype carries the method; Django
    adds the charset (naming it here too would put it in the header twice). The meeting
    point and joining link are only in the copy of someone with a place."""
    event = rsvp.event
    private = rsvp.status == Rsvp.Status.GOING
    if event.is_cancelled:
        email = rsvp.supporter.email
        method = CANCEL
        content = calendar_cancel_build(event, attendee_email=email, private=private)
    else:
        method, content = PUBLISH, calendar_build([event], private=private)
    return {
        "filename": f"{event.slug}.ics",
        "content": content.decode(),
        "mimetype": f"text/calendar; method={method}",
    }


def google_calendar_url(event: Event) -> str:
    def stamp(moment):
        return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")

    query = {
        "action": "TEMPLATE",
        "text": event.title,
        "dates": f"{stamp(event.starts_at)}/{stamp(event.ends_at)}",
        "details": event_details_text(event, private=False),
        "location": event.public_location,
        "ctz": "Europe/London",
    }
    return "https://calendar.google.com/calendar/render?" + urlencode(query)
