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
    refunds: list[tuple[str, int]] | None = None,
    charge_id: str | None = None,
    donation_id: int | None = None,
) -> dict:
    data = {
        "id": charge_id or next_id("ch"),
        "object": "charge",
        "amount": amount,
        "amount_captured": amount,
        "amount_refunded": amount_refunded,
        "currency": "gbp",
        "metadata": {"donation_id": str(donation_id)} if donation_id else {},
        "paid": True,
        "payment_intent": payment_intent,
        "refunded": amount_refunded >= amount,
        "status": "succeeded",
    }
    if refunds is not None:
        data["refunds"] = {
            "object": "list",
            "data": [
                {
                    "id": refund_id,
                    "object": "refund",
                    "amount": refund_amount,
                    "payment_intent": payment_intent,
                    "status": "succeeded",
                }
                for refund_id, refund_amount in refunds
            ],
            "has_more": False,
        }
    return data


def invoice(
    *,
    invoice_id: str,
    subscription_id: str,
    metadata: dict,
    amount: int,
    payment_intent: str,
    paid_at: int | None = None,
) -> dict:
    paid_at = paid_at or int(time.time())
    return {
        "id": invoice_id,
        "object": "invoice",
        "amount_due": amount,
        "amount_paid": amount,
        "billing_reason": "subscription_cycle",
        "currency": "gbp",
        "parent": {
            "type": "subscription_details",
            "subscription_details": {"metadata": metadata, "subscription": subscription_id},
        },
        "payments": {
            "object": "list",
            "data": [
                {
                    "object": "invoice_payment",
                    "payment": {"type": "payment_intent", "payment_intent": payment_intent},
                    "status": "paid",
                }
            ],
        },
        "status": "paid",
        "status_transitions": {"paid_at": paid_at},
        "created": paid_at,
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
