"""Confirm, preferences, unsubscribe and erase: signed links, tampering and expiry."""

import time

import pytest
from django.test import Client

from campaign_site.core.models import AuditEvent, OutboundEmail
from tests.support.forms import form_values
from tests.volunteers.factories import SupporterFactory
from volunteers.models import Consent, Supporter, Suppression, suppression_hash
from volunteers.selectors import (
    consent_confirm_url,
    supporter_email_links,
    supporter_list_unsubscribe_headers,
)
from volunteers.services import supporter_subscribe

pytestmark = pytest.mark.django_db


def path_of(url: str) -> str:
    return url.split("://", 1)[1].split("/", 1)[1].join(["/", ""])


def signed_up(email="sam@example.org", **kwargs) -> Consent:
    supporter = supporter_subscribe(email=email, source="join", page="/join/", **kwargs)
    return supporter.consents.latest("given_at")


def test_following_the_confirmation_link_asks_then_confirms(client):
    consent = signed_up(wants_canvass_alerts=True)
    url = path_of(consent_confirm_url(consent))

    page = client.get(url)
    assert page.status_code == 200 and b"Yes, confirm" in page.content
    assert not Supporter.objects.confirmed().exists()  # a link scanner's GET changes nothing

    done = client.post(url)

    assert done.status_code == 200 and b"You are on the list" in done.content
    supporter = Supporter.objects.confirmed().get()
    assert supporter.wants_updates and supporter.wants_canvass_alerts
    assert Consent.objects.get().confirmed_at is not None
    assert client.get(url).status_code == 200  # following it again is harmless


def test_a_tampered_confirmation_link_does_nothing(client):
    url = path_of(consent_confirm_url(signed_up()))
    token = url.split("/")[-2]
    tampered = url.replace(token, token[:-1] + ("A" if token[-1] != "A" else "B"))

    assert client.post(tampered).status_code == 404
    assert client.post("/join/confirm/made-up/").status_code == 404
    assert not Supporter.objects.confirmed().exists()


def test_a_confirmation_link_expires_after_seven_days(client, monkeypatch):
    consent = signed_up()
    eight_days_ago = time.time() - 8 * 24 * 3600
    with monkeypatch.context() as patch:
        patch.setattr("django.core.signing.time.time", lambda: eight_days_ago)
        old_url = path_of(consent_confirm_url(consent))
    six_days_ago = time.time() - 6 * 24 * 3600
    with monkeypatch.context() as patch:
        patch.setattr("django.core.signing.time.time", lambda: six_days_ago)
        recent_url = path_of(consent_confirm_url(consent))

    response = client.post(old_url)
    assert response.status_code == 410 and b"This link has expired" in response.content
    assert not Supporter.objects.confirmed().exists()
    assert client.post(recent_url).status_code == 200
    assert Supporter.objects.confirmed().exists()


def test_preferences_change_interests_name_and_postcode_and_record_consent(client):
    supporter = SupporterFactory(wants_updates=True)
    url = path_of(supporter_email_links(supporter)["preferences_url"])

    assert client.get(url).status_code == 200
    response = client.post(
        url, {"wants_phonebank_alerts": "on", "name": "Sam", "postcode": "de1 3aa"}
    )

    assert response.status_code == 200 and b"Saved" in response.content
    supporter.refresh_from_db()
    assert supporter.interests == ["phonebank alerts"]
    assert (supporter.name, supporter.postcode) == ("Sam", "DE1 3AA")
    consent = supporter.consents.get()
    assert consent.page == "/preferences/" and consent.confirmed_at
    assert "[x] Phonebank alerts" in consent.wording


def test_preferences_reject_a_bad_postcode_next_to_the_field(client):
    supporter = SupporterFactory()
    url = path_of(supporter_email_links(supporter)["preferences_url"])

    response = client.post(url, {"wants_updates": "on", "postcode": "nowhere"})

    assert response.status_code == 200
    assert b"Enter a UK postcode" in response.content
    supporter.refresh_from_db()
    assert supporter.postcode == ""


@pytest.mark.parametrize("which", ["preferences_url", "unsubscribe_url"])
def test_tampered_or_swapped_tokens_are_refused(client, which):
    supporter = SupporterFactory()
    links = supporter_email_links(supporter)
    url = path_of(links[which])
    token = url.split("/")[-2]
    other = "unsubscribe_url" if which == "preferences_url" else "preferences_url"
    swapped = path_of(links[other]).replace(path_of(links[other]).split("/")[-2], token)

    assert client.get(url.replace(token, token.upper())).status_code == 404
    assert client.get(swapped).status_code == 404
    assert client.post(swapped).status_code == 404
    supporter.refresh_from_db()
    assert supporter.is_subscribed


def test_one_click_unsubscribe_is_a_post_without_csrf_or_login():
    supporter = SupporterFactory(wants_canvass_alerts=True)
    header = supporter_list_unsubscribe_headers(supporter)["List-Unsubscribe"]
    url = path_of(header.strip("<>"))
    client = Client(enforce_csrf_checks=True)

    page = client.get(url)
    assert page.status_code == 200 and b'<button type="submit"' in page.content
    supporter.refresh_from_db()
    assert supporter.is_subscribed  # GET only shows the button

    response = client.post(
        url, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
    )

    assert response.status_code == 200
    supporter.refresh_from_db()
    assert not supporter.is_subscribed
    assert not Supporter.objects.audience("canvass").exists()
    assert client.post(url).status_code == 200  # again: still fine


def test_erasure_keeps_only_a_hash_and_kills_the_links(client):
    supporter = SupporterFactory(name="Sam", postcode="DE22 1AA", phone="+447700900123")
    supporter.email = "sam@example.org"
    supporter.save()
    signed_up("sam@example.org")  # an existing subscriber: "manage preferences" email queued
    links = supporter_email_links(supporter)
    url = path_of(links["preferences_url"])

    assert b"Yes, erase my data" in client.get(url + "erase/").content
    response = client.post(url + "erase/")

    assert response.status_code == 200 and b"Your data has been erased" in response.content
    supporter.refresh_from_db()
    assert supporter.erased_at and not supporter.is_subscribed
    assert "sam" not in supporter.email
    assert (supporter.name, supporter.postcode, supporter.phone) == ("", "", "")
    assert not supporter.consents.exists()
    assert Suppression.objects.get().email_hash == suppression_hash("SAM@example.org")
    assert "sam@example.org" not in str(list(Suppression.objects.values()))
    assert not OutboundEmail.objects.filter(to="sam@example.org").exists()
    assert client.get(url).status_code == 404
    assert client.post(path_of(links["unsubscribe_url"])).status_code == 404
    audit = AuditEvent.objects.get()
    assert (audit.action, audit.rows, audit.actor) == ("erasure", 1, None)
    assert "sam" not in audit.what


def test_the_one_click_unsubscribe_answer_gives_away_no_other_link():
    supporter = SupporterFactory(wants_updates=True)
    links = supporter_email_links(supporter)

    response = Client().post(path_of(links["unsubscribe_url"]), {"List-Unsubscribe": "One-Click"})

    assert response.status_code == 200
    assert "You have unsubscribed" in response.content.decode()
    assert path_of(links["preferences_url"]) not in response.content.decode()


def test_a_supporter_can_remove_their_phone_number_without_erasing_everything(client):
    supporter = SupporterFactory(wants_updates=True, phone="+447700900123", name="Sam")
    url = path_of(supporter_email_links(supporter)["preferences_url"])
    assert b"+447700900123" in client.get(url).content

    client.post(url, {"wants_updates": "on", "name": "Sam", "phone": ""})

    supporter.refresh_from_db()
    assert supporter.phone == "" and supporter.name == "Sam" and supporter.wants_updates
    bad = client.post(url, {"wants_updates": "on", "phone": "not a phone"})
    assert b"phone" in bad.content.lower() and bad.status_code == 200


def test_a_preferences_error_keeps_every_valid_answer(client):
    supporter = SupporterFactory(wants_updates=True, name="Sam", phone="+447700900123")
    url = path_of(supporter_email_links(supporter)["preferences_url"])

    response = client.post(
        url,
        {
            "wants_canvass_alerts": "on",
            "wants_phonebank_alerts": "on",
            "name": "Sam Okafor",
            "postcode": "nowhere",
            "phone": "07700 900456",
        },
    )

    assert b"Enter a UK postcode" in response.content
    values = form_values(response.content.decode())
    values.pop("csrfmiddlewaretoken")
    assert values == {
        "wants_canvass_alerts": "on",
        "wants_phonebank_alerts": "on",
        "name": "Sam Okafor",
        "postcode": "nowhere",
        "phone": "07700 900456",
    }  # and campaign updates, unticked as sent, stay unticked
    supporter.refresh_from_db()
    assert supporter.name == "Sam" and supporter.wants_updates  # nothing saved


def test_the_unsubscribed_page_links_to_the_same_person_s_preferences():
    supporter = SupporterFactory(wants_updates=True)
    links = supporter_email_links(supporter)

    response = Client().post(path_of(links["unsubscribe_url"]))  # the page's own button

    assert "You have unsubscribed" in response.content.decode()
    assert f'href="{path_of(links["preferences_url"])}"' in response.content.decode()
