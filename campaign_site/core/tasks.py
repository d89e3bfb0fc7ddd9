import logging

from celery import shared_task

from campaign_site.core.outbox import outbox_blank_old_bodies, outbox_queue_for_sending
from campaign_site.core.sending import outbox_send, outbox_sweep
from campaign_site.core.sweeps import beat_heartbeat_record
from campaign_site.core.workers import enqueue_now

logger = logging.getLogger(__name__)


@shared_task
def outbox_send_task(email_ids: list[int]) -> dict:
    report = outbox_send(email_ids=email_ids)
    if report.retry:
        # Backoff lives in the rows (next_attempt_at); this schedules the next attempt.
        # Should the broker be down, the sweep picks the rows up instead.
        enqueue_now(outbox_send_task.name, report.retry, countdown=report.retry_in)
    return {"sent": len(report.sent), "retry": len(report.retry), "failed": len(report.failed)}


@shared_task
def outbox_sweep_task() -> int:
    """Every minute, from beat: also beat's heartbeat, which the admin home reads."""
    beat_heartbeat_record()
    email_ids = outbox_sweep()
    if email_ids:
        logger.info("Outbox sweep: %d emails to send", len(email_ids))
        outbox_queue_for_sending(email_ids=email_ids)
    return len(email_ids)


@shared_task
def outbox_blank_old_bodies_task() -> int:
    """Daily: blank the content of emails sent long ago (their keys stay)."""
    return outbox_blank_old_bodies()
