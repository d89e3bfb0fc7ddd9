"""What goes into the emails a volunteer gets about a session.

Every email is written to the outbox with a key naming why it exists; a person's own
emails carry the private details (meeting point, joining link) and their cancel link.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from campaign_site.core.models import OutboundEmail
from campaign_site.core.outbox import outbox_enqueue
from campaign_site.core.text import render_organiser_text
from events.ics import LONDON, event_ics_attachment, event_url, google_calendar_url
from events.models import Event, Rsvp
from events.phonebank.tokens import caller_url
from events.selectors import rsvp_waiting_position
from events.tokens import my_sessions_token, rsvp_cancel_token
from volunteers.models import Supporter


def event_when_text(event: Event) -> str:
    """'Saturday 5 December 2026, 10:00 to 12:30' in UK time."""
    start = timezone.localtime(event.starts_at)
    end = timezone.localtime(event.ends_at)
    day = f"{start:%A} {start.day} {start:%B %Y}"
    if start.date() == end.date():
        return f"{day}, {start:%H:%M} to {end:%H:%M}"
    return f"{day}, {start:%H:%M} to {end:%A} {end.day} {end:%B}, {end:%H:%M}"


@dataclass(frozen=True)
class StartsIn:
    """How long until a session starts, in words, for a reminder written at `now`."""

    label: str  # starts a subject: "Tomorrow", "Today", "In about 3 hours"
    phrase: str  # ends "it starts ...": "tomorrow at 10:00", "in about 3 hours, at 14:00"
    clock: str  # "10:00", UK time


# Closer than this, a reminder says how many hours are left rather than which day.
HOURS_NOT_DAYS = timedelta(hours=6)
# Before this hour, a session the next day within half a day is "tonight" (00:30 on
# Sunday, seen on Saturday evening, is not what "tomorrow" makes people think of).
SMALL_HOURS_END = 5


def event_starts_in(*, starts_at: datetime, now: datetime) -> StartsIn:
    """The wording for the time left from `now` (the moment the email is written, in UK
    time), so a reminder that goes out late or on the day never says "tomorrow" wrongly."""
    start, today = starts_at.astimezone(LONDON), now.astimezone(LONDON)
    clock = f"{start:%H:%M}"
    left = starts_at - now
    minutes = max(1, int(left.total_seconds() // 60))
    if minutes < 60:
        words = f"in {minutes} minute{'' if minutes == 1 else 's'}"
        return StartsIn(words.capitalize(), f"{words}, at {clock}", clock)
    if left < HOURS_NOT_DAYS:
        hours = int(minutes / 60 + 0.5)
        words = f"in about {hours} hour{'' if hours == 1 else 's'}"
        return StartsIn(words.capitalize(), f"{words}, at {clock}", clock)
    days = (start.date() - today.date()).days
    if days == 0:
        day = "today"
    elif days == 1 and start.hour < SMALL_HOURS_END and left < timedelta(hours=12):
        day = "tonight"
    elif days == 1:
        day = "tomorrow"
    else:
        short = f"{start:%a} {start.day} {start:%b}"
        return StartsIn(short, f"on {start:%A} {start.day} {start:%B} at {clock}", clock)
    return StartsIn(day.capitalize(), f"{day} at {clock}", clock)


def rsvp_cancel_path(rsvp: Rsvp) -> str:
    return reverse("events:rsvp_cancel", args=[rsvp_cancel_token(rsvp)])


def rsvp_cancel_url(rsvp: Rsvp) -> str:
    return settings.SITE_URL + rsvp_cancel_path(rsvp)


def my_sessions_path(supporter: Supporter) -> str:
    return reverse("events:my_sessions", args=[my_sessions_token(supporter)])


def my_sessions_url(supporter: Supporter) -> str:
    """The signed link to the page of a person's own sessions, in every session email."""
    return settings.SITE_URL + my_sessions_path(supporter)


def event_email_context(event: Event) -> dict:
    return {
        "event": event,
        "when": event_when_text(event),
        "event_url": event_url(event),
        "description_html": render_organiser_text(event.description),
        "google_calendar_url": google_calendar_url(event),
        "ics_url": settings.SITE_URL + reverse("events:detail_ics", args=[event.slug]),
    }


def rsvp_email_context(rsvp: Rsvp) -> dict:
    """The session as this person may see it: the meeting point and the joining link come
    with a place (someone waiting sees what the public page shows, and their place in the
    queue)."""
    event = rsvp.event
    context = event_email_context(event)
    has_place = rsvp.status == Rsvp.Status.GOING
    context.update(
        rsvp=rsvp,
        first_name=rsvp.first_name,
        cancel_url=rsvp_cancel_url(rsvp),
        location=event.private_location if has_place else event_public_where(event),
        online_link=event.online_link if event.is_online and has_place else "",
        waiting_position=rsvp_waiting_position(rsvp),
        my_sessions_url=my_sessions_url(rsvp.supporter),
        calling_url=rsvp_calling_url(rsvp),
    )
    return context


def event_public_where(event: Event) -> str:
    """Where a session is, as far as someone without a place may know."""
    if event.is_online or event.location_is_public:
        return event.public_location
    area = event.public_area or "the area"
    return f"{area} (the exact meeting point comes with a place)"


def rsvp_calling_url(rsvp: Rsvp) -> str:
    """The caller's own link to the calling screen, for a place at a phonebank session."""
    event = rsvp.event
    if event.kind != Event.Kind.PHONEBANK or event.is_cancelled:
        return ""
    return caller_url(rsvp) if rsvp.status == Rsvp.Status.GOING else ""


def rsvp_email_send(
    *,
    rsvp: Rsvp,
    key: str,
    template: str,
    extra: dict | None = None,
    attach_calendar: bool = False,
) -> OutboundEmail:
    context = rsvp_email_context(rsvp)
    context.update(extra or {})
    return outbox_enqueue(
        key=key,
        to=rsvp.supporter.email,
        template=f"events/email/{template}",
        context=context,
        attachments=[event_ics_attachment(rsvp)] if attach_calendar else None,
        person=rsvp.supporter,
        about=rsvp.event,
    )
