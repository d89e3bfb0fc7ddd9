"""New-session alerts: each published session, once, to the supporters who asked."""

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from campaign_site.core.audit import audit_record
from campaign_site.core.models import AuditEvent, OutboundEmail
from campaign_site.core.outbox import outbox_enqueue_many, outbox_links, outbox_render
from events.emails import event_email_context
from events.models import Event
from volunteers.models import Supporter

ALERT_FIELDS = {
    Event.Kind.CANVASS: "wants_canvass_alerts",
    Event.Kind.PHONEBANK: "wants_phonebank_alerts",
}


def alert_recipients(*, event: Event):
    """Confirmed, subscribed supporters who asked for alerts of this kind of session."""
    return Supporter.objects.confirmed().filter(**{ALERT_FIELDS[event.kind]: True}).order_by("pk")


@transaction.atomic
def event_alerts_send(*, event: Event, now: datetime | None = None) -> int:
    """Write the alerts for one newly published session (at most once per session)."""
    from volunteers.selectors import supporter_email_links, supporter_list_unsubscribe_headers

    now = now or timezone.now()
    event = Event.objects.select_for_update().get(pk=event.pk)
    if event.alerts_sent_at is not None or not event.is_published or event.starts_at <= now:
        return 0
    base = event_email_context(event)
    rows = []
    for supporter in alert_recipients(event=event).iterator(chunk_size=500):
        context = {**base, "supporter": supporter, **supporter_email_links(supporter)}
        rendered = outbox_render(template="events/email/alert", context=context)
        rows.append(
            OutboundEmail(
                key=f"alert:{event.pk}:{supporter.pk}",
                to=supporter.email,
                subject=rendered.subject,
                body_text=rendered.body_text,
                body_html=rendered.body_html,
                headers=supporter_list_unsubscribe_headers(supporter),
                **outbox_links(person=supporter, about=event),
            )
        )
    created = outbox_enqueue_many(emails=rows)
    event.alerts_sent_at = now
    event.save(update_fields=["alerts_sent_at"])
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
