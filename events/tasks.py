import logging

from celery import shared_task

from events.services import alert_digests_send_due, my_sessions_link_send, reminders_send_due

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


@shared_task
def my_sessions_link_send_task(email: str) -> None:
    """The "my sessions" link asked for on /events/: sent if the address signed up for a
    session. Returns nothing, so the worker's log does not say which addresses did."""
    my_sessions_link_send(email=email)
