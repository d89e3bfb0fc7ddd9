"""Applying what Stripe tells us (webhook events, or a Checkout Session we looked up).

`stripe_event_apply()` stores the event id and applies the event in one transaction: the
unique event id makes a replay, or the same event delivered twice at once, change nothing
(the second insert waits for the first transaction and then finds the id taken).

Payloads follow the pinned API version: an invoice carries no payment intent (and its
`payments` list is not in webhook payloads), so a monthly payment's intent is looked up
through the gateway before the transaction starts (no lock is held while Stripe answers),
or arrives with `invoice_payment.paid`. If Stripe cannot be asked just then, the payment is
recorded without its intent and `monthly_payment_intents_find` (the sweep) fills it in.
"""

import logging
from datetime import UTC, datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from campaign_site.core.workers import enqueue_after_commit
from donations import stripe_gateway
from donations.models import Donation, StripeEvent
from donations.selectors import donation_settings_get, monthly_gifts_end_at
from donations.services.ledger import (
    charge_refunds_record,
    donation_ledger_lock,
    donation_recompute,
    payment_intent_attach,
    payment_record,
)
from donations.services.monthly import SUBSCRIPTION_END_TASK
from donations.stripe_gateway import WebhookEvent

logger = logging.getLogger(__name__)

SESSION_EVENTS = {
    "checkout.session.completed",
    "checkout.session.async_payment_succeeded",
    "checkout.session.async_payment_failed",
    "checkout.session.expired",
}


def stripe_event_apply(*, event: WebhookEvent) -> bool:
    """Apply one verified webhook event exactly once. Returns False for a repeat.

    Raises on anything unexpected, so the transaction rolls back, the event id is not
    kept, the webhook answers 5xx and Stripe delivers the event again later.
    """
    if StripeEvent.objects.filter(event_id=event.id).exists():
        logger.info("Stripe event %s (%s) already applied", event.id, event.type)
        return False
    intent = _payment_intent_looked_up(event)
    with transaction.atomic():
        try:
            with transaction.atomic():
                StripeEvent.objects.create(
                    event_id=event.id,
                    type=event.type,
                    object_id=str(event.object.get("id", ""))[:255],
                    stripe_created_at=_when(event.created),
                )
        except IntegrityError:
            logger.info("Stripe event %s (%s) already applied", event.id, event.type)
            return False
        if event.type in SESSION_EVENTS:
            _session_apply(event.object, event_type=event.type, at=event.created, intent=intent)
        elif event.type == "charge.refunded":
            _charge_refunded(event.object)
        elif event.type == "invoice.paid":
            _invoice_paid(event.object, intent=intent)
        elif event.type == "invoice_payment.paid":
            _invoice_payment_paid(event.object)
        elif event.type == "customer.subscription.deleted":
            _subscription_deleted(event.object, at=event.created)
        else:
            logger.info("Stripe event %s of type %s acknowledged", event.id, event.type)
    return True


def checkout_session_apply(*, session: dict[str, Any], event_type: str, at: int = 0) -> None:
    """Record a Checkout Session's outcome on its donation (from an event, or a lookup
    on the thanks page, where `event_type` is "checkout.session.completed")."""
    intent = _session_payment_intent(session, event_type=event_type)
    with transaction.atomic():
        _session_apply(session, event_type=event_type, at=at, intent=intent)


def _payment_intent_looked_up(event: WebhookEvent) -> str:
    """The payment intent behind the event's money, asked of Stripe where the payload
    lacks it (before any transaction or lock)."""
    if event.type in SESSION_EVENTS:
        return _session_payment_intent(event.object, event_type=event.type)
    if event.type == "invoice.paid":
        for invoice_payment in (event.object.get("payments") or {}).get("data") or []:
            intent = stripe_gateway.invoice_payment_intent(invoice_payment)
            if intent:  # the payments list was expanded (an older endpoint or a retrieve)
                return intent
        if int(event.object.get("amount_paid") or 0) > 0:
            return _invoice_payment_intent_find(_id(event.object.get("id")))
    return ""


def _session_payment_intent(session: dict[str, Any], *, event_type: str) -> str:
    """A one-off session names its payment intent; a subscription's first payment is
    its invoice's, which only Stripe's invoice payments say."""
    if session.get("mode") != "subscription":
        return _id(session.get("payment_intent"))
    paid = event_type == "checkout.session.async_payment_succeeded" or session.get(
        "payment_status"
    ) in {"paid", "no_payment_required"}
    invoice_id = _id(session.get("invoice"))
    if not (paid and invoice_id and int(session.get("amount_total") or 0) > 0):
        return ""
    return _invoice_payment_intent_find(invoice_id)


def _invoice_payment_intent_find(invoice_id: str) -> str:
    if not invoice_id or not stripe_gateway.stripe_configured():
        return ""
    try:
        return stripe_gateway.invoice_payment_intent_find(invoice_id=invoice_id)
    except stripe_gateway.PaymentProviderError:
        # The money is recorded all the same; the sweep asks again later.
        logger.warning("Payment intent of invoice %s not found yet", invoice_id)
        return ""


def _session_apply(session: dict[str, Any], *, event_type: str, at: int, intent: str) -> None:
    donation = _donation_for_session(session, intent=intent)
    if donation is None:
        logger.warning("Checkout session %s is not one of ours", session.get("id"))
        return
    when = _when(at) or timezone.now()
    if not donation.stripe_checkout_session_id:
        donation.stripe_checkout_session_id = session.get("id") or ""
    if session.get("subscription") and not donation.stripe_subscription_id:
        donation.stripe_subscription_id = _id(session["subscription"])
        _subscription_end_after_commit(donation)
    if session.get("customer"):
        donation.stripe_customer_id = _id(session["customer"])

    if event_type == "checkout.session.expired":
        donation.checkout_expired_at = donation.checkout_expired_at or when
        donation_recompute(donation=donation)
        return
    donation.checkout_completed_at = donation.checkout_completed_at or when
    if event_type == "checkout.session.async_payment_failed":
        donation.payment_failed_at = donation.payment_failed_at or when
    paid = event_type == "checkout.session.async_payment_succeeded" or session.get(
        "payment_status"
    ) in {"paid", "no_payment_required"}
    amount = int(session.get("amount_total") or 0)
    subscription = session.get("mode") == "subscription"
    # A subscription's first payment is keyed by its invoice, as `invoice.paid` is.
    key = _id(session.get("invoice")) if subscription else _id(session.get("payment_intent"))
    if paid and amount > 0 and key:
        payment_record(
            donation=donation,
            stripe_key=key,
            amount_pence=amount,
            received_at=when,
            payment_intent_id=intent,
        )
    else:
        donation_recompute(donation=donation)


def _subscription_end_after_commit(donation: Donation) -> None:
    """A new monthly gift's subscription gets the campaign's end (Checkout cannot set it)."""
    ends_at = monthly_gifts_end_at(donation_settings_get().monthly_end_date)
    if donation.kind == Donation.Kind.MONTHLY and ends_at != donation.stripe_cancel_at:
        enqueue_after_commit(SUBSCRIPTION_END_TASK, donation.pk)


def _charge_refunded(charge: dict[str, Any]) -> None:
    """A Charge carries no `refunds` list unless expanded: its cumulative
    `amount_refunded` is what counts (refunds we made ourselves are also known by id)."""
    intent = _id(charge.get("payment_intent"))
    if not intent:
        logger.warning("Refunded charge %s has no payment intent", charge.get("id"))
        return
    charge_refunds_record(
        payment_intent_id=intent,
        charge_id=str(charge.get("id") or ""),
        amount_refunded_pence=int(charge.get("amount_refunded") or 0),
    )


def _invoice_paid(invoice: dict[str, Any], *, intent: str) -> None:
    amount = int(invoice.get("amount_paid") or 0)
    subscription_id, metadata = _invoice_subscription(invoice)
    donation = _donation_for(metadata, subscription_id=subscription_id, intent=intent)
    if donation is None:
        logger.warning("Paid invoice %s is not for one of our gifts", invoice.get("id"))
        return
    if subscription_id and not donation.stripe_subscription_id:
        donation.stripe_subscription_id = subscription_id
        _subscription_end_after_commit(donation)
    if amount <= 0:
        donation_recompute(donation=donation)
        return
    paid_at = (invoice.get("status_transitions") or {}).get("paid_at") or invoice.get("created")
    payment_record(
        donation=donation,
        stripe_key=str(invoice["id"]),
        amount_pence=amount,
        received_at=_when(paid_at) or timezone.now(),
        payment_intent_id=intent,
    )


def _invoice_payment_paid(invoice_payment: dict[str, Any]) -> None:
    """`invoice_payment.paid` names the payment intent that paid an invoice: attach it to
    the payment recorded for that invoice (if `invoice.paid` has not come yet, it looks
    the intent up itself)."""
    intent = stripe_gateway.invoice_payment_intent(invoice_payment)
    invoice_id = _id(invoice_payment.get("invoice"))
    if not (intent and invoice_id):
        logger.info("Invoice payment %s names no paid intent", invoice_payment.get("id"))
        return
    if payment_intent_attach(stripe_key=invoice_id, payment_intent_id=intent) is None:
        logger.info("Invoice %s paid by %s: no payment recorded yet", invoice_id, intent)


def _subscription_deleted(subscription: dict[str, Any], *, at: int) -> None:
    donation = _donation_for(subscription.get("metadata"), subscription_id=subscription.get("id"))
    if donation is None:
        logger.warning("Cancelled subscription %s is not ours", subscription.get("id"))
        return
    ended = subscription.get("ended_at") or subscription.get("canceled_at") or at
    donation.stopped_at = donation.stopped_at or _when(ended) or timezone.now()
    donation_recompute(donation=donation)


def _donation_for_session(session: dict[str, Any], *, intent: str) -> Donation | None:
    donation = _donation_for(session.get("metadata"), intent=intent)
    if donation is None and session.get("id"):
        found = Donation.objects.filter(stripe_checkout_session_id=session["id"]).first()
        if found is not None:
            donation = donation_ledger_lock(donation_id=found.pk, payment_intent_id=intent)
    return donation


def _donation_for(
    metadata: dict | None, *, subscription_id: str | None = None, intent: str = ""
) -> Donation | None:
    """Find the donation named in metadata, or holding this subscription, and take its
    locks (with the ledger lock of `intent`, the payment intent about to be recorded)."""
    raw = (metadata or {}).get("donation_id")
    if raw and str(raw).isdigit():
        donation = donation_ledger_lock(donation_id=int(raw), payment_intent_id=intent)
        if donation is not None:
            return donation
    if subscription_id:
        found = Donation.objects.filter(stripe_subscription_id=subscription_id).first()
        if found is not None:
            return donation_ledger_lock(donation_id=found.pk, payment_intent_id=intent)
    return None


def _invoice_subscription(invoice: dict[str, Any]) -> tuple[str, dict]:
    """The subscription and its metadata, from the current invoice shape (`parent`) or the
    older one (`subscription`, `subscription_details`)."""
    details = ((invoice.get("parent") or {}).get("subscription_details")) or (
        invoice.get("subscription_details") or {}
    )
    subscription = details.get("subscription") or invoice.get("subscription") or ""
    metadata = dict(details.get("metadata") or {})
    if not metadata.get("donation_id"):
        for line in (invoice.get("lines") or {}).get("data") or []:
            if (line.get("metadata") or {}).get("donation_id"):
                metadata = dict(line["metadata"])
                break
    return _id(subscription), metadata


def _id(value: Any) -> str:
    """Stripe sends either an id or the expanded object."""
    if isinstance(value, dict):
        return str(value.get("id") or "")
    return str(value or "")


def _when(timestamp: Any) -> datetime | None:
    if not timestamp:
        return None
    return datetime.fromtimestamp(int(timestamp), tz=UTC)
