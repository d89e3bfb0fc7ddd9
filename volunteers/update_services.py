"""Updates to the list: drafted in admin, tested, then fanned out through the outbox.

An update is rendered once; each person's copy differs only in their signed links, put in
by the core fan-out (campaign_site/core/fanout.py), so a 20,000-person list costs one
template render, not 20,000. Each person's email has the key `update:<update>:<supporter>`,
so a re-run fan-out (a retried task, a second click) never writes, or sends, a second copy.
"""

import logging
import uuid
from collections.abc import Sequence
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from campaign_site.core.audit import audit_record
from campaign_site.core.fanout import (
    FAN_OUT_CHUNK_SIZE,
    FanOutCopy,
    FanOutStopped,
    fanout_mark,
    fanout_marks,
    keyset_chunks,
    outbox_fan_out,
)
from campaign_site.core.models import AuditEvent, OutboundEmail
from campaign_site.core.outbox import (
    RenderedEmail,
    outbox_enqueue,
    outbox_link_label,
    outbox_release,
    outbox_render,
)
from campaign_site.core.text import render_organiser_text
from campaign_site.core.workers import enqueue_after_commit
from volunteers.models import Supporter, Update
from volunteers.selectors import supporter_email_links, supporters_bulk_copies

logger = logging.getLogger(__name__)

UPDATE_TEMPLATE = "volunteers/email/update"
LINKS = ("preferences_url", "unsubscribe_url")
PREFERENCES_MARK = fanout_mark("preferences_url")
UNSUBSCRIBE_MARK = fanout_mark("unsubscribe_url")


def update_render(*, update: Update, links: dict[str, str] | None = None) -> RenderedEmail:
    """The update as an email; with no links given, with placeholders for each person's."""
    links = links or fanout_marks(*LINKS)
    return outbox_render(
        template=UPDATE_TEMPLATE,
        context={
            "update": update,
            "body_html": render_organiser_text(update.body),
            **links,
        },
    )


def update_save(*, update: Update, user) -> Update:
    """Create or edit a draft. Once sending has started, an update cannot change."""
    if update.pk and Update.objects.filter(pk=update.pk).exclude(status=Update.Status.DRAFT):
        raise ValidationError("This update has been sent and can no longer be changed.")
    if update.pk is None:
        update.created_by = user
    update.full_clean()
    update.save()
    return update


def update_send_test(*, update: Update, to: str) -> OutboundEmail:
    """Send the update to one organiser, marked as a test, to check how it looks."""
    supporter = Supporter.objects.confirmed().filter(email=to.strip().lower()).first()
    context = {"update": update, "body_html": render_organiser_text(update.body), "test": True}
    if supporter is not None:
        context.update(supporter_email_links(supporter))
    return outbox_enqueue(
        key=f"update-test:{update.pk}:{uuid.uuid4().hex}",
        to=to,
        template=UPDATE_TEMPLATE,
        context=context,
        person=supporter,
        about=update,
    )


@transaction.atomic
def update_request_send(*, update: Update, user) -> Update:
    """Send an update to its audience: the one irreversible step, allowed once.

    The fan-out runs in a worker after commit. Should the broker be down, the update
    stays "sending" and `update_fan_out_resume_stalled()` starts it later.
    """
    update = Update.objects.select_for_update().get(pk=update.pk)
    if update.status != Update.Status.DRAFT:
        raise ValidationError("This update has already been sent.")
    now = timezone.now()
    update.status = Update.Status.SENDING
    update.send_requested_by = user
    update.send_requested_at = now
    update.fan_out_progress_at = now
    update.save(
        update_fields=["status", "send_requested_by", "send_requested_at", "fan_out_progress_at"]
    )
    audit_record(
        actor=user,
        action=AuditEvent.Action.BULK_EMAIL,
        what=f"Update #{update.pk} '{update.subject}' to {update.get_audience_display().lower()}",
        rows=Supporter.objects.audience(update.audience).count(),
    )
    enqueue_after_commit("volunteers.tasks.update_fan_out_task", update.pk)
    return update


def update_fan_out(*, update_id: int, chunk_size: int = FAN_OUT_CHUNK_SIZE) -> int:
    """Write one outbox email per person in the audience, a chunk per transaction.

    Supporters are read in primary-key order from where the last chunk ended (keyset
    pagination), so memory stays flat whatever the list's size and a crashed run resumes
    where it stopped. The update is rendered once, before any transaction; each chunk's
    transaction holds the update's row lock only to record its progress (and to stop if
    the update is no longer sending). Returns how many emails this call queued.
    """
    update = Update.objects.filter(pk=update_id, status=Update.Status.SENDING).first()
    if update is None:
        return 0
    rendered = update_render(update=update)
    audience = Supporter.objects.audience(update.audience).only("pk", "email", "manage_token")

    def progress(chunk: Sequence[Supporter], created: int) -> None:
        locked = Update.objects.select_for_update().get(pk=update_id)
        if locked.status != Update.Status.SENDING:
            raise FanOutStopped
        locked.fanned_out_through = chunk[-1].pk
        locked.recipient_count += created
        locked.fan_out_progress_at = timezone.now()
        locked.save(update_fields=["fanned_out_through", "recipient_count", "fan_out_progress_at"])

    queued = outbox_fan_out(
        render=lambda variant: rendered,
        recipients=keyset_chunks(audience, after=update.fanned_out_through, chunk_size=chunk_size),
        copies_for=lambda chunk: _copies_for(update, chunk),
        about=update,
        chunk_size=chunk_size,
        on_chunk=progress,
    )
    with transaction.atomic():
        locked = Update.objects.select_for_update().get(pk=update_id)
        if locked.status == Update.Status.SENDING:
            locked.status = Update.Status.SENT
            locked.queued_at = timezone.now()
            locked.save(update_fields=["status", "queued_at"])
    return queued


def _copies_for(update: Update, supporters: Sequence[Supporter]) -> list[FanOutCopy]:
    return [
        FanOutCopy(
            key=f"{update.outbox_key_prefix}{supporter.pk}",
            to=supporter.email,
            links=links,
            headers=headers,
            person=supporter,
        )
        for supporter, links, headers in supporters_bulk_copies(supporters)
    ]


@transaction.atomic
def update_pause(*, about_id: int, reason: str) -> bool:
    """Pause an update whose bounce or complaint rate passed its threshold (called by the
    outbox's deliverability check, which then holds the emails not yet sent) and tell the
    organiser who sent it and the superusers. Returns False when there is nothing to
    pause: not sending, nothing left to send, or an organiser resumed it after a pause.
    """
    update = Update.objects.select_for_update().filter(pk=about_id).first()
    if update is None or update.resumed_by_id is not None:
        return False
    if update.status not in (Update.Status.SENDING, Update.Status.SENT):
        return False
    unsent = OutboundEmail.objects.filter(
        about_type=outbox_link_label(Update),
        about_id=update.pk,
        status=OutboundEmail.Status.QUEUED,
        is_bulk=True,
    )
    if update.status == Update.Status.SENT and not unsent.exists():
        return False
    update.status = Update.Status.PAUSED
    update.paused_at = timezone.now()
    update.paused_reason = reason[:300]
    update.save(update_fields=["status", "paused_at", "paused_reason"])
    change_url = settings.SITE_URL + reverse("admin:volunteers_update_change", args=[update.pk])
    organisers = {
        *get_user_model()
        .objects.filter(is_active=True, is_superuser=True)
        .exclude(email="")
        .values_list("email", flat=True),
        *([update.send_requested_by.email] if update.send_requested_by else []),
    }
    for address in sorted(filter(None, organisers)):
        outbox_enqueue(
            key=f"update-paused:{update.pk}:{update.paused_at.timestamp():.0f}:{address}",
            to=address,
            template="volunteers/email/update_paused",
            context={"update": update, "change_url": change_url},
            person=None,
            about=update,
        )
    logger.warning("Update %s paused: %s", update.pk, reason)
    return True


@transaction.atomic
def update_resume(*, update: Update, user) -> int:
    """An organiser resumes a paused update: its held emails go, the fan-out carries on,
    and it does not pause itself again. Returns how many held emails were released."""
    update = Update.objects.select_for_update().get(pk=update.pk)
    if update.status != Update.Status.PAUSED:
        raise ValidationError("This update is not paused.")
    update.status = Update.Status.SENT if update.queued_at else Update.Status.SENDING
    update.resumed_by = user
    update.fan_out_progress_at = timezone.now()
    update.save(update_fields=["status", "resumed_by", "fan_out_progress_at"])
    released = outbox_release(about=update)
    audit_record(
        actor=user,
        action=AuditEvent.Action.BULK_EMAIL,
        what=f"Update #{update.pk} '{update.subject}' resumed after it paused itself"[:300],
        rows=released,
    )
    if update.status == Update.Status.SENDING:
        enqueue_after_commit("volunteers.tasks.update_fan_out_task", update.pk)
    return released


def update_fan_out_resume_stalled(*, stalled_after_seconds: int = 300) -> list[int]:
    """Ids of updates still sending with no progress for a while (broker was down, or a
    worker died mid fan-out); the caller starts their fan-out again."""
    cutoff = timezone.now() - timedelta(seconds=stalled_after_seconds)
    stalled = list(
        Update.objects.filter(
            status=Update.Status.SENDING, fan_out_progress_at__lt=cutoff
        ).values_list("pk", flat=True)
    )
    Update.objects.filter(pk__in=stalled).update(fan_out_progress_at=timezone.now())
    return stalled
