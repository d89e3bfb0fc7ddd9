"""Small helpers for donation tests: gifts, signed webhook posts, payments."""

import json
import re
import uuid

from django.db import transaction

from donations.models import Donation
from donations.services import GiftDetails, donation_checkout_start, donation_create
from tests.donations import stripe_payloads as payloads
from tests.donations.fake_stripe import WEBHOOK_SECRET

OVER_50 = {
    "address_line1": "12 Kedleston Road",
    "town": "Derby",
    "postcode": "DE22 1GB",
    "permissible_source": Donation.Source.ELECTOR,
    "declared": True,
}


def gift(
    amount_pence=2_500, *, kind=Donation.Kind.ONE_OFF, email="sam@example.org", **extra
) -> Donation:
    details = {"name": "Sam Patel", **(OVER_50 if amount_pence > 5_000 else {}), **extra}
    with transaction.atomic():
        donation, _ = donation_create(
            gift=GiftDetails(
                form_token=uuid.uuid4(),
                kind=kind,
                amount_pence=amount_pence,
                email=email,
                **details,
            )
        )
    return donation


def post_event(client, event: dict, *, secret=WEBHOOK_SECRET, timestamp=None, body=None):
    raw = body if body is not None else json.dumps(event).encode()
    return client.post(
        "/stripe/webhook/",
        data=raw,
        content_type="application/json",
        HTTP_STRIPE_SIGNATURE=payloads.sign(
            json.dumps(event).encode() if body is not None else raw, secret, timestamp
        ),
    )


def completed_event(donation: Donation, *, payment_intent=None, paid=True, **extra) -> dict:
    monthly = donation.kind == Donation.Kind.MONTHLY
    session = payloads.checkout_session(
        donation_id=donation.pk,
        amount=donation.amount_pence,
        mode="subscription" if monthly else "payment",
        payment_status="paid" if paid else "unpaid",
        payment_intent=payment_intent or payloads.next_id("pi"),
        subscription=extra.pop("subscription", None) or payloads.next_id("sub"),
        invoice=extra.pop("invoice", None) or payloads.next_id("in"),
        **extra,
    )
    return payloads.event("checkout.session.completed", session)


def pay(client, donation: Donation, **kwargs) -> dict:
    """Stripe tells us the donation was paid; returns the event sent."""
    event = completed_event(donation, **kwargs)
    response = post_event(client, event)
    assert response.status_code == 200, response.content
    donation.refresh_from_db()
    return event


def form_data(client, **changes) -> dict:
    content = client.get("/donate/").content.decode()
    token = re.search(r'name="form_token" value="([^"]+)"', content).group(1)
    data = {
        "form_token": token,
        "amount": "2500",
        "other_amount": "",
        "frequency": "one_off",
        "name": "Sam Patel",
        "email": "Sam@Example.org",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def paid_gift(client, amount, *, fake=None, **kwargs) -> Donation:
    """A gift Stripe has told us is paid (with `fake`, the fake knows its payment too)."""
    donation = gift(amount, **kwargs)
    event = pay(client, donation)
    intent = event["data"]["object"].get("payment_intent")
    if fake is not None and intent:
        fake.intents[intent] = amount
    return donation


def running_gift(client, fake, amount=500, email="sam@example.org") -> Donation:
    """A monthly gift through Checkout whose first payment Stripe (the fake) has reported."""
    donation = gift(amount, kind=Donation.Kind.MONTHLY, email=email)
    donation_checkout_start(donation=donation, return_base_url="http://testserver")
    session = fake.complete(donation.stripe_checkout_session_id)
    for event in fake.events_for_payment(session["id"]):
        assert post_event(client, event).status_code == 200
    donation.refresh_from_db()
    return donation
