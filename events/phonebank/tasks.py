from celery import shared_task

from events.phonebank.services import call_holds_expire, phonebank_retention_erase_due


@shared_task
def phonebank_sweep_task() -> int:
    """Periodic: holds long past their 15 minutes go back to "to call" (claims already treat
    them as free; this keeps organisers' counts true)."""
    return call_holds_expire()


@shared_task
def phonebank_retention_task() -> int:
    """Daily: political-opinion answers on the retention date, the rest once it has passed."""
    return phonebank_retention_erase_due()
