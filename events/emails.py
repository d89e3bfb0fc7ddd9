"""What goes into the emails a volunteer gets about a session.

Every email is written to the outbox with a key naming why it exists; a person's own
emails carry the private details (meeting point, joining link) and their cancel link.
"""

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from campaign_site.core.models import OutboundEmail
from campaign_site.core.outbox import outbox_enqueue
from campaign_site.core.text import render_organiser_text
from events.ics import event_ics_attachment, event_url, google_calendar_url
from events.models import Event, Rsvp
from events.tokens import rsvp_cancel_token


def event_when_text(event: Event) -> str:
    """'Saturday 5 December 2026, 10:00 to 12:30' in UK time."""
    start = timezone.localtime(event.starts_at)
    end = timezone.localtime(event.ends_at)
    day = f"{start:%A} {start.day} {start:%B %Y}"
    if start.date() == end.date():
        return f"{day}, {start:%H:%M} to {end:%H:%M}"
    return f"{day}, {start:%H:%M} to {end:%A} {end.day} {end:%B}, {end:%H:%M}"


def rsvp_cancel_url(rsvp: Rsvp) -> str:
    return settings.SITE_URL + reverse("events:rsvp_cancel", args=[rsvp_cancel_token(rsvp)])


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
    event = rsvp.event
    context = event_email_context(event)
    context.update(
        rsvp=rsvp,
        first_name=rsvp.first_name,
        cancel_url=rsvp_cancel_url(rsvp),
        location=event.private_location,
        online_link=event.online_link if event.is_online else "",
    )
    return context


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
        attachments=[event_ics_attachment(rsvp.event)] if attach_calendar else None,
        person=rsvp.supporter,
        about=rsvp.event,
    )
