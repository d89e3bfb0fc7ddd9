"""/donate/thanks/ from the database, and the signed link that stops a monthly gift."""

from datetime import timedelta

import pytest

from campaign_site.core.models import OutboundEmail
from donations.models import Donation
from donations.tokens import stop_monthly_token
from tests.donations.helpers import form_data, pay, post_event

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _stripe(stripe_fake):
    return stripe_fake


def start(client, **changes) -> Donation:
    response = client.post("/donate/", form_data(client, **changes))
    assert response.status_code == 303
    return Donation.objects.latest("pk")


def test_thanks_without_a_gift_in_this_browser_is_a_plain_thank_you(client):
    response = client.get("/donate/thanks/?status=paid&amount=100000")

    assert response.status_code == 200
    page = response.content.decode()
    assert "If you have just given" in page
    assert "£1,000" not in page


def test_query_parameters_never_decide_what_the_page_says(client, stripe_fake):
    donation = start(client)

    page = client.get(f"/donate/thanks/?status=paid&donation={donation.pk}").content.decode()

    assert "waiting for our payment provider to confirm" in page
    assert 'http-equiv="refresh"' in page
    [retrieve] = stripe_fake.calls("GET", "/v1/checkout/sessions/")
    assert retrieve["path"].endswith(donation.stripe_checkout_session_id)


def test_confirmed_by_webhook(client):
    donation = start(client)
    pay(client, donation)

    page = client.get("/donate/thanks/").content.decode()

    assert "Thank you, Sam" in page
    assert "Your gift of <strong>£25</strong> has been received" in page


def test_paid_before_the_webhook_arrives_is_confirmed_by_asking_stripe(client, stripe_fake):
    donation = start(client)
    stripe_fake.complete(donation.stripe_checkout_session_id)

    page = client.get("/donate/thanks/").content.decode()

    assert "has been received" in page
    donation.refresh_from_db()
    assert donation.status == Donation.Status.RECEIVED
    assert OutboundEmail.objects.filter(key__startswith="donation-receipt:").count() == 1
    # The webhook that follows changes nothing.
    for event in stripe_fake.events_for_payment(donation.stripe_checkout_session_id):
        assert post_event(client, event).status_code == 200
    donation.refresh_from_db()
    assert donation.received_pence == 2_500


def test_a_delayed_payment_says_it_is_still_processing(client, stripe_fake):
    donation = start(client)
    stripe_fake.complete(donation.stripe_checkout_session_id, paid=False)

    page = client.get("/donate/thanks/").content.decode()

    assert "still processing" in page
    assert 'http-equiv="refresh"' not in page


def test_over_50_thanks_mentions_the_check(client, stripe_fake):
    donation = start(
        client,
        amount="10000",
        address_line1="1 Duffield Road",
        town="Derby",
        postcode="DE22 1AA",
        permissible_source="elector",
        declaration="on",
    )
    pay(client, donation)

    assert "our election agent will check" in client.get("/donate/thanks/").content.decode()


def test_receipt_is_queued_once_when_payment_is_confirmed(client):
    donation = start(client, frequency="monthly", amount="other", other_amount="5")
    event = pay(client, donation)
    post_event(client, event)

    [receipt] = OutboundEmail.objects.filter(key__startswith="donation-receipt:")
    assert receipt.to == "sam@example.org"
    assert receipt.subject == "Thank you for your monthly gift of £5"
    token = stop_monthly_token(donation_id=donation.pk)
    assert f"http://localhost:8000/donate/stop/{token}/" in receipt.body_text
    assert "Promoted by" in receipt.body_text


def test_no_receipt_before_payment_is_confirmed(client):
    donation = start(client)
    pay(client, donation, paid=False)

    assert not OutboundEmail.objects.filter(key__startswith="donation-receipt:").exists()


def test_the_stop_link_asks_first_then_cancels_the_subscription(client, stripe_fake):
    donation = start(client, frequency="monthly", amount="other", other_amount="5")
    stripe_fake.complete(donation.stripe_checkout_session_id)
    for event in stripe_fake.events_for_payment(donation.stripe_checkout_session_id):
        post_event(client, event)
    donation.refresh_from_db()
    url = f"/donate/stop/{stop_monthly_token(donation_id=donation.pk)}/"

    page = client.get(url).content.decode()
    assert "Stop my monthly gift" in page
    assert stripe_fake.calls("DELETE", "/v1/subscriptions/") == []

    page = client.post(url).content.decode()

    assert "Your monthly gift has stopped" in page
    assert stripe_fake.subscriptions[donation.stripe_subscription_id]["status"] == "canceled"
    donation.refresh_from_db()
    assert donation.status == Donation.Status.STOPPED
    assert donation.received_pence == 500
    # Stopping twice is harmless, and calls Stripe no more.
    client.post(url)
    assert len(stripe_fake.calls("DELETE", "/v1/subscriptions/")) == 1


def test_a_tampered_stop_link_is_refused(client):
    donation = start(client, frequency="monthly")
    token = stop_monthly_token(donation_id=donation.pk)

    assert client.get(f"/donate/stop/{token[:-2]}xx/").status_code == 404
    assert client.get("/donate/stop/nonsense/").status_code == 404


def test_the_page_stops_looking_again_after_a_while(client, stripe_fake):
    donation = start(client)
    Donation.objects.filter(pk=donation.pk).update(
        created_at=donation.created_at - timedelta(minutes=20)
    )

    page = client.get("/donate/thanks/").content.decode()

    assert "waiting for our payment provider" in page
    assert 'http-equiv="refresh"' not in page
