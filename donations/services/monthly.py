"""Monthly gifts at Stripe: finding the payment intent behind each monthly payment."""

import logging

from donations import stripe_gateway
from donations.models import Payment
from donations.services.ledger import payment_intent_attach

logger = logging.getLogger(__name__)


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
