"""The one door to Stripe: the only module that imports `stripe`.

It pins the API version, points the library at STRIPE_API_BASE when set (a local fake in
tests), turns StripeError into this project's exceptions and logs without personal data
(ids and error codes only, never names, emails or addresses).
"""

import json
import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import stripe
from django.conf import settings

logger = logging.getLogger(__name__)

STRIPE_API_VERSION = "2026-10-28.endive"
WEBHOOK_TOLERANCE_SECONDS = 300


class PaymentProviderError(Exception):
    """Stripe refused or could not be reached. `donor_message` is safe to show a donor;
    `str(exc)` is for logs and the agent, and may carry Stripe's own wording."""

    donor_message = (
        "We couldn't reach our payment provider just now. Nothing has been charged: "
        "please try again in a minute."
    )


class PaymentDeclined(PaymentProviderError):
    donor_message = "Our payment provider turned this down. Nothing has been charged."


class WebhookSignatureInvalid(Exception):
    """The webhook body does not carry a valid, recent signature from Stripe."""


@dataclass(frozen=True)
class CheckoutSession:
    id: str
    url: str
    status: str
    payment_status: str
    data: dict[str, Any]


@dataclass(frozen=True)
class WebhookEvent:
    id: str
    type: str
    created: int
    object: dict[str, Any]


def stripe_configured() -> bool:
    return bool(settings.STRIPE_SECRET_KEY and settings.STRIPE_WEBHOOK_SECRET)


def _configure() -> dict[str, Any]:
    # The library logs request and response bodies (donors' emails) at DEBUG: never those.
    logging.getLogger("stripe").setLevel(logging.WARNING)
    stripe.log = None
    stripe.api_base = settings.STRIPE_API_BASE or stripe.DEFAULT_API_BASE
    stripe.api_version = STRIPE_API_VERSION
    stripe.max_network_retries = 2
    stripe.enable_telemetry = False
    return {"api_key": settings.STRIPE_SECRET_KEY, "stripe_version": STRIPE_API_VERSION}


def _call(operation: str, function, *args, **kwargs) -> dict[str, Any]:
    try:
        result = function(*args, **_configure(), **kwargs)
    except stripe.CardError as exc:
        logger.warning("Stripe %s declined: code=%s", operation, exc.code)
        raise PaymentDeclined(f"{operation}: {exc.user_message or exc.code}") from exc
    except stripe.StripeError as exc:
        logger.error(
            "Stripe %s failed: %s status=%s code=%s request=%s",
            operation,
            type(exc).__name__,
            exc.http_status,
            exc.code,
            exc.request_id,
        )
        detail = exc.user_message or str(exc) or (exc.code or "")
        raise PaymentProviderError(f"{operation}: {type(exc).__name__}: {detail}") from exc
    return result.to_dict()


def checkout_session_create(
    *,
    donation_id: int,
    mode: str,
    amount_pence: int,
    description: str,
    email: str,
    success_url: str,
    cancel_url: str,
    idempotency_key: str,
) -> CheckoutSession:
    """A hosted Checkout Session in GBP: `payment` for a one-off gift, `subscription` with
    a monthly price for a monthly one. The donation id travels in metadata everywhere."""
    metadata = {"donation_id": str(donation_id)}
    price_data: dict[str, Any] = {
        "currency": "gbp",
        "unit_amount": amount_pence,
        "product_data": {"name": description},
    }
    params: dict[str, Any] = {
        "mode": mode,
        "customer_email": email,
        "client_reference_id": str(donation_id),
        "metadata": metadata,
        "success_url": success_url,
        "cancel_url": cancel_url,
    }
    if mode == "subscription":
        price_data["recurring"] = {"interval": "month"}
        params["subscription_data"] = {"metadata": metadata, "description": description}
    else:
        params["submit_type"] = "donate"
        params["payment_intent_data"] = {"metadata": metadata, "description": description}
    params["line_items"] = [{"price_data": price_data, "quantity": 1}]
    data = _call(
        "checkout.session.create",
        stripe.checkout.Session.create,
        idempotency_key=idempotency_key,
        **params,
    )
    logger.info("Checkout session %s created for donation %s", data["id"], donation_id)
    return _session(data)


def checkout_session_retrieve(*, session_id: str) -> CheckoutSession:
    return _session(
        _call("checkout.session.retrieve", stripe.checkout.Session.retrieve, session_id)
    )


def subscription_cancel(*, subscription_id: str) -> dict[str, Any]:
    data = _call("subscription.cancel", stripe.Subscription.cancel, subscription_id)
    logger.info("Subscription %s cancelled (status %s)", subscription_id, data.get("status"))
    return data


def invoice_payment_intent_find(*, invoice_id: str) -> str:
    """The payment intent that paid an invoice, or "" while none has.

    Since 2025-03-31 an invoice carries no `payment_intent` (nor `charge`): its payments are
    InvoicePayment objects, each naming its `payment.payment_intent`, and the invoice's
    `payments` list is not in webhook payloads. So ask Stripe for the invoice's paid
    payments (GET /v1/invoice_payments?invoice=...&status=paid).
    """
    data = _call(
        "invoice_payment.list",
        stripe.InvoicePayment.list,
        invoice=invoice_id,
        status="paid",
        limit=10,
    )
    for invoice_payment in data.get("data") or []:
        intent = invoice_payment_intent(invoice_payment)
        if intent:
            return intent
    logger.info("Invoice %s has no paid payment intent yet", invoice_id)
    return ""


def invoice_payment_intent(invoice_payment: dict[str, Any]) -> str:
    """The payment intent an InvoicePayment object (from the API or an event) names."""
    if invoice_payment.get("status") not in {None, "paid"}:
        return ""
    payment = invoice_payment.get("payment") or {}
    intent = payment.get("payment_intent")
    if isinstance(intent, dict):
        intent = intent.get("id")
    return str(intent or "")


def subscription_end_set(*, subscription_id: str, ends_at: datetime | None) -> dict[str, Any]:
    """End a subscription at `ends_at` (its `cancel_at`; None removes the end).

    Checkout's `subscription_data` cannot set `cancel_at` in the pinned version, so it is
    set on the subscription once Checkout has made it. No proration: a donor is never
    credited for the part of a month after the end.
    """
    data = _call(
        "subscription.modify",
        stripe.Subscription.modify,
        subscription_id,
        cancel_at=int(ends_at.timestamp()) if ends_at else "",
        proration_behavior="none",
    )
    logger.info("Subscription %s ends at %s", subscription_id, data.get("cancel_at"))
    return data


def refund_create(*, payment_intent_id: str, amount_pence: int, idempotency_key: str) -> dict:
    data = _call(
        "refund.create",
        stripe.Refund.create,
        payment_intent=payment_intent_id,
        amount=amount_pence,
        reason="requested_by_customer",
        idempotency_key=idempotency_key,
    )
    logger.info("Refund %s of %s pence on %s", data["id"], amount_pence, payment_intent_id)
    return data


def webhook_event_verify(*, payload: bytes, signature: str) -> WebhookEvent:
    """Check Stripe's signature on the raw body (and that it is recent), then parse it."""
    try:
        stripe.WebhookSignature.verify_header(
            payload, signature, settings.STRIPE_WEBHOOK_SECRET, WEBHOOK_TOLERANCE_SECONDS
        )
        event = json.loads(payload)
        return WebhookEvent(
            id=str(event["id"]),
            type=str(event["type"]),
            created=int(event.get("created") or 0),
            object=dict(event["data"]["object"]),
        )
    except stripe.SignatureVerificationError as exc:
        raise WebhookSignatureInvalid(str(exc).split(".")[0]) from exc
    except (ValueError, KeyError, TypeError) as exc:
        raise WebhookSignatureInvalid("malformed event") from exc


def _session(data: dict[str, Any]) -> CheckoutSession:
    return CheckoutSession(
        id=data["id"],
        url=data.get("url") or "",
        status=data.get("status") or "",
        payment_status=data.get("payment_status") or "",
        data=data,
    )
