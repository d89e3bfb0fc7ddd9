"""/donate/: the form's rules, and Checkout Sessions created at the local fake Stripe."""

import html
import logging
import re
import subprocess
from pathlib import Path

import pytest

from campaign_site.core.ratelimit import RateLimit
from donations.models import Donation, DonationSettings
from donations.stripe_gateway import STRIPE_API_VERSION
from donations.views import DONATE_ADDRESS_RATE, DONATE_PERSON_RATE
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
        ({"amount": "other", "other_amount": "5,00"}, "other_amount", "Use a full stop for pence"),
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


@pytest.fixture
def one_window(monkeypatch):
    """The rate limit's clock stands still, so a test never straddles two windows."""

    class Clock:
        @staticmethod
        def time():
            return 1_800_000_000.0

    monkeypatch.setattr("campaign_site.core.ratelimit.time", Clock)


def test_mistakes_on_the_form_are_never_counted(client, stripe_fake, one_window):
    for _ in range(25):
        response = client.post("/donate/", form_data(client, amount="other", other_amount="x"))
        assert response.status_code == 400

    assert client.post("/donate/", form_data(client)).status_code == 303


def test_one_person_starting_checkout_again_and_again_is_paused(client, stripe_fake, one_window):
    for pounds in range(1, 6):
        data = form_data(client, amount="other", other_amount=str(pounds))
        assert client.post("/donate/", data).status_code == 303

    # The same person again, from the same address, with another capitalisation of the email.
    response = client.post("/donate/", form_data(client, email="SAM@example.org"))

    assert response.status_code == 429
    text = text_of(response.content.decode())
    assert "You've started several payments in the last few minutes" in text
    assert "Nothing has been charged. Please try again in 10 minutes." in text
    assert 'value="Sam Patel"' in response.content.decode()  # what they typed is kept
    assert Donation.objects.count() == 5
    assert len(stripe_fake.sessions) == 5
    # Someone else behind the same address is not held up.
    other = form_data(client, email="alex@example.org", name="Alex Kaur")
    assert client.post("/donate/", other).status_code == 303


def test_the_same_form_sent_again_is_not_a_new_start(client, stripe_fake, one_window):
    data = form_data(client)

    responses = [client.post("/donate/", data) for _ in range(12)]

    assert {r.status_code for r in responses} == {303}
    assert len(stripe_fake.sessions) == 1


def test_hundreds_of_donors_behind_one_address_are_not_refused(client, stripe_fake, one_window):
    statuses = [
        client.post(
            "/donate/",
            form_data(client, email=f"phone{number}@example.org", name=f"Donor Number{number}"),
            REMOTE_ADDR="198.51.100.7",
        ).status_code
        for number in range(40)
    ]

    assert statuses == [303] * 40
    assert Donation.objects.count() == 40


def test_an_address_has_a_generous_ceiling(client, stripe_fake, one_window, monkeypatch):
    monkeypatch.setattr(
        "donations.views.DONATE_ADDRESS_RATE",
        RateLimit(scope="donate-address", limit=3, window_seconds=600),
    )
    for number in range(3):
        data = form_data(client, email=f"d{number}@example.org")
        assert client.post("/donate/", data, REMOTE_ADDR="198.51.100.9").status_code == 303

    response = client.post(
        "/donate/", form_data(client, email="d9@example.org"), REMOTE_ADDR="198.51.100.9"
    )

    assert response.status_code == 429
    assert "So many people are giving from your network right now" in text_of(
        response.content.decode()
    )
    assert Donation.objects.count() == 3
    elsewhere = form_data(client, email="d9@example.org")
    assert client.post("/donate/", elsewhere, REMOTE_ADDR="203.0.113.5").status_code == 303


def test_the_limits_are_generous_for_a_crowd_and_tight_for_one_person():
    assert DONATE_ADDRESS_RATE.limit >= 300
    assert DONATE_PERSON_RATE.limit <= 10
    assert DONATE_PERSON_RATE.window_seconds == DONATE_ADDRESS_RATE.window_seconds == 600


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
