"""iCalendar files: the public feeds and the per-person attachments.

Public calendars carry only what a public page shows. A person's own copy (attached to
their confirmation, reminders and notices) adds the meeting point and the joining link.
UIDs come from the event's UUID, so a client updates the entry it already has.
"""

from collections.abc import Iterable
from datetime import UTC
from urllib.parse import urlencode, urlsplit
from zoneinfo import ZoneInfo

import icalendar
from django.conf import settings
from django.urls import reverse

from events.models import Event

LONDON = ZoneInfo("Europe/London")
PRODID = "-//Campaign site//Sessions//EN"


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


def _vevent(event: Event, *, private: bool) -> icalendar.Event:
    vevent = icalendar.Event()
    vevent.add("uid", event_ics_uid(event))
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


def calendar_build(events: Iterable[Event], *, private: bool, name: str = "") -> bytes:
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    if name:
        calendar.add("x-wr-calname", name)
        calendar.add("x-wr-timezone", "Europe/London")
    for event in events:
        calendar.add_component(_vevent(event, private=private))
    calendar.add_missing_timezones()
    return calendar.to_ical()


def event_ics_attachment(event: Event, *, private: bool = True) -> dict:
    """The person's own copy of the session, for an outbox row's attachments (`private`:
    with the meeting point and joining link, for someone with a place)."""
    return {
        "filename": f"{event.slug}.ics",
        "content": calendar_build([event], private=private).decode(),
        "mimetype": "text/calendar",
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
