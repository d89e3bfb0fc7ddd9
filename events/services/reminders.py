"""Reminders, found by a periodic sweep rather than scheduled per person.

A reminder is due when its window has opened and it has not been sent for the session's
current start time: so a session moved by an organiser is simply reminded at its new
time, and running the sweep twice (or two beats at once) sends nothing twice. Its wording
("tomorrow", "today", "in about 3 hours") comes from the time left when it is written, not
from which reminder it is: a sweep delayed by an outage, or a session moved to later
today, must not say "tomorrow".
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from events.emails import event_starts_in, rsvp_email_send
from events.models import Event, Rsvp

BATCH = 200


@dataclass(frozen=True)
class Reminder:
    name: str
    before: timedelta
    sent_field: str
    template: str


DAY_BEFORE = Reminder("day-before", timedelta(hours=24), "day_before_reminder_for", "reminder")
SOON = Reminder("soon", timedelta(hours=3), "soon_reminder_for", "reminder")


def reminders_due(*, reminder: Reminder, now: datetime):
    """Places whose reminder window is open now and whose reminder is not yet sent.

    People who got their place after the window opened skip that reminder: their
    confirmation (or promotion notice) was just as recent. The day-before reminder
    gives way to the one a few hours before once that window opens.
    """
    rsvps = Rsvp.objects.filter(
        status=Rsvp.Status.GOING,
        event__status=Event.Status.PUBLISHED,
        event__starts_at__gt=now,
        event__starts_at__lte=now + reminder.before,
        going_since__lte=F("event__starts_at") - reminder.before,
    ).exclude(**{reminder.sent_field: F("event__starts_at")})
    if reminder is DAY_BEFORE:
        rsvps = rsvps.filter(event__starts_at__gt=now + SOON.before)
    return rsvps


def reminders_send_due(*, now: datetime | None = None) -> int:
    """Write every reminder that is due to the outbox; returns how many."""
    now = now or timezone.now()
    total = 0
    for reminder in (SOON, DAY_BEFORE):
        while sent := _send_batch(reminder=reminder, now=now):
            total += sent
    return total


@transaction.atomic
def _send_batch(*, reminder: Reminder, now: datetime) -> int:
    rsvps = list(
        reminders_due(reminder=reminder, now=now)
        .select_related("event", "supporter")
        .select_for_update(skip_locked=True, of=("self",))
        .order_by("pk")[:BATCH]
    )
    for rsvp in rsvps:
        starts_at = rsvp.event.starts_at
        rsvp_email_send(
            rsvp=rsvp,
            key=f"reminder-{reminder.name}:{rsvp.pk}:{int(starts_at.timestamp())}",
            template=reminder.template,
            extra={"starts_in": event_starts_in(starts_at=starts_at, now=now)},
            attach_calendar=True,
        )
        setattr(rsvp, reminder.sent_field, starts_at)
    Rsvp.objects.bulk_update(rsvps, [reminder.sent_field])
    return len(rsvps)
