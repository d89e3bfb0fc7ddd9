"""/donate/: the form's rules, and Checkout Sessions created at the local fake Stripe."""

import html
import logging
import re
import subprocess
from pathlib import Path

import pytest

from donations.models import Donation, DonationSettings
from donations.stripe_gateway import STRIPE_API_VERSION
from tests.donations.helpers import form_data
from tests.support.forms import form_values
from volunteers.models import Consent

pytestmark = pytest.mark.django_db

PROJECT = Path(__file__).resolve().parents[2]


def text_of(fragment: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


def amount_values(content: bytes) -> list[str]:
    return re.findall(r'name="amount" id="[^"]+" value="([^"]+)"', content.decode())


def error_next_to(response, field: str) -> str:
    """The error text rendered right by the field (its invalid-feedback block)."""
    content = response.content.decode()
    match = re.search(
        rf'id="(?:id_{field}_errors|error_1_id_{field})"[^>]*>(.*?)</(?:div|span)>', content, re.S
    )
    assert match is not None, f"no error shown next to {field}"
    return text_of(match.group(1))


def test_without_keys_the_page_says_donations_are_not_set_up(client, no_stripe):
    response = client.get("/donate/")

    assert response.status_code == 200
    assert b"Donations are not set up yet" in response.content
    assert b"<form" not in response.content.split(b"<main")[1].split(b"</main>")[0]


def test_the_page_explains_who_and_what_for_and_offers_presets(client, stripe_fake):
    response = client.get("/donate/")
    content = response.content.decode()

    assert amount_values(response.content) == ["1000", "2500", "5000", "10000", "25000", "other"]
    text = text_of(content)
    assert "Where your money goes" in text
    assert "Gifts over £50 are checked" in text
    assert "How we use your details" in text
    assert "raised of £13,000" in text
    join = re.search(r'<input[^>]*name="join_list"[^>]*>', content).group(0)
    assert "checked" not in join
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", content), "no inline script"
    assert not re.search(rb"\son[a-z]+=", response.content), "no inline event handlers"


def test_a_one_off_gift_creates_a_payment_session_and_redirects(client, stripe_fake, settings):
    settings.SITE_URL = "http://testserver"
    response = client.post("/donate/", form_data(client))

    assert response.status_code == 303
    donation = Donation.objects.get()
    assert (donation.amount_pence, donation.kind, donation.status) == (2_500, "one_off", "pending")
    assert donation.email == "sam@example.org"
    assert response["Location"] == f"{stripe_fake.url}/pay/{donation.stripe_checkout_session_id}"
    [call] = stripe_fake.calls("POST", "/v1/checkout/sessions")
    params = call["params"]
    assert params["mode"] == "payment"
    assert params["line_items"][0]["price_data"]["currency"] == "gbp"
    assert params["line_items"][0]["price_data"]["unit_amount"] == "2500"
    assert params["metadata"] == {"donation_id": str(donation.pk)}
    assert params["payment_intent_data"]["metadata"] == {"donation_id": str(donation.pk)}
    assert params["customer_email"] == "sam@example.org"
    assert params["success_url"] == "http://testserver/donate/thanks/"
    assert params["cancel_url"] == "http://testserver/donate/?cancelled=1"
    assert call["idempotency_key"] == f"donation-checkout-{donation.form_token}"
    assert call["version"] == STRIPE_API_VERSION


def test_a_monthly_gift_uses_a_subscription_with_a_monthly_price(client, stripe_fake):
    client.post(
        "/donate/", form_data(client, amount="other", other_amount="7.50", frequency="monthly")
    )

    donation = Donation.objects.get()
    assert (donation.amount_pence, donation.kind) == (750, "monthly")
    [call] = stripe_fake.calls("POST", "/v1/checkout/sessions")
    price = call["params"]["line_items"][0]["price_data"]
    assert call["params"]["mode"] == "subscription"
    assert price["recurring"] == {"interval": "month"}
    assert price["unit_amount"] == "750"
    assert call["params"]["subscription_data"]["metadata"] == {"donation_id": str(donation.pk)}


def test_a_double_submit_creates_one_donation_and_one_session(client, stripe_fake):
    data = form_data(client)

    first = client.post("/donate/", data)
    second = client.post("/donate/", data)

    assert first["Location"] == second["Location"]
    assert Donation.objects.count() == 1
    assert len(stripe_fake.sessions) == 1


def test_a_retried_request_reuses_the_idempotency_key(client, stripe_fake):
    data = form_data(client)
    client.post("/donate/", data)
    Donation.objects.update(checkout_url="")  # as if the first response never arrived

    client.post("/donate/", data)

    calls = stripe_fake.calls("POST", "/v1/checkout/sessions")
    assert len(calls) == 2
    assert calls[0]["idempotency_key"] == calls[1]["idempotency_key"]
    assert len(stripe_fake.sessions) == 1


def test_stripe_unreachable_shows_a_safe_message_and_charges_nothing(client, stripe_fake):
    stripe_fake.fail_next = 3  # the library retries twice, then gives up

    response = client.post("/donate/", form_data(client))

    assert response.status_code == 502
    assert b"couldn&#x27;t reach our payment provider" in response.content
    assert b"api_error" not in response.content
    assert len(stripe_fake.sessions) == 0


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"amount": "other", "other_amount": ""}, "other_amount", "Enter the amount"),
        ({"amount": "other", "other_amount": "ten"}, "other_amount", "Enter an amount in pounds"),
        ({"amount": "other", "other_amount": "0.50"}, "other_amount", "smallest gift"),
        ({"amount": "other", "other_amount": "5000"}, "other_amount", "largest gift"),
        ({"email": "not-an-email"}, "email", "valid email"),
        ({"name": ""}, "name", "required"),
    ],
)
def test_invalid_answers_are_explained_next_to_the_field(
    client, stripe_fake, changes, field, message
):
    response = client.post("/donate/", form_data(client, **changes))

    assert response.status_code == 400
    assert message in error_next_to(response, field)
    assert Donation.objects.count() == 0


def test_the_maximum_is_set_by_organisers(client, stripe_fake):
    DonationSettings.objects.update_or_create(pk=1, defaults={"max_pence": 20_000})

    response = client.post("/donate/", form_data(client, amount="other", other_amount="250"))

    assert "The largest gift we can take online is £200" in error_next_to(response, "other_amount")
    assert "25000" not in amount_values(client.get("/donate/").content)


def test_over_50_without_details_is_refused_with_reasons_next_to_fields(client, stripe_fake):
    response = client.post("/donate/", form_data(client, amount="10000", name="Sam"))

    assert response.status_code == 400
    assert "full name" in error_next_to(response, "name")
    for field in ["address_line1", "town", "postcode", "permissible_source", "declaration"]:
        assert "gifts over £50" in error_next_to(response, field)
    assert Donation.objects.count() == 0


def test_exactly_50_needs_no_extra_details(client, stripe_fake):
    response = client.post("/donate/", form_data(client, amount="5000", name="Sam"))

    assert response.status_code == 303
    assert Donation.objects.get().address_line1 == ""


def test_over_50_with_details_and_declaration_is_taken(client, stripe_fake):
    data = form_data(
        client,
        amount="other",
        other_amount="£120",
        address_line1="12 Kedleston Road",
        town="Derby",
        postcode="de221gb",
        permissible_source="elector",
        declaration="on",
    )

    response = client.post("/donate/", data)

    assert response.status_code == 303
    donation = Donation.objects.get()
    assert donation.amount_pence == 12_000
    assert donation.postcode == "DE22 1GB"
    assert donation.declared_at is not None
    assert donation.permissible_source == "elector"


def test_details_typed_for_a_small_gift_are_not_kept(client, stripe_fake):
    data = form_data(client, amount="1000", address_line1="12 Kedleston Road", postcode="DE22 1GB")

    client.post("/donate/", data)

    assert Donation.objects.get().address_line1 == ""


def test_ticking_the_mailing_list_box_records_consent(client, stripe_fake):
    client.post("/donate/", form_data(client, join_list="on"))

    consent = Consent.objects.get()
    assert consent.supporter.email == "sam@example.org"
    assert consent.source == "donation"


def test_a_double_submit_signs_up_to_the_list_once(client, stripe_fake):
    data = form_data(client, join_list="on")

    client.post("/donate/", data)
    client.post("/donate/", data)

    assert Consent.objects.count() == 1


def test_not_ticking_the_box_adds_nobody_to_the_list(client, stripe_fake):
    client.post("/donate/", form_data(client))

    assert Consent.objects.count() == 0


def test_the_donate_post_is_rate_limited(client, stripe_fake):
    for _ in range(10):
        client.post("/donate/", form_data(client, amount="other", other_amount="1"))

    response = client.post("/donate/", form_data(client))

    assert response.status_code == 429
    assert b"paused the form" in response.content


def test_only_the_gateway_imports_stripe():
    found = subprocess.run(
        [
            "grep",
            "-rlE",
            r"^\s*(import stripe|from stripe)",
            "campaign_site",
            "donations",
            "volunteers",
            "events",
        ],
        cwd=PROJECT,
        capture_output=True,
        text=True,
    ).stdout.split()

    assert found == ["donations/stripe_gateway.py"]


def test_donor_details_stay_out_of_the_logs(client, stripe_fake, caplog):
    caplog.set_level(logging.DEBUG)

    client.post("/donate/", form_data(client, name="Sam Patel"))

    assert Donation.objects.count() == 1
    assert "sam@example.org" not in caplog.text.lower()
    assert "Sam Patel" not in caplog.text


def test_stripe_sends_donors_back_to_the_site_url_whatever_host_the_request_named(
    client, stripe_fake, settings
):
    settings.SITE_URL = "https://campaign.example.org"
    settings.ALLOWED_HOSTS = ["testserver", "localhost"]

    client.post("/donate/", form_data(client), HTTP_HOST="localhost:9999")

    params = stripe_fake.requests[-1]["params"]
    assert params["success_url"] == "https://campaign.example.org/donate/thanks/"
    assert params["cancel_url"] == "https://campaign.example.org/donate/?cancelled=1"


@pytest.mark.parametrize(
    ("wrong", "message"),
    [
        ({"email": "sam@example"}, "valid email"),
        ({"postcode": "nowhere"}, "Enter a UK postcode"),
        ({"declaration": None}, "Tick the declaration"),
    ],
)
def test_an_error_keeps_every_valid_answer(client, stripe_fake, wrong, message):
    answers = {
        "amount": "10000",
        "frequency": "monthly",
        "name": "Sam Patel",
        "email": "sam@example.org",
        "address_line1": "12 Kedleston Road",
        "address_line2": "Flat 2",
        "town": "Derby",
        "postcode": "DE22 1GB",
        "permissible_source": "elector",
        "declaration": "on",
        "join_list": "on",
    }

    response = client.post("/donate/", form_data(client, **{**answers, **wrong}))

    assert response.status_code == 400
    assert message in text_of(response.content.decode())
    values = form_values(response.content.decode())
    kept = {name: value for name, value in answers.items() if name not in wrong}
    assert {name: values.get(name) for name in kept} == kept
    assert Donation.objects.count() == 0
