"""The same event delivered twice at the same moment, on PostgreSQL with real threads."""

import threading

import pytest
from django.db import connection, connections
from django.test import Client

from donations.models import Payment, StripeEvent
from tests.conftest import require
from tests.donations import stripe_payloads as payloads
from tests.donations.helpers import completed_event, gift, post_event

pytestmark = pytest.mark.services


def deliver_at_once(event: dict, copies: int = 2) -> list[int]:
    barrier = threading.Barrier(copies)
    statuses: list[int] = []

    def deliver():
        try:
            client = Client()
            barrier.wait(timeout=10)
            statuses.append(post_event(client, event).status_code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=deliver) for _ in range(copies)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return statuses


def test_same_event_twice_at_the_same_moment_is_counted_once(transactional_db, stripe_fake):
    require(connection.vendor == "postgresql", "PostgreSQL (DATABASE_URL)")
    for round_number in range(5):
        donation = gift(2_000 + round_number)
        event = completed_event(donation, payment_intent=f"pi_race{round_number}")

        statuses = deliver_at_once(event, copies=3)

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

    assert sorted(deliver_at_once(refund)) == [200, 200]

    donation.refresh_from_db()
    assert donation.refunded_pence == 1_000
