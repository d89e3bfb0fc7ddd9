"""The receipt, end to end: webhook -> outbox -> real Celery worker -> real SMTP server."""

import re
from urllib.parse import urlsplit

import pytest

from donations.models import Donation
from tests.donations.helpers import form_data, post_event

pytestmark = pytest.mark.services


def test_monthly_receipt_arrives_once_with_a_link_that_stops_the_gift(
    worker, mailbox, client, stripe_fake
):
    client.post(
        "/donate/", form_data(client, frequency="monthly", amount="other", other_amount="5")
    )
    donation = Donation.objects.get()
    stripe_fake.complete(donation.stripe_checkout_session_id)
    events = stripe_fake.events_for_payment(donation.stripe_checkout_session_id)
    for event in events + events:  # Stripe delivering everything twice sends one receipt
        assert post_event(client, event).status_code == 200

    [receipt] = mailbox.wait_for(1)

    assert receipt.rcpt_tos == ["sam@example.org"]
    assert receipt.subject == "Thank you for your monthly gift of £5"
    assert "Dear Sam Patel" in receipt.text
    assert f"Reference: D{donation.pk}" in receipt.text
    assert "Promoted by" in receipt.text and "Promoted by" in receipt.html
    assert "Stop my monthly gift</a>" in receipt.html
    stop_url = re.search(r"(http\S+/donate/stop/\S+/)", receipt.text).group(1)

    response = client.post(urlsplit(stop_url).path)

    assert "Your monthly gift has stopped" in response.content.decode()
    donation.refresh_from_db()
    assert stripe_fake.subscriptions[donation.stripe_subscription_id]["status"] == "canceled"
    assert donation.status == Donation.Status.STOPPED
    assert len(mailbox.received) == 1


def test_one_off_receipt_over_50_mentions_the_check(worker, mailbox, client, stripe_fake):
    client.post(
        "/donate/",
        form_data(
            client,
            amount="10000",
            address_line1="3 Allestree Lane",
            town="Derby",
            postcode="DE22 2DT",
            permissible_source="elector",
            declaration="on",
        ),
    )
    donation = Donation.objects.get()
    stripe_fake.complete(donation.stripe_checkout_session_id)
    for event in stripe_fake.events_for_payment(donation.stripe_checkout_session_id):
        assert post_event(client, event).status_code == 200

    [receipt] = mailbox.wait_for(1)

    assert receipt.subject == "Thank you for your gift of £100"
    assert "our election agent checks the details" in receipt.text
    assert "/donate/stop/" not in receipt.text
