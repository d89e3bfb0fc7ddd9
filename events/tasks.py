import logging

from celery import shared_task

from events.models import Event
from events.services import event_alerts_send, events_alerts_pending, reminders_send_due

logger = logging.getLogger(__name__)


@shared_task
def event_alerts_task(event_id: int) -> int:
    event = Event.objects.filter(pk=event_id).first()
    if event is None:
        return 0
    return event_alerts_send(event=event)


@shared_task
def events_sweep_task() -> dict:
    """The periodic sweep: reminders that are due, and alerts whose task was lost."""
    reminders = reminders_send_due()
    alerts = 0
    for event_id in events_alerts_pending():
        alerts += event_alerts_send(event=Event.objects.get(pk=event_id))
    if reminders or alerts:
        logger.info("Events sweep: %d reminders, %d alerts written", reminders, alerts)
    return {"reminders": reminders, "alerts": alerts}
