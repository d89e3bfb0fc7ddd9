"""supporter_subscribe(): double opt-in with consent recorded, the same outward
behaviour whatever the address's state."""

import pytest
from django.core.exceptions import ValidationError

from campaign_site.core.models import OutboundEmail
from volunteers.consent import (
    JOIN_STATEMENT,
    MAILING_LIST_OPT_IN_LABEL,
    RSVP_OPT_IN_HELP,
    RSVP_OPT_IN_LABEL,
)
from volunteers.models import Consent, Supporter
from volunteers.selectors import (
    supporter_email_links,
    supporter_list_unsubscribe_headers,
)
from volunteers.services import consent_confirm, supporter_subscribe, supporter_unsubscribe

pytestmark = pytest.mark.django_db


def subscribe(email="sam@example.org", **kwargs):
    defaults = {"source": Supporter.Source.JOIN, "page": "/join/"}
    return supporter_subscribe(email=email, **{**defaults, **kwargs})


def test_a_new_address_gets_a_confirmation_and_no_list_mail_until_it_confirms(
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        supporter = subscribe(" Sam@Example.org ", wants_canvass_alerts=True, postcode="de221aa")

    assert supporter.email == "sam@example.org"
    assert supporter.postcode == "DE22 1AA"
    assert not Supporter.objects.confirmed().exists()
    [email] = OutboundEmail.objects.all()
    assert email.key.startswith("signup-confirm:")
    assert email.to == "sam@example.org"
    assert "/join/confirm/" in email.body_text
    [consent] = Consent.objects.all()
    assert consent.page == "/join/"
    assert consent.wants_updates and consent.wants_canvass_alerts
    assert not consent.wants_phonebank_alerts
    assert JOIN_STATEMENT in consent.wording
    assert "[x] Canvassing alerts" in consent.wording
    assert consent.confirmed_at is None

    consent_confirm(consent=consent)

    assert list(Supporter.objects.audience("canvass")) == [supporter]
    assert list(Supporter.objects.audience("phonebank")) == []


def test_the_wording_is_kept_even_if_the_site_copy_changes(monkeypatch):
    subscribe(source=Supporter.Source.DONATION, page="/donate/")
    monkeypatch.setattr("volunteers.consent.MAILING_LIST_OPT_IN_LABEL", "New words")
    subscribe("kim@example.org", source=Supporter.Source.DONATION, page="/donate/")

    first, second = Consent.objects.order_by("pk")
    assert first.wording == MAILING_LIST_OPT_IN_LABEL
    assert second.wording == "New words"


def test_a_session_sign_up_records_the_tick_box_words_it_showed():
    subscribe(source=Supporter.Source.RSVP, page="/events/allestree/", wants_canvass_alerts=True)

    consent = Consent.objects.get()
    assert consent.wording == f"{RSVP_OPT_IN_LABEL}. {RSVP_OPT_IN_HELP}"
    assert consent.page == "/events/allestree/" and consent.wants_canvass_alerts


def test_an_existing_subscriber_gets_a_manage_your_preferences_email_instead():
    consent_confirm(consent=subscribe().consents.get())

    subscribe("SAM@example.org", wants_phonebank_alerts=True)

    keys = list(OutboundEmail.objects.order_by("pk").values_list("key", flat=True))
    assert keys[0].startswith("signup-confirm:")
    assert keys[1].startswith("signup-already-subscribed:")
    email = OutboundEmail.objects.get(key=keys[1])
    assert "/preferences/" in email.body_text and "already on it" in email.body_text
    assert Supporter.objects.count() == 1


def test_someone_who_unsubscribed_must_confirm_again():
    supporter = subscribe()
    consent_confirm(consent=supporter.consents.get())
    supporter_unsubscribe(supporter=supporter)

    subscribe()

    latest = OutboundEmail.objects.order_by("-pk").first()
    assert latest.key.startswith("signup-confirm:")
    assert not Supporter.objects.confirmed().exists()


@pytest.mark.parametrize(
    "kwargs",
    [
        {"email": "not-an-address"},
        {"email": "sam@example.org", "postcode": "XYZ"},
        {"email": "sam@example.org", "phone": "12345"},
        {"email": "sam@example.org", "wants_updates": False},
    ],
)
def test_invalid_input_is_refused_and_nothing_is_stored(kwargs):
    with pytest.raises(ValidationError):
        supporter_subscribe(source="join", page="/join/", **kwargs)
    assert not Supporter.objects.exists()
    assert not OutboundEmail.objects.exists()


def test_links_and_headers_for_emails_are_absolute_signed_and_opaque(settings):
    settings.SITE_URL = "https://chris.example"
    supporter = subscribe()

    links = supporter_email_links(supporter)
    headers = supporter_list_unsubscribe_headers(supporter)

    assert links["preferences_url"].startswith("https://chris.example/preferences/")
    assert links["unsubscribe_url"].startswith("https://chris.example/unsubscribe/")
    for url in links.values():
        assert "sam" not in url
    assert headers == {
        "List-Unsubscribe": f"<{links['unsubscribe_url']}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }


def test_entering_one_address_again_and_again_sends_only_a_few_emails_an_hour():
    from volunteers.services import SIGNUP_EMAILS_PER_HOUR

    for _ in range(SIGNUP_EMAILS_PER_HOUR + 5):
        subscribe("target@example.org")

    assert OutboundEmail.objects.filter(to="target@example.org").count() == SIGNUP_EMAILS_PER_HOUR
