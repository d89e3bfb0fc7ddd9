"""Webhook payloads shaped like Stripe's (for the pinned API version), and their signing."""

import hashlib
import hmac
import itertools
import json
import time

from donations.stripe_gateway import STRIPE_API_VERSION

API_VERSION = STRIPE_API_VERSION
_ids = itertools.count(1)


def next_id(prefix: str) -> str:
    return f"{prefix}_test{next(_ids):06d}{int(time.time() * 1000) % 100000:05d}"


def sign(body: bytes, secret: str, timestamp: int | None = None) -> str:
    timestamp = int(time.time()) if timestamp is None else timestamp
    signed = f"{timestamp}.".encode() + body
    signature = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={signature}"


def event(event_type: str, obj: dict, *, event_id: str | None = None, created=None) -> dict:
    return {
        "id": event_id or next_id("evt"),
        "object": "event",
        "api_version": API_VERSION,
        "created": int(time.time()) if created is None else created,
        "data": {"object": obj},
        "livemode": False,
        "pending_webhooks": 1,
        "request": {"id": None, "idempotency_key": None},
        "type": event_type,
    }


def checkout_session(
    *,
    donation_id: int,
    amount: int,
    mode: str = "payment",
    session_id: str | None = None,
    status: str = "complete",
    payment_status: str = "paid",
    payment_intent: str | None = None,
    subscription: str | None = None,
    invoice: str | None = None,
    email: str = "donor@example.org",
) -> dict:
    return {
        "id": session_id or next_id("cs"),
        "object": "checkout.session",
        "amount_subtotal": amount,
        "amount_total": amount,
        "client_reference_id": str(donation_id),
        "currency": "gbp",
        "customer": next_id("cus") if mode == "subscription" else None,
        "customer_details": {"email": email, "name": "Sam Donor"},
        "customer_email": email,
        "invoice": invoice if mode == "subscription" else None,
        "livemode": False,
        "metadata": {"donation_id": str(donation_id)},
        "mode": mode,
        "payment_intent": payment_intent if mode == "payment" else None,
        "payment_status": payment_status,
        "status": status,
        "subscription": subscription if mode == "subscription" else None,
        "success_url": "http://testserver/donate/thanks/",
        "url": None,
    }


def charge(
    *,
    payment_intent: str,
    amount: int,
    amount_refunded: int,
    charge_id: str | None = None,
) -> dict:
    """A Charge as the pinned version sends it: no `refunds` list (only when expanded, and
    webhooks expand nothing) and no `invoice` (gone since 2025-03-31)."""
    return {
        "id": charge_id or next_id("ch"),
        "object": "charge",
        "amount": amount,
        "amount_captured": amount,
        "amount_refunded": amount_refunded,
        "captured": True,
        "currency": "gbp",
        "livemode": False,
        "metadata": {},
        "paid": True,
        "payment_intent": payment_intent,
        "refunded": amount_refunded >= amount,
        "status": "succeeded",
    }


def invoice(
    *,
    invoice_id: str,
    subscription_id: str,
    metadata: dict,
    amount: int,
    paid_at: int | None = None,
    billing_reason: str = "subscription_cycle",
) -> dict:
    """An Invoice as the pinned version sends it: the subscription under `parent`, and no
    `payment_intent`, `charge` or `paid` (gone since 2025-03-31); its `payments` list is
    includable only, so not in webhook payloads (see `invoice_payment`)."""
    paid_at = paid_at or int(time.time())
    return {
        "id": invoice_id,
        "object": "invoice",
        "amount_due": amount,
        "amount_paid": amount,
        "amount_remaining": 0,
        "billing_reason": billing_reason,
        "collection_method": "charge_automatically",
        "currency": "gbp",
        "livemode": False,
        "lines": {
            "object": "list",
            "data": [
                {
                    "object": "line_item",
                    "amount": amount,
                    "currency": "gbp",
                    "metadata": metadata,
                    "parent": {
                        "type": "subscription_item_details",
                        "subscription_item_details": {"subscription": subscription_id},
                    },
                }
            ],
            "has_more": False,
        },
        "parent": {
            "type": "subscription_details",
            "quote_details": None,
            "subscription_details": {"metadata": metadata, "subscription": subscription_id},
        },
        "status": "paid",
        "status_transitions": {"paid_at": paid_at, "finalized_at": paid_at},
        "created": paid_at,
    }


def invoice_payment(
    *,
    invoice_id: str,
    payment_intent: str,
    amount: int,
    invoice_payment_id: str | None = None,
    status: str = "paid",
    paid_at: int | None = None,
) -> dict:
    """An InvoicePayment: which payment intent paid which invoice (the object of
    `invoice_payment.paid`, and what GET /v1/invoice_payments lists)."""
    paid_at = paid_at or int(time.time())
    return {
        "id": invoice_payment_id or next_id("inpay"),
        "object": "invoice_payment",
        "amount_paid": amount if status == "paid" else None,
        "amount_requested": amount,
        "created": paid_at,
        "currency": "gbp",
        "invoice": invoice_id,
        "is_default": True,
        "livemode": False,
        "payment": {"type": "payment_intent", "payment_intent": payment_intent},
        "status": status,
        "status_transitions": {
            "canceled_at": None,
            "paid_at": paid_at if status == "paid" else None,
        },
    }


def subscription(*, subscription_id: str, donation_id: int, ended_at: int | None = None) -> dict:
    return {
        "id": subscription_id,
        "object": "subscription",
        "status": "canceled",
        "canceled_at": ended_at or int(time.time()),
        "ended_at": ended_at or int(time.time()),
        "metadata": {"donation_id": str(donation_id)},
    }


def body_of(data: dict) -> bytes:
    return json.dumps(data).encode()
