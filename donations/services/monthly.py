"""Monthly gifts at Stripe: the payment intent behind each monthly payment, and the end
of every monthly gift at the campaign's end date."""

import logging

from django.db import transaction
from django.utils import timezone

from campaign_site.core.workers import enqueue_after_commit
from donations import stripe_gateway
from donations.models import Donation, Payment
from donations.selectors import donation_settings_get, monthly_gifts_end_at, monthly_gifts_to_end
from donations.services.ledger import (
    advisory_lock,
    donation_found,
    donation_ledger_lock,
    donation_recompute,
    payment_intent_attach,
)

logger = logging.getLogger(__name__)


# Handed to the workers by name (campaign_site.core.workers); a broker outage leaves the work
# to the sweep (donations_sweep_task), which finds the same gifts.
SUBSCRIPTION_END_TASK = "donations.tasks.subscription_end_task"
MONTHLY_GIFTS_END_TASK = "donations.tasks.monthly_gifts_end_task"


def payment_intent_resolve(*, payment: Payment) -> str:
    """Ask Stripe which payment intent paid this monthly payment's invoice and record it
    (refunds already known for that intent then count). Returns "" while Stripe names
    none. Raises `stripe_gateway.PaymentProviderError` if Stripe cannot be asked."""
    if payment.stripe_payment_intent_id:
        return payment.stripe_payment_intent_id
    intent = stripe_gateway.invoice_payment_intent_find(invoice_id=payment.stripe_key)
    if not intent:
        return ""
    attached = payment_intent_attach(stripe_key=payment.stripe_key, payment_intent_id=intent)
    return attached.stripe_payment_intent_id if attached else ""


def monthly_payment_intents_find(*, limit: int = 50) -> int:
    """The sweep: find the payment intents still missing on monthly payments (Stripe was
    unreachable when the payment arrived, or it was recorded before intents were looked
    up). Returns how many were found; the rest are tried again on the next sweep."""
    if not stripe_gateway.stripe_configured():
        return 0
    found = 0
    for payment in Payment.objects.missing_intent().order_by("received_at", "pk")[:limit]:
        try:
            found += bool(payment_intent_resolve(payment=payment))
        except stripe_gateway.PaymentProviderError:
            logger.warning("Payment intent of %s not found: Stripe unavailable", payment)
            break
    return found


def subscription_end_sync(*, donation_id: int) -> bool:
    """Make Stripe end this monthly gift's subscription at the campaign's end date (or at
    no date, if none is set). Idempotent: nothing is sent when Stripe was already told
    this end. Returns True when Stripe was told. Raises
    `stripe_gateway.PaymentProviderError` if Stripe cannot be reached (the task retries).

    If the end has already passed while the gift still runs (the workers were down on the
    day), the gift is stopped now instead.
    """
    ends_at = monthly_gifts_end_at(donation_settings_get().monthly_end_date)
    with transaction.atomic():
        # One sync of a gift at a time, so Stripe and our record end in the same order. This
        # is not the ledger's lock: webhooks for the gift are not held up.
        advisory_lock(namespace="subscription-end", key=str(donation_id))
        donation = Donation.objects.filter(pk=donation_id, kind=Donation.Kind.MONTHLY).first()
        if donation is None or not donation.stripe_subscription_id or donation.stopped_at:
            return False
        if donation.stripe_cancel_at == ends_at:
            return False
        if ends_at is not None and ends_at <= timezone.now():
            donation_monthly_stop(donation_id=donation_id)
            logger.info("Monthly gift %s stopped: the campaign's end date has passed", donation_id)
            return True
        stripe_gateway.subscription_end_set(
            subscription_id=donation.stripe_subscription_id, ends_at=ends_at
        )
        Donation.objects.filter(pk=donation_id).update(stripe_cancel_at=ends_at)
    return True


def monthly_gifts_end_queue() -> int:
    """Hand each running monthly gift whose end at Stripe differs from the campaign's end
    date to the workers (one task per gift). Returns how many. Safe to run again: a gift
    already ended at that date is not queued, and the task checks again."""
    if not stripe_gateway.stripe_configured():
        return 0
    ends_at = monthly_gifts_end_at(donation_settings_get().monthly_end_date)
    donation_ids = list(monthly_gifts_to_end(ends_at).order_by("pk").values_list("pk", flat=True))
    for donation_id in donation_ids:
        enqueue_after_commit(SUBSCRIPTION_END_TASK, donation_id)
    return len(donation_ids)


def donation_monthly_stop(*, donation_id: int) -> Donation:
    """Stop a monthly gift from the signed link in its receipt: cancel the subscription at
    Stripe, then record it. Stopping twice is harmless."""
    donation = Donation.objects.get(pk=donation_id, kind=Donation.Kind.MONTHLY)
    if donation.stopped_at is None and donation.stripe_subscription_id:
        stripe_gateway.subscription_cancel(subscription_id=donation.stripe_subscription_id)
    with transaction.atomic():
        donation = donation_found(
            donation_ledger_lock(donation_id=donation_id), donation_id=donation_id
        )
        donation.stopped_at = donation.stopped_at or timezone.now()
        donation_recompute(donation=donation)
    return donation
