from celery import shared_task

from campaign_site.core.workers import enqueue_now
from volunteers.retention import retention_erase_due
from volunteers.update_services import update_fan_out, update_fan_out_resume_stalled


# A fan-out to a large list takes longer than the default limit; it resumes where it stopped.
@shared_task(soft_time_limit=1800, time_limit=1860)
def update_fan_out_task(update_id: int) -> int:
    return update_fan_out(update_id=update_id)


@shared_task
def update_fan_out_sweep_task() -> int:
    """Periodic: restart fan-outs that stalled (a broker outage, a worker that died)."""
    stalled = update_fan_out_resume_stalled()
    for update_id in stalled:
        enqueue_now(update_fan_out_task.name, update_id)
    return len(stalled)


@shared_task
def retention_erase_task() -> int:
    """Daily: once the retention date has passed, erase volunteers' personal data."""
    return retention_erase_due()
