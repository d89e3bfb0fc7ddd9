"""The sign-up forms: /join/, the footer of every page, the home page."""

import pytest
from django.test import Client
from django.urls import reverse

from campaign_site.core import pagecache
from campaign_site.core.models import OutboundEmail
from tests.support.forms import form_values
from volunteers.consent import JOIN_BUTTON, JOIN_STATEMENT
from volunteers.models import Consent, Supporter
from volunteers.services import consent_confirm, supporter_subscribe, supporter_unsubscribe
from volunteers.views import SIGNUP_RATE

pytestmark = pytest.mark.django_db

JOIN = "/join/"


def test_join_page_shows_the_form_with_unticked_alerts_and_the_privacy_link(client):
    response = client.get(JOIN)

    html = response.content.decode()
    assert response.status_code == 200
    assert 'name="email"' in html
    for field in ["wants_canvass_alerts", "wants_phonebank_alerts"]:
        assert f'name="{field}"' in html
    assert 'name="wants_updates"' not in html  # that is what the button means
    assert ">Join for campaign updates</button>" in html
    assert "checked" not in html
    assert 'href="/privacy/"' in html


def test_an_email_address_alone_joins_for_campaign_updates_in_the_words_shown(client):
    page = client.get(JOIN).content.decode()

    response = client.post(JOIN, {"email": "kim@example.org"})

    assert response.status_code == 302
    consent = Consent.objects.get()
    assert consent.wants_updates
    assert not (consent.wants_canvass_alerts or consent.wants_phonebank_alerts)
    assert consent.wording == f"{JOIN_STATEMENT}\n[{JOIN_BUTTON}]"
    assert JOIN_STATEMENT.split(". ")[0] in page and JOIN_BUTTON in page
    assert "- campaign updates" in OutboundEmail.objects.get().body_text


def test_the_home_page_form_joins_with_an_email_address_alone(client):
    assert ">Join for campaign updates</button>" in client.get("/").content.decode()

    response = client.post(JOIN, {"home-email": "kim@example.org"})

    assert response.status_code == 302
    consent = Consent.objects.get()
    assert consent.wants_updates and consent.page == "/ (home page)"
    assert consent.wording.endswith(f"[{JOIN_BUTTON}]")


def test_every_page_has_the_footer_sign_up(client):
    html = client.get("/privacy/").content.decode()

    assert 'name="footer-email"' in html
    assert 'value="/privacy/"' in html
    assert "csrfmiddlewaretoken" not in html  # the same for everyone: cacheable


def test_a_sign_up_sends_one_confirmation_and_records_the_page(client):
    response = client.post(JOIN, {"email": "Kim@Example.org", "wants_canvass_alerts": "on"})

    assert response.status_code == 302
    assert response["Location"] == reverse("volunteers:join_thanks")
    consent = Consent.objects.get()
    assert consent.page == "/join/" and consent.wants_canvass_alerts
    assert consent.wants_updates and not consent.wants_phonebank_alerts
    assert consent.wording.startswith("[x] Canvassing alerts")
    assert OutboundEmail.objects.get().to == "kim@example.org"


def test_the_footer_sign_up_means_campaign_updates(client):
    response = client.post(JOIN, {"footer-email": "kim@example.org", "footer-page": "/events/"})

    assert response.status_code == 302
    consent = Consent.objects.get()
    assert consent.source == Supporter.Source.FOOTER
    assert consent.page == "footer of /events/"
    assert consent.wants_updates and not consent.wants_canvass_alerts
    assert "Join the mailing list for campaign updates" in consent.wording


def test_the_home_page_form_signs_up(client):
    assert 'name="home-email"' in client.get("/").content.decode()

    response = client.post(JOIN, {"home-email": "kim@example.org", "home-wants_updates": "on"})

    assert response.status_code == 302
    assert Consent.objects.get().page == "/ (home page)"


def test_errors_are_shown_next_to_their_fields(client):
    response = client.post(JOIN, {"email": "kim@", "postcode": "nowhere", "phone": "123"})

    assert response.status_code == 200
    html = response.content.decode()
    assert "Enter a valid email address" in html
    assert "Enter a UK postcode" in html
    assert "Enter a UK phone number" in html
    assert not Supporter.objects.exists()


def test_a_bad_footer_address_is_shown_on_the_join_page(client):
    response = client.post(JOIN, {"footer-email": "nope", "footer-page": "/"})

    assert response.status_code == 200
    assert "Enter a valid email address" in response.content.decode()


def responses_for(client, email):
    response = client.post(JOIN, {"email": email, "wants_updates": "on"}, follow=True)
    return response.status_code, tuple(response.redirect_chain), response.content


def test_the_response_is_the_same_whether_the_address_is_new_on_the_list_or_gone(client):
    subscribed = supporter_subscribe(email="on@example.org", source="join", page="/join/")
    consent_confirm(consent=subscribed.consents.get())
    gone = supporter_subscribe(email="gone@example.org", source="join", page="/join/")
    consent_confirm(consent=gone.consents.get())
    supporter_unsubscribe(supporter=gone)
    supporter_subscribe(email="pending@example.org", source="join", page="/join/")

    seen = {
        email: responses_for(client, email)
        for email in [
            "new@example.org",
            "on@example.org",
            "gone@example.org",
            "pending@example.org",
        ]
    }

    assert len(set(seen.values())) == 1
    keys = dict(OutboundEmail.objects.order_by("pk").values_list("to", "key"))
    assert keys["on@example.org"].startswith("signup-already-subscribed:")
    for email in ["new@example.org", "gone@example.org", "pending@example.org"]:
        assert keys[email].startswith("signup-confirm:")


def test_the_honeypot_gets_the_thank_you_page_and_stores_nothing(client):
    response = client.post(
        JOIN, {"email": "bot@example.org", "wants_updates": "on", "website": "x"}
    )

    assert response.status_code == 302
    assert not Supporter.objects.exists()
    assert not OutboundEmail.objects.exists()


def test_too_many_sign_ups_from_one_address_are_refused_with_a_clear_message(client):
    for number in range(SIGNUP_RATE.limit):
        email = f"p{number}@example.org"
        assert client.post(JOIN, {"email": email, "wants_updates": "on"}).status_code == 302

    response = client.post(JOIN, {"email": "p6@example.org", "wants_updates": "on"})

    assert response.status_code == 429
    assert "Please wait 10 minutes and try again" in response.content.decode()
    assert Supporter.objects.count() == SIGNUP_RATE.limit
    other = client.post(
        JOIN, {"email": "x@example.org", "wants_updates": "on"}, REMOTE_ADDR="10.0.0.9"
    )
    assert other.status_code == 302


def test_more_choices_on_the_footer_form_carries_the_address_to_the_join_form(client):
    footer = client.get("/privacy/").content.decode()
    assert 'formmethod="get" formaction="/join/">More choices</button>' in footer

    # What the browser sends for that button: the footer form's own fields, as a GET.
    moved = client.get(
        JOIN, {"footer-email": "kim@example.org", "footer-page": "/privacy/", "footer-website": ""}
    )

    assert moved.status_code == 302 and moved["Location"] == "/join/?email=kim%40example.org"
    page = client.get(moved["Location"])
    assert form_values(page.content.decode())["email"] == "kim@example.org"
    assert "no-cache" in page["Cache-Control"] and "private" in page["Cache-Control"]
    assert not Supporter.objects.exists()  # nothing is signed up until they press Join


def test_the_home_page_form_carries_the_address_and_ticks_to_the_join_form(client):
    home = client.get("/").content.decode()
    assert 'formmethod="get" formaction="/join/">Add your name or postcode</button>' in home

    moved = client.get(JOIN, {"home-email": "kim@example.org", "home-wants_phonebank_alerts": "on"})

    assert moved["Location"] == "/join/?email=kim%40example.org&wants_phonebank_alerts=on"
    values = form_values(client.get(moved["Location"]).content.decode())
    assert values["email"] == "kim@example.org"
    assert values["wants_phonebank_alerts"] == "on" and "wants_canvass_alerts" not in values


def test_an_address_in_the_query_is_never_cached_nor_shown_to_anyone_else():
    def page(path):
        return Client().get(path).content.decode()

    page(JOIN)
    stored = dict(pagecache._local_pages)
    assert stored  # the plain page is cached
    for address in ["ann@example.org", "ann@example.org", "bob@example.org"]:
        assert form_values(page(f"/join/?email={address}"))["email"] == address
    assert pagecache._local_pages == stored  # nothing stored for a page with an address
    assert "ann@example.org" not in page(JOIN) and form_values(page(JOIN))["email"] == ""


def test_a_bad_footer_address_lands_on_the_join_form_as_typed(client):
    response = client.post(JOIN, {"footer-email": "kim@example", "footer-page": "/events/"})

    assert response.status_code == 200
    assert form_values(response.content.decode())["email"] == "kim@example"


def test_an_error_keeps_every_valid_answer(client):
    response = client.post(
        JOIN,
        {
            "email": "kim@example.org",
            "name": "Kim Li",
            "postcode": "nowhere",
            "phone": "07700 900123",
            "wants_canvass_alerts": "on",
        },
    )

    html = response.content.decode()
    assert "Enter a UK postcode" in html
    assert form_values(html) | {"website": ""} == {
        "email": "kim@example.org",
        "name": "Kim Li",
        "postcode": "nowhere",
        "phone": "07700 900123",
        "wants_canvass_alerts": "on",
        "website": "",
    }
    assert '<details class="mb-3 signup-more" open>' in html
