"""Donations' background work: thin adapters that call one service each."""

import logging

from celery import shared_task

from donations.services.monthly import monthly_payment_intents_find

logger = logging.getLogger(__name__)


@shared_task
def donations_sweep_task() -> dict:
    """The periodic sweep: payment intents still missing on monthly payments."""
    intents = monthly_payment_intents_find()
    if intents:
        logger.info("Donations sweep: %d payment intents found", intents)
    return {"intents": intents}
