import logging

from celery import shared_task

from events.services import alert_digests_send_due, reminders_send_due

logger = logging.getLogger(__name__)


@shared_task
def events_sweep_task() -> dict:
    """The periodic sweep: reminders that are due, and new-session alert digests whose
    window has closed (or that stalled when a worker died)."""
    reminders = reminders_send_due()
    alerts = alert_digests_send_due()
    if reminders or alerts:
        logger.info("Events sweep: %d reminders, %d alerts written", reminders, alerts)
    return {"reminders": reminders, "alerts": alerts}
