"""New-session alerts: each published session, once, to the supporters who asked.

The alert is rendered once per session, before any transaction, and fanned out through the
core fan-out (campaign_site/core/fanout.py) with each person's links put in by string
replacement: no row lock is held while it renders or while the rows are written.
"""

from collections.abc import Sequence
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from campaign_site.core.audit import audit_record
from campaign_site.core.fanout import FanOutCopy, fanout_marks, keyset_chunks, outbox_fan_out
from campaign_site.core.models import AuditEvent
from campaign_site.core.outbox import outbox_render
from events.emails import event_email_context
from events.models import Event
from volunteers.models import Supporter
from volunteers.selectors import supporters_bulk_copies

ALERT_FIELDS = {
    Event.Kind.CANVASS: "wants_canvass_alerts",
    Event.Kind.PHONEBANK: "wants_phonebank_alerts",
}
ALERT_LINKS = ("greeting", "preferences_url", "unsubscribe_url")


def alert_recipients(*, event: Event):
    """Confirmed, subscribed supporters who asked for alerts of this kind of session."""
    return Supporter.objects.confirmed().filter(**{ALERT_FIELDS[event.kind]: True}).order_by("pk")


def alert_greeting(supporter: Supporter) -> str:
    return f"Hello {supporter.name}" if supporter.name else "Hello"


def event_alerts_send(*, event: Event, now: datetime | None = None) -> int:
    """Write the alerts for one newly published session (at most once per session)."""
    now = now or timezone.now()
    event = Event.objects.get(pk=event.pk)
    if event.alerts_sent_at is not None or not event.is_published or event.starts_at <= now:
        return 0
    rendered = outbox_render(
        template="events/email/alert",
        context={**event_email_context(event), **fanout_marks(*ALERT_LINKS)},
    )

    def copies_for(supporters: Sequence[Supporter]) -> list[FanOutCopy]:
        return [
            FanOutCopy(
                key=f"alert:{event.pk}:{supporter.pk}",
                to=supporter.email,
                links={"greeting": alert_greeting(supporter), **links},
                headers=headers,
                person=supporter,
            )
            for supporter, links, headers in supporters_bulk_copies(supporters)
        ]

    created = outbox_fan_out(
        render=lambda variant: rendered,
        recipients=keyset_chunks(
            alert_recipients(event=event).only("pk", "email", "name", "manage_token"),
            chunk_size=1000,
        ),
        copies_for=copies_for,
        about=event,
    )
    with transaction.atomic():
        marked = Event.objects.filter(pk=event.pk, alerts_sent_at__isnull=True).update(
            alerts_sent_at=now
        )
        if marked or created:
            audit_record(
                actor=None,
                action=AuditEvent.Action.BULK_EMAIL,
                what=f"New-session alert: {event}",
                rows=created,
            )
    return created


def events_alerts_pending(*, now: datetime | None = None) -> list[int]:
    """Published, upcoming sessions whose alerts have not gone out (a lost task)."""
    return list(
        Event.objects.published()
        .filter(alerts_sent_at__isnull=True, starts_at__gt=now or timezone.now())
        .values_list("pk", flat=True)
    )
