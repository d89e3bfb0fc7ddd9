"""Donations' background work: thin adapters that call one service each."""

import logging

from celery import shared_task

from donations.services.monthly import (
    monthly_gifts_end_queue,
    monthly_payment_intents_find,
    subscription_end_sync,
)
from donations.stripe_gateway import PaymentProviderError

logger = logging.getLogger(__name__)


@shared_task(bind=True, max_retries=6)
def subscription_end_task(self, donation_id: int) -> bool:
    """Tell Stripe when one monthly gift ends (nothing if it already knows)."""
    try:
        return subscription_end_sync(donation_id=donation_id)
    except PaymentProviderError as exc:
        raise self.retry(exc=exc, countdown=30 * 2**self.request.retries) from exc


@shared_task
def monthly_gifts_end_task() -> int:
    """The campaign's end date was set or changed: every running monthly gift follows."""
    return monthly_gifts_end_queue()


@shared_task
def donations_sweep_task() -> dict:
    """The periodic sweep: payment intents still missing on monthly payments, and monthly
    gifts whose end at Stripe is not yet the campaign's end date."""
    intents = monthly_payment_intents_find()
    ends = monthly_gifts_end_queue()
    if intents or ends:
        logger.info("Donations sweep: %d payment intents found, %d gifts to end", intents, ends)
    return {"intents": intents, "ends": ends}
