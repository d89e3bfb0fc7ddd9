"""Deliveries that overlap, on PostgreSQL with real threads and separate connections: the
same event twice at once, and payments with their refunds at the same instant."""

import threading

import pytest
from django.db import connection, connections
from django.test import Client

from donations.models import Donation, Payment, StripeEvent
from donations.selectors import money_received_totals, progress_get
from tests.conftest import require
from tests.donations import stripe_payloads as payloads
from tests.donations.helpers import completed_event, gift, post_event

pytestmark = pytest.mark.services


def deliver_at_once(events: list[dict]) -> list[int]:
    """Each event from its own thread (its own connection), all released together."""
    barrier = threading.Barrier(len(events))
    statuses: list[int] = []

    def deliver(event):
        try:
            client = Client()
            barrier.wait(timeout=10)
            statuses.append(post_event(client, event).status_code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=deliver, args=(event,)) for event in events]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return statuses


def test_same_event_twice_at_the_same_moment_is_counted_once(transactional_db, stripe_fake):
    require(connection.vendor == "postgresql", "PostgreSQL (DATABASE_URL)")
    for round_number in range(5):
        donation = gift(2_000 + round_number)
        event = completed_event(donation, payment_intent=f"pi_race{round_number}")

        statuses = deliver_at_once([event] * 3)

        assert sorted(statuses) == [200, 200, 200]
        donation.refresh_from_db()
        assert donation.received_pence == 2_000 + round_number
        assert Payment.objects.filter(donation=donation).count() == 1
        assert StripeEvent.objects.filter(event_id=event["id"]).count() == 1


def test_same_refund_event_twice_at_once_is_counted_once(transactional_db, stripe_fake):
    require(connection.vendor == "postgresql", "PostgreSQL (DATABASE_URL)")
    donation = gift(4_000)
    assert (
        post_event(Client(), completed_event(donation, payment_intent="pi_rr")).status_code == 200
    )
    refund = payloads.event(
        "charge.refunded",
        payloads.charge(payment_intent="pi_rr", amount=4_000, amount_refunded=1_000),
    )

    assert sorted(deliver_at_once([refund, refund])) == [200, 200]

    donation.refresh_from_db()
    assert donation.refunded_pence == 1_000


ROUNDS = 12


def test_payments_and_their_refunds_at_the_same_instant_never_lose_a_refund(
    transactional_db, stripe_fake
):
    """Each round: four one-off payments and two monthly payments whose intent arrives
    (`invoice_payment.paid`), each at the same instant as its refund. The progress figure
    must be exact after every round, whichever transaction won each race."""
    require(connection.vendor == "postgresql", "PostgreSQL (DATABASE_URL)")
    client = Client()
    expected = 0
    for round_number in range(ROUNDS):
        events, kept = [], {}
        for number in range(4):
            amount, refunded = 2_000 + 100 * number, 500 + 100 * number
            donation = gift(amount, email=f"r{round_number}o{number}@example.org")
            intent = f"pi_c{round_number}o{number}"
            events.append(completed_event(donation, payment_intent=intent))
            events.append(refunded_event(intent, amount, refunded))
            kept[donation.pk] = amount - refunded
        for number in range(2):
            amount, refunded = 1_500, 400 + 100 * number
            donation = gift(
                amount, kind=Donation.Kind.MONTHLY, email=f"r{round_number}m{number}@x.org"
            )
            invoice_id, intent = f"in_c{round_number}m{number}", f"pi_c{round_number}m{number}"
            # Recorded while Stripe named no intent yet (its invoice payment still open).
            invoice = payloads.invoice(
                invoice_id=invoice_id,
                subscription_id=f"sub_c{round_number}m{number}",
                metadata={"donation_id": str(donation.pk)},
                amount=amount,
            )
            assert post_event(client, payloads.event("invoice.paid", invoice)).status_code == 200
            paid = payloads.invoice_payment(
                invoice_id=invoice_id, payment_intent=intent, amount=amount
            )
            events.append(payloads.event("invoice_payment.paid", paid))
            events.append(refunded_event(intent, amount, refunded))
            kept[donation.pk] = amount - refunded

        statuses = deliver_at_once(events)

        assert statuses == [200] * len(events)
        expected += sum(kept.values())
        for donation in Donation.objects.filter(pk__in=kept):
            assert donation.net_pence == kept[donation.pk], f"round {round_number}: D{donation.pk}"
        assert money_received_totals().raised_pence == expected, f"round {round_number}"
        assert progress_get().raised_pence == expected, f"round {round_number}"


def refunded_event(intent: str, amount: int, refunded: int) -> dict:
    return payloads.event(
        "charge.refunded",
        payloads.charge(payment_intent=intent, amount=amount, amount_refunded=refunded),
    )
