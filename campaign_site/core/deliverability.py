"""Deliverability: what the email provider's tracking webhooks report, and what follows.

django-anymail's own tracking webhook view for the provider in ANYMAIL_ESP (at
/anymail/<esp>/tracking/, behind its WEBHOOK_SECRET basic auth; see webhooks.py) turns the
provider's payload into a tracking signal; the
receiver here (connected in apps.py) records bounces and complaints once per provider
event id, then:

- a hard bounce or a complaint suppresses the address for all bulk email at once (rows
  not yet sent are skipped when their turn comes; fan-outs leave the address out);
- soft bounces are counted over OUTBOX_SOFT_BOUNCE_DAYS and suppress the address after
  OUTBOX_SOFT_BOUNCE_LIMIT;
- a bulk send (the rows about one update, say) whose bounce or complaint rate passes its
  threshold, once OUTBOX_PAUSE_MIN_SAMPLE of its emails have gone, is paused: the service
  named for its kind in OUTBOX_BULK_PAUSE_SERVICES records the pause and tells organisers,
  and the send's unsent rows are held.

Transactional email (receipts, confirmations) is never suppressed. Suppression is by
address, so the core needs no app: only a keyed hash of each address is kept.
"""

import hashlib
import logging
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from anymail.signals import AnymailTrackingEvent, EventType, RejectReason
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.module_loading import import_string

from campaign_site.core.models import DeliveryEvent, EmailSuppression, OutboundEmail
from campaign_site.core.outbox import outbox_hold
from campaign_site.core.suppression import address_hash

logger = logging.getLogger(__name__)

BOUNCES = (DeliveryEvent.Kind.HARD_BOUNCE, DeliveryEvent.Kind.SOFT_BOUNCE)
# Provider words and SMTP codes that mark a bounce as temporary.
SOFT_MARKERS = {"softbounce", "soft_bounce", "transient", "dnserror", "undetermined"}
SMTP_TEMPORARY = re.compile(r"(?<![\d.])(4\d\d|4\.\d{1,3}\.\d{1,3})(?![\d])")
SMTP_PERMANENT = re.compile(r"(?<![\d.])(5\d\d|5\.\d{1,3}\.\d{1,3})(?![\d])")
# The outbox id sent as metadata: ASCII digits that fit the primary key (what else comes
# back there is someone else's, or made up).
OUTBOX_ID = re.compile(r"[1-9][0-9]{0,17}")


@dataclass(frozen=True)
class BulkRates:
    sent: int
    bounced: int
    complained: int

    @property
    def bounce_rate(self) -> float:
        return self.bounced / self.sent if self.sent else 0.0

    @property
    def complaint_rate(self) -> float:
        return self.complained / self.sent if self.sent else 0.0


def bulk_rates(*, about_type: str, about_id: int) -> BulkRates:
    """Sent, bounced and complained-about emails of one bulk send (its rows' `about`)."""
    rows = OutboundEmail.objects.filter(about_type=about_type, about_id=about_id, is_bulk=True)
    sent = rows.filter(status=OutboundEmail.Status.SENT).count()
    events = DeliveryEvent.objects.filter(email__in=rows).aggregate(
        bounced=Count("email", filter=Q(kind__in=BOUNCES), distinct=True),
        complained=Count("email", filter=Q(kind=DeliveryEvent.Kind.COMPLAINT), distinct=True),
    )
    return BulkRates(sent=sent, bounced=events["bounced"], complained=events["complained"])


def tracking_event_record(*, event: AnymailTrackingEvent, esp_name: str) -> DeliveryEvent | None:
    """Record a bounce or complaint from the provider (other events are ignored), once per
    provider event id, and act on it. Returns the new record, or None."""
    kind = _kind_of(event)
    if kind is None or not event.recipient:
        return None
    email = _email_for(event)
    with transaction.atomic():
        try:
            with transaction.atomic():
                record = DeliveryEvent.objects.create(
                    event_key=_event_key(event, esp_name),
                    esp=esp_name[:40],
                    kind=kind,
                    address_hash=address_hash(event.recipient),
                    email=email,
                    occurred_at=event.timestamp or timezone.now(),
                    description=_scrubbed(event),
                )
        except IntegrityError:
            return None  # this event was recorded before: a replayed webhook
        _suppress_if_due(record)
        if email is not None and email.is_bulk and email.about_type:
            _pause_if_over_threshold(about_type=email.about_type, about_id=email.about_id)
    return record


def tracking_event_problem(event: AnymailTrackingEvent) -> str | None:
    """Why a parsed provider event cannot be recorded (a list where the address belongs, a
    NUL byte PostgreSQL cannot store), or None. The webhook refuses a payload with any such
    event and records none of it."""
    for field in ("recipient", "description", "mta_response", "event_id", "message_id"):
        value = getattr(event, field, None)
        if value is None or (field in ("event_id", "message_id") and type(value) is int):
            continue
        if not isinstance(value, str):
            return f"{field} is a {type(value).__name__}, not text"
        if "\x00" in value:
            return f"{field} holds a NUL byte"
    if event.metadata is not None and not isinstance(event.metadata, dict):
        return f"metadata is a {type(event.metadata).__name__}, not an object"
    if event.timestamp is not None and not isinstance(event.timestamp, datetime):
        return "timestamp is not a time"
    return None


def _kind_of(event: AnymailTrackingEvent) -> str | None:
    if event.event_type == EventType.COMPLAINED:
        return DeliveryEvent.Kind.COMPLAINT
    if event.event_type == EventType.BOUNCED:
        return DeliveryEvent.Kind.SOFT_BOUNCE if _is_soft(event) else DeliveryEvent.Kind.HARD_BOUNCE
    if event.event_type == EventType.REJECTED and event.reject_reason in (
        RejectReason.BOUNCED,
        RejectReason.INVALID,
    ):
        return DeliveryEvent.Kind.HARD_BOUNCE
    return None


def _is_soft(event: AnymailTrackingEvent) -> bool:
    """Providers report temporary bounces as bounces too: look for their own word for it
    (Postmark's Type, Brevo's event, SES's bounceType), then for the SMTP code."""
    raw = event.esp_event if isinstance(event.esp_event, dict) else {}
    bounce = raw.get("bounce")
    words = [
        raw.get("Type"),
        raw.get("event"),
        bounce.get("bounceType") if isinstance(bounce, dict) else None,
    ]
    if any(str(word).replace(" ", "").lower() in SOFT_MARKERS for word in words if word):
        return True
    said = f"{event.mta_response or ''} {event.description or ''}"
    if SMTP_PERMANENT.search(said):
        return False
    return bool(SMTP_TEMPORARY.search(said))


def _email_for(event: AnymailTrackingEvent) -> OutboundEmail | None:
    """The outbox row the event is about: by the id we sent as metadata, else by the
    provider's message id; only a row that went to the event's recipient (metadata comes
    back as posted, so an id alone could pin a bounce on anyone's email)."""
    to_recipient = OutboundEmail.objects.filter(to__iexact=event.recipient.strip())
    outbox_id = str((event.metadata or {}).get("outbox_id") or "")
    if OUTBOX_ID.fullmatch(outbox_id):
        return to_recipient.filter(pk=int(outbox_id)).first()
    if event.message_id:
        return to_recipient.filter(esp_message_id=str(event.message_id)[:255]).first()
    return None


def _event_key(event: AnymailTrackingEvent, esp_name: str) -> str:
    if event.event_id:
        return f"{esp_name}:{event.event_id}"[:255]
    fingerprint = "|".join(
        str(part) for part in (event.event_type, event.recipient, event.timestamp, event.message_id)
    )
    return f"{esp_name}:sha256:{hashlib.sha256(fingerprint.encode()).hexdigest()}"


def _scrubbed(event: AnymailTrackingEvent) -> str:
    said = " ".join(part for part in (event.description, event.mta_response) if part)
    if event.recipient:
        said = re.sub(re.escape(event.recipient), "[recipient]", said, flags=re.IGNORECASE)
    return said[:500]


def _suppress_if_due(record: DeliveryEvent) -> None:
    reason = {
        DeliveryEvent.Kind.HARD_BOUNCE: EmailSuppression.Reason.HARD_BOUNCE,
        DeliveryEvent.Kind.COMPLAINT: EmailSuppression.Reason.COMPLAINT,
    }.get(record.kind)
    if reason is None:
        since = record.occurred_at - timedelta(days=settings.OUTBOX_SOFT_BOUNCE_DAYS)
        soft = DeliveryEvent.objects.filter(
            address_hash=record.address_hash,
            kind=DeliveryEvent.Kind.SOFT_BOUNCE,
            occurred_at__gt=since,
        ).count()
        if soft < settings.OUTBOX_SOFT_BOUNCE_LIMIT:
            return
        reason = EmailSuppression.Reason.SOFT_BOUNCES
    EmailSuppression.objects.get_or_create(
        address_hash=record.address_hash, defaults={"reason": reason}
    )


def _pause_if_over_threshold(*, about_type: str, about_id: int) -> None:
    service_path = settings.OUTBOX_BULK_PAUSE_SERVICES.get(about_type)
    if service_path is None:
        return
    rates = bulk_rates(about_type=about_type, about_id=about_id)
    if rates.sent < settings.OUTBOX_PAUSE_MIN_SAMPLE:
        return
    reasons = []
    if rates.bounce_rate > settings.OUTBOX_PAUSE_BOUNCE_RATE:
        reasons.append(f"{rates.bounced} of {rates.sent} emails bounced ({rates.bounce_rate:.1%})")
    if rates.complaint_rate > settings.OUTBOX_PAUSE_COMPLAINT_RATE:
        reasons.append(
            f"{rates.complained} of {rates.sent} recipients reported it as spam "
            f"({rates.complaint_rate:.1%})"
        )
    if not reasons:
        return
    if import_string(service_path)(about_id=about_id, reason="; ".join(reasons)):
        held = outbox_hold(about_type=about_type, about_id=about_id)
        logger.warning("Bulk send %s #%s paused, %d emails held", about_type, about_id, held)
