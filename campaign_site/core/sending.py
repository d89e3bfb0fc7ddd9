"""Sending the outbox's rows, and the sweep that finds what was left behind.

A worker claims rows a few at a time (OUTBOX_CLAIM_SIZE: queued -> sending under a row
lock, so two workers never send the same row) and sends them over one connection per
task. While it works through a claim it renews the claim (a heartbeat on
`sending_started_at`), so a live worker's rows never look abandoned; rows whose claim has
not been renewed for OUTBOX_STALE_SENDING_SECONDS (about a minute and a half: the worker
died, or its machine did) go back to the queue at the next sweep. A repeat of an email
the dead worker had already handed over carries the same Message-ID.

A row that fails is retried with exponential backoff capped at OUTBOX_RETRY_MAX_SECONDS
(an hour), for OUTBOX_GIVE_UP_AFTER_HOURS (36) after it was written, so a relay or
provider outage of a day loses nothing; only then, or when the server refuses the
address itself, does it fail for good. The sweep also gives failed rows that could still
succeed another go (rows failed under an older, shorter policy).
"""

import hashlib
import logging
import smtplib
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from anymail.exceptions import AnymailError, AnymailInvalidAddress, AnymailRecipientsRefused
from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from campaign_site.core.models import OutboundEmail
from campaign_site.core.selectors import campaign_sender
from campaign_site.core.suppression import suppressed_among

logger = logging.getLogger(__name__)

# What a sending attempt can raise that is worth another try later (a relay or provider
# outage), and what no retry will change (the provider refused the address itself).
SEND_ERRORS = (smtplib.SMTPException, OSError, AnymailError)
REFUSED_FOR_GOOD = (AnymailRecipientsRefused, AnymailInvalidAddress)
SWEEP_LIMIT = 10_000


@dataclass
class SendReport:
    sent: list[int] = field(default_factory=list)
    retry: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)
    retry_in: int = 0


def outbox_send(*, email_ids: Iterable[int]) -> SendReport:
    """Send the given rows that are still queued and due, over one connection.

    Rows are claimed OUTBOX_CLAIM_SIZE at a time, just before they are sent; bulk rows to
    an address suppressed meanwhile are skipped, not sent.
    """
    report = SendReport()
    pending = list(email_ids)
    connection = None
    try:
        while pending:
            batch, pending = (
                pending[: settings.OUTBOX_CLAIM_SIZE],
                pending[settings.OUTBOX_CLAIM_SIZE :],
            )
            claimed = _skip_suppressed(_claim(batch))
            if not claimed:
                continue
            if connection is None:
                connection = get_connection()
                try:
                    connection.open()
                except SEND_ERRORS as exc:
                    connection = None
                    for email in claimed:
                        _record_failure(email, exc, report)
                    # Not tried: they go with the retry of the ones that were.
                    report.retry.extend(pending)
                    return report
            _send_claimed(connection, claimed, report)
    finally:
        if connection is not None:
            try:
                connection.close()
            except SEND_ERRORS:
                logger.info("Mail connection did not close cleanly")
    return report


def outbox_message_id(email: OutboundEmail) -> str:
    """The Message-ID of a row: on the site's own domain, made from the row alone, so
    every try sends the same id and a rare repeat after a crash is recognisably the
    same message."""
    digest = hashlib.sha256(email.key.encode()).hexdigest()[:16]
    domain = urlsplit(settings.SITE_URL).hostname or "localhost"
    return f"<outbox-{email.pk}.{digest}@{domain}>"


def outbox_sweep(*, now: datetime | None = None) -> list[int]:
    """Return ids of rows a worker should send now.

    First, rows whose claim was not renewed in time (a worker died mid-batch) go back to
    the queue, and failed rows that may still succeed get another go. Fresh rows get a
    grace period, since their own task is normally already on its way.
    """
    now = now or timezone.now()
    stale = now - timedelta(seconds=settings.OUTBOX_STALE_SENDING_SECONDS)
    give_up = now - timedelta(hours=settings.OUTBOX_GIVE_UP_AFTER_HOURS)
    abandoned = OutboundEmail.objects.filter(
        status=OutboundEmail.Status.SENDING, sending_started_at__lt=stale
    )
    returned = abandoned.filter(created_at__gte=give_up).update(status=OutboundEmail.Status.QUEUED)
    abandoned.update(
        status=OutboundEmail.Status.FAILED,
        last_error=f"Abandoned by a worker and not sent within "
        f"{settings.OUTBOX_GIVE_UP_AFTER_HOURS} hours.",
    )
    retried = list(
        OutboundEmail.objects.filter(
            status=OutboundEmail.Status.FAILED, permanent_failure=False, created_at__gte=give_up
        ).values_list("pk", flat=True)[:SWEEP_LIMIT]
    )
    OutboundEmail.objects.filter(pk__in=retried).update(
        status=OutboundEmail.Status.QUEUED, next_attempt_at=now
    )
    if returned or retried:
        logger.warning(
            "Outbox sweep: %d abandoned and %d failed emails back in the queue",
            returned,
            len(retried),
        )
    grace = timedelta(seconds=settings.OUTBOX_SWEEP_GRACE_SECONDS)
    due = OutboundEmail.objects.due(now - grace).order_by("next_attempt_at")
    return retried + [
        pk for pk in due.values_list("pk", flat=True)[:SWEEP_LIMIT] if pk not in retried
    ]


def outbox_retry_delay(tries: int) -> int:
    """Seconds before the next try after `tries` failed ones: doubling, up to the cap."""
    return min(
        settings.OUTBOX_RETRY_BASE_SECONDS * 2 ** max(tries - 1, 0),
        settings.OUTBOX_RETRY_MAX_SECONDS,
    )


def _send_claimed(connection, claimed: list[OutboundEmail], report: SendReport) -> None:
    heartbeat = settings.OUTBOX_STALE_SENDING_SECONDS / 3
    renewed = time.monotonic()
    sender = str(campaign_sender())  # as campaign settings say at the moment of sending
    for index, email in enumerate(claimed):
        if time.monotonic() - renewed > heartbeat:
            OutboundEmail.objects.filter(
                pk__in=[row.pk for row in claimed[index:]], status=OutboundEmail.Status.SENDING
            ).update(sending_started_at=timezone.now())
            renewed = time.monotonic()
        message = _build_message(email, connection, sender=sender)
        try:
            message.send()
        except REFUSED_FOR_GOOD as exc:
            _record_failure(email, exc, report, permanent=True)
        except SEND_ERRORS as exc:
            _record_failure(email, exc, report, permanent=_refused_for_good(exc))
        else:
            OutboundEmail.objects.filter(pk=email.pk).update(
                status=OutboundEmail.Status.SENT,
                sent_at=timezone.now(),
                last_error="",
                esp_message_id=_provider_message_id(message),
            )
            report.sent.append(email.pk)


def _refused_for_good(exc: Exception) -> bool:
    """The receiving server refused the address itself (5xx for every recipient)."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _ in exc.recipients.values())
    return False


def _claim(email_ids: list[int]) -> list[OutboundEmail]:
    now = timezone.now()
    with transaction.atomic():
        rows = list(
            OutboundEmail.objects.select_for_update(skip_locked=True)
            .due(now)
            .filter(pk__in=email_ids)
            .order_by("pk")
        )
        OutboundEmail.objects.filter(pk__in=[row.pk for row in rows]).update(
            status=OutboundEmail.Status.SENDING, sending_started_at=now, tries=F("tries") + 1
        )
    for row in rows:
        row.tries += 1
    return rows


def _skip_suppressed(claimed: list[OutboundEmail]) -> list[OutboundEmail]:
    suppressed = suppressed_among(email.to for email in claimed if email.is_bulk)
    skipped = [email.pk for email in claimed if email.is_bulk and email.to in suppressed]
    if skipped:
        OutboundEmail.objects.filter(pk__in=skipped).update(
            status=OutboundEmail.Status.SKIPPED,
            last_error="Not sent: the address bounced or complained (bulk email only).",
        )
    return [email for email in claimed if email.pk not in skipped]


def _provider_message_id(message: EmailMultiAlternatives) -> str:
    """The id an email provider gave the message (anymail), to match its webhooks."""
    status = getattr(message, "anymail_status", None)
    return str(getattr(status, "message_id", None) or "")[:255]


def _record_failure(
    email: OutboundEmail, exc: Exception, report: SendReport, *, permanent: bool = False
) -> None:
    error = f"{type(exc).__name__}: {exc}"[:1000]
    give_up_at = email.created_at + timedelta(hours=settings.OUTBOX_GIVE_UP_AFTER_HOURS)
    delay = outbox_retry_delay(email.tries)
    now = timezone.now()
    if permanent or now >= give_up_at:
        OutboundEmail.objects.filter(pk=email.pk).update(
            status=OutboundEmail.Status.FAILED, last_error=error, permanent_failure=permanent
        )
        report.failed.append(email.pk)
        logger.error("Outbox email %s failed for good after %d tries", email.pk, email.tries)
        return
    OutboundEmail.objects.filter(pk=email.pk).update(
        status=OutboundEmail.Status.QUEUED,
        last_error=error,
        next_attempt_at=now + timedelta(seconds=delay),
    )
    report.retry.append(email.pk)
    report.retry_in = max(report.retry_in, delay)
    logger.warning("Outbox email %s not sent (try %d), retry in %ds", email.pk, email.tries, delay)


def _build_message(email: OutboundEmail, connection, *, sender: str) -> EmailMultiAlternatives:
    message = EmailMultiAlternatives(
        subject=email.subject,
        body=email.body_text,
        from_email=sender,
        to=[email.to],
        headers={**email.headers, "Message-ID": outbox_message_id(email)},
        connection=connection,
    )
    # Email providers (through anymail) send this back with their webhooks; SMTP ignores it.
    message.metadata = {"outbox_id": str(email.pk)}  # type: ignore[attr-defined]  # anymail reads it
    message.attach_alternative(email.body_html, "text/html")
    for attachment in email.attachments:
        message.attach(attachment["filename"], attachment["content"], attachment["mimetype"])
    return message
