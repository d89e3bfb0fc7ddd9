"""Organisers' writes to sessions: create, edit, publish, cancel, copy, and messages."""

import uuid
from datetime import datetime, timedelta

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from campaign_site.core.audit import audit_record
from campaign_site.core.models import AuditEvent
from campaign_site.core.pagecache import public_pages_invalidate
from events.emails import rsvp_email_send
from events.geography import grid_point_of
from events.ics import LONDON
from events.models import Event, Rsvp
from events.services.alerts import alert_digest_add
from events.services.rsvps import rsvps_fill_free_spots

# A change to any of these updates the calendar entry (SEQUENCE goes up).
CALENDAR_FIELDS = (
    "kind",
    "title",
    "description",
    "starts_at",
    "ends_at",
    "what_to_bring",
    "accessibility",
    "format",
    "public_area",
    "place_name",
    "address",
    "postcode",
    "location_is_public",
    "online_link",
)
# A change to any of these is worth an email to the people coming.
NOTICE_FIELDS = (
    "starts_at",
    "ends_at",
    "format",
    "place_name",
    "address",
    "postcode",
    "online_link",
)
COPIED_FIELDS = (*CALENDAR_FIELDS, "capacity", "contact_name", "contact_phone", "contact_email")


def _place_on_grid(event: Event) -> None:
    """Store where the session's postcode district is, so "near you" searches sort in the
    database instead of looking each session up on every request."""
    point = grid_point_of(event.postcode) if event.postcode else None
    event.grid_easting, event.grid_northing = point or (None, None)


class SessionError(Exception):
    """An organiser asked for something the session's state does not allow."""


def _unique_slug(event: Event) -> str:
    start = timezone.localtime(event.starts_at, LONDON)
    base = slugify(f"{event.title} {start:%Y-%m-%d}")[:120].strip("-") or "session"
    taken = set(
        Event.objects.filter(slug__startswith=base)
        .exclude(pk=event.pk)
        .values_list("slug", flat=True)
    )
    slug, number = base, 2
    while slug in taken:
        slug, number = f"{base}-{number}", number + 1
    return slug


@transaction.atomic
def event_create(*, event: Event) -> Event:
    """Save a new session as a draft (publishing is a separate step)."""
    event.status = Event.Status.DRAFT
    event.sequence = 0
    if not event.slug:
        event.slug = _unique_slug(event)
    event.full_clean()
    _place_on_grid(event)
    event.save()
    return event


@transaction.atomic
def event_update(*, event: Event, now: datetime | None = None) -> Event:
    """Save an organiser's edits. Moving the time or the place emails the people coming
    (with an updated calendar entry); more capacity promotes people waiting."""
    public_pages_invalidate(topics=("events",))
    now = now or timezone.now()
    before = Event.objects.select_for_update().get(pk=event.pk)
    changed = {name for name in COPIED_FIELDS if getattr(before, name) != getattr(event, name)}
    event.status = before.status
    event.sequence = before.sequence + (1 if changed & set(CALENDAR_FIELDS) else 0)
    if not event.slug:
        event.slug = _unique_slug(event)
    event.full_clean()
    _place_on_grid(event)
    event.save()
    if event.is_published and not event.has_ended(now):
        if changed & set(NOTICE_FIELDS):
            _notify_people_coming(
                event=event,
                key=f"event-changed:{event.pk}:{event.sequence}",
                template="event_changed",
                extra={
                    "time_changed": bool(changed & {"starts_at", "ends_at"}),
                    "place_changed": bool(
                        (changed & set(NOTICE_FIELDS)) - {"starts_at", "ends_at"}
                    ),
                },
            )
        if "capacity" in changed:
            rsvps_fill_free_spots(event=event, now=now)
    return event


@transaction.atomic
def event_publish(*, event: Event, now: datetime | None = None) -> bool:
    """Put a draft on the calendar. It joins the open new-session alert digest, which goes
    out a short window after it opened (see events/services/alerts.py)."""
    public_pages_invalidate(topics=("events",))
    now = now or timezone.now()
    event = Event.objects.select_for_update().get(pk=event.pk)
    if event.status != Event.Status.DRAFT:
        return False
    event.full_clean()
    event.status = Event.Status.PUBLISHED
    event.published_at = now
    event.alert_digest = alert_digest_add(event=event, now=now)
    event.save(update_fields=["status", "published_at", "alert_digest", "updated_at"])
    return True


@transaction.atomic
def event_cancel(
    *, event: Event, message: str = "", now: datetime | None = None, actor=None
) -> bool:
    """Cancel a session and tell everyone going or waiting (their calendars update too).
    The notice is audited as a bulk email by `actor` (the organiser)."""
    public_pages_invalidate(topics=("events",))
    now = now or timezone.now()
    event = Event.objects.select_for_update().get(pk=event.pk)
    if event.status == Event.Status.CANCELLED:
        return False
    was_published = event.is_published
    event.status = Event.Status.CANCELLED
    event.cancelled_at = now
    event.sequence += 1
    event.save(update_fields=["status", "cancelled_at", "sequence", "updated_at"])
    if was_published and not event.has_ended(now):
        told = _notify_people_coming(
            event=event,
            key=f"event-cancelled:{event.pk}",
            template="event_cancelled",
            extra={"message": message.strip()},
        )
        audit_record(
            actor=actor,
            action=AuditEvent.Action.BULK_EMAIL,
            what=f"Cancellation notice for {event}",
            rows=told,
        )
    return True


def event_duplicate(*, event: Event, starts_at: datetime | None = None) -> Event:
    """A draft copy of the session, at the same time or at `starts_at`."""
    copy = Event(**{name: getattr(event, name) for name in COPIED_FIELDS})
    if starts_at is not None:
        copy.ends_at = starts_at + (event.ends_at - event.starts_at)
        copy.starts_at = starts_at
    return event_create(event=copy)


@transaction.atomic
def event_repeat_weekly(*, event: Event, weeks: int) -> list[Event]:
    """Draft copies for each of the next `weeks` weeks, at the same UK clock time
    (so a 10:00 session stays at 10:00 across the clock changes)."""
    if not 1 <= weeks <= 52:
        raise SessionError("Repeat for between 1 and 52 weeks.")
    local_start = timezone.localtime(event.starts_at, LONDON).replace(tzinfo=None)
    copies = []
    for week in range(1, weeks + 1):
        wall_clock = local_start + timedelta(weeks=week)
        copies.append(event_duplicate(event=event, starts_at=wall_clock.replace(tzinfo=LONDON)))
    return copies


@transaction.atomic
def event_message_people_going(
    *, event: Event, subject: str, message: str, actor: AbstractBaseUser | None = None
) -> int:
    """Email everyone with a place at the session a message from the organisers (audited)."""
    if not subject.strip() or not message.strip():
        raise SessionError("Write a subject and a message.")
    message_id = uuid.uuid4().hex[:12]
    sent = _notify_people_coming(
        event=event,
        key=f"event-message:{event.pk}:{message_id}",
        template="organiser_message",
        extra={"subject": subject.strip(), "message": message.strip()},
        statuses=[Rsvp.Status.GOING],
    )
    audit_record(
        actor=actor,
        action=AuditEvent.Action.BULK_EMAIL,
        what=f"Message to the people going to {event}: {subject.strip()}",
        rows=sent,
    )
    return sent


def _notify_people_coming(
    *,
    event: Event,
    key: str,
    template: str,
    extra: dict,
    statuses: list[str] | None = None,
) -> int:
    rsvps = event.rsvps.filter(
        status__in=statuses or [Rsvp.Status.GOING, Rsvp.Status.WAITING]
    ).select_related("supporter")
    count = 0
    for rsvp in rsvps:
        rsvp.event = event
        rsvp_email_send(
            rsvp=rsvp,
            key=f"{key}:{rsvp.pk}",
            template=template,
            extra=extra,
            attach_calendar=rsvp.status == Rsvp.Status.GOING or event.is_cancelled,
        )
        count += 1
    return count
