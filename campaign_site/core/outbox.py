"""The email outbox: every email is a row, written with the change that causes it.

Callers use `outbox_enqueue()` (one email) or `outbox_enqueue_many()` (a fan-out) inside
their own transaction, passing whom each row is for and what it is about (generic links:
the core names no app). After commit a Celery task sends the rows (sending.py, whose
sweep also finds rows never handed to a worker, left by a dead one, or due a retry).
Erasure (`outbox_erase_people()`) and the daily blanking of old bodies
(`outbox_blank_old_bodies()`) follow those links and indexes, never a scan of addresses.
"""

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, models, transaction
from django.template import Context
from django.template.loader import get_template, render_to_string
from django.utils import timezone

from campaign_site.core.models import OutboundEmail
from campaign_site.core.selectors import campaign_settings_get
from campaign_site.core.workers import enqueue_now

logger = logging.getLogger(__name__)

OUTBOX_SEND_TASK = "campaign_site.core.tasks.outbox_send_task"
ERASED_ADDRESS = "erased@erased.invalid"
# Statuses of rows that have not gone out (and never will, once their person is erased).
UNSENT = (
    OutboundEmail.Status.QUEUED,
    OutboundEmail.Status.FAILED,
    OutboundEmail.Status.HELD,
    OutboundEmail.Status.SKIPPED,
)
BLANK_CHUNK = 5000


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    body_text: str
    body_html: str


def outbox_render(*, template: str, context: dict) -> RenderedEmail:
    """Render `<template>_subject.txt`, `<template>.txt` and `<template>.html`.

    The campaign settings and SITE_URL are always in the context, so every email can end
    with the imprint (templates extend email/base.html and email/base.txt).
    """
    full_context = {"campaign": campaign_settings_get(), "site_url": settings.SITE_URL}
    full_context.update(context)
    # A subject is plain text: escaping it would show "&#x27;" for an apostrophe.
    # (.template is the engine's own Template, which renders a Context with autoescape off.)
    subject_template = get_template(f"{template}_subject.txt").template  # type: ignore[attr-defined]
    subject = " ".join(subject_template.render(Context(full_context, autoescape=False)).split())
    return RenderedEmail(
        subject=subject,
        # Plain text is not HTML: drop the "safe" mark templates put on what they render,
        # so a page that shows this text escapes it.
        body_text=str.__str__(render_to_string(f"{template}.txt", full_context)),
        body_html=render_to_string(f"{template}.html", full_context),
    )


def outbox_links(
    *, person: models.Model | None = None, about: models.Model | None = None
) -> dict[str, object]:
    """The link columns of a row for `person` (a supporter, a donor) about `about` (an
    update, a session, a gift), to pass to `OutboundEmail(...)`. Either may be None."""
    links: dict[str, object] = {}
    if person is not None:
        links["person_type"] = outbox_link_label(type(person))
        links["person_id"] = person.pk
    if about is not None:
        links["about_type"] = outbox_link_label(type(about))
        links["about_id"] = about.pk
    return links


def outbox_link_label(model: type[models.Model]) -> str:
    """How a row names a model it links to: "volunteers.supporter"."""
    return model._meta.label_lower


def outbox_enqueue(
    *,
    key: str,
    to: str,
    template: str,
    context: dict,
    person: models.Model | None,
    about: models.Model | None,
    headers: dict[str, str] | None = None,
    attachments: list[dict] | None = None,
) -> OutboundEmail:
    """Write one email to one person in the caller's transaction; send it after commit.

    `person` is whom it is for (None for staff), `about` what it is about (None for
    nothing in particular): erasure and counts follow these links.
    A key that already exists returns the existing row and writes nothing, so a retried
    request or task never sends the same email twice.
    """
    existing = OutboundEmail.objects.filter(key=key).first()
    if existing is not None:
        return existing
    rendered = outbox_render(template=template, context=context)
    email = OutboundEmail(
        key=key,
        to=to,
        subject=rendered.subject,
        body_text=rendered.body_text,
        body_html=rendered.body_html,
        headers=headers or {},
        attachments=attachments or [],
        **outbox_links(person=person, about=about),
    )
    try:
        with transaction.atomic():
            email.save()
    except IntegrityError:
        return OutboundEmail.objects.get(key=key)
    transaction.on_commit(lambda: outbox_queue_for_sending(email_ids=[email.pk]))
    return email


def outbox_enqueue_many(*, emails: Sequence[OutboundEmail]) -> int:
    """Write many prepared rows at once (a fan-out); rows whose key exists are skipped.

    Returns how many rows are new. They are handed to workers after commit.
    """
    if not emails:
        return 0
    keys = [email.key for email in emails]
    already = set(OutboundEmail.objects.filter(key__in=keys).values_list("key", flat=True))
    OutboundEmail.objects.bulk_create(
        [email for email in emails if email.key not in already], ignore_conflicts=True
    )
    new_keys = [key for key in keys if key not in already]
    new_ids = list(
        OutboundEmail.objects.filter(key__in=new_keys, status=OutboundEmail.Status.QUEUED)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    transaction.on_commit(lambda: outbox_queue_for_sending(email_ids=new_ids))
    return len(new_ids)


def outbox_queue_for_sending(*, email_ids: Sequence[int]) -> None:
    """Hand rows to the workers in batches. During a broker outage the rows stay queued
    in the database and the sweep sends them later."""
    for batch in _batches(list(email_ids), settings.OUTBOX_BATCH_SIZE):
        if not enqueue_now(OUTBOX_SEND_TASK, batch):
            return


def outbox_hold(*, about_type: str, about_id: int) -> int:
    """Hold the unsent bulk rows of a paused bulk send (see deliverability.py); emails about
    it to staff (a test copy, the pause notice) still go."""
    return OutboundEmail.objects.filter(
        about_type=about_type,
        about_id=about_id,
        status=OutboundEmail.Status.QUEUED,
        is_bulk=True,
    ).update(status=OutboundEmail.Status.HELD)


def outbox_release(*, about: models.Model) -> int:
    """Send the held rows of a bulk send an organiser resumed (after commit)."""
    label = outbox_link_label(type(about))
    held = OutboundEmail.objects.filter(
        about_type=label, about_id=about.pk, status=OutboundEmail.Status.HELD
    )
    ids = list(held.values_list("pk", flat=True))
    OutboundEmail.objects.filter(pk__in=ids).update(
        status=OutboundEmail.Status.QUEUED, next_attempt_at=timezone.now()
    )
    transaction.on_commit(lambda: outbox_queue_for_sending(email_ids=ids))
    return len(ids)


def outbox_erase_people(
    *, model: type[models.Model], person_ids: Sequence[int], addresses: Sequence[str] = ()
) -> int:
    """Erase what the outbox holds for these people (an erasure, retention): rows not yet
    sent are dropped, sent ones keep only their key (so nothing is sent twice), status and
    times. Rows are found by their person link; `addresses` also catches rows linked to no
    one (an organiser's test copy sent to the same address). Returns the rows changed."""
    linked = OutboundEmail.objects.filter(
        person_type=outbox_link_label(model), person_id__in=list(person_ids)
    )
    changed = _erase_rows(linked)
    if addresses:
        unlinked = OutboundEmail.objects.filter(
            person_type="", to__in=[address.lower() for address in addresses]
        )
        changed += _erase_rows(unlinked)
    return changed


def _erase_rows(rows) -> int:
    dropped, _ = rows.filter(status__in=UNSENT).delete()
    blanked = rows.update(
        to=ERASED_ADDRESS,
        subject="(erased)",
        body_text="",
        body_html="",
        headers={},
        attachments=[],
        blanked_at=timezone.now(),
    )
    return dropped + blanked


def outbox_blank_old_bodies(*, now: datetime | None = None) -> int:
    """Blank the content of emails sent more than OUTBOX_KEEP_BODIES_DAYS ago (daily).

    The key, address, subject, status and times stay: the row still stops a second copy
    and still shows what was sent to whom, until erasure or retention removes the address.
    Works through the rows in chunks of their own transactions; returns how many."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.OUTBOX_KEEP_BODIES_DAYS)
    blanked = 0
    while True:
        chunk = OutboundEmail.objects.filter(
            sent_at__lt=cutoff, sent_at__isnull=False, blanked_at__isnull=True
        ).values("pk")[:BLANK_CHUNK]
        changed = OutboundEmail.objects.filter(pk__in=chunk).update(
            body_text="", body_html="", headers={}, attachments=[], blanked_at=now
        )
        blanked += changed
        if changed < BLANK_CHUNK:
            return blanked


def _batches(items: list, size: int) -> Iterable[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
