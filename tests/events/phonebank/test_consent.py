"""Who may be called: only people who ticked "The campaign may phone me" (kept as
evidence), and withdrawing it takes them off every call list at once."""

from datetime import timedelta
from urllib.parse import urlsplit

import pytest

from events.phonebank.models import CallAssignment, Contact
from events.phonebank.services import (
    call_list_add_supporters,
    call_list_create,
    contact_claim_next,
    do_not_call_add,
)
from tests.events.factories import EventFactory
from volunteers.consent import PHONE_CALLS_LABEL
from volunteers.models import Consent, Supporter
from volunteers.selectors import consent_confirm_url, supporter_email_links
from volunteers.services import supporter_erase

pytestmark = pytest.mark.django_db


def path_of(url: str) -> str:
    return urlsplit(url).path


def join(client, email="sam@example.org", **data):
    return client.post("/join/", {"email": email, "wants_updates": "on", **data})


def confirmed_supporter(client, email="sam@example.org", **data) -> Supporter:
    join(client, email=email, **data)
    consent = Consent.objects.filter(supporter__email=email).latest("given_at")
    client.post(path_of(consent_confirm_url(consent)))
    return Supporter.objects.get(email=email)


def test_the_join_form_offers_a_separate_unticked_box(client):
    html = client.get("/join/").content.decode()
    assert 'name="wants_phone_calls"' in html
    assert PHONE_CALLS_LABEL in html
    assert "checked" not in html


def test_the_box_needs_a_phone_number(client):
    response = join(client, wants_phone_calls="on")

    assert response.status_code == 200
    assert "Add your phone number, or untick this box." in response.content.decode()
    assert not Supporter.objects.exists()


def test_phone_consent_from_the_join_form_takes_effect_on_confirmation(client):
    join(client, phone="07700 900123", wants_phone_calls="on", name="Sam Jones")
    consent = Consent.objects.get()
    assert consent.wants_phone_calls and consent.phone == "+447700900123"
    assert PHONE_CALLS_LABEL in consent.wording and "+447700900123" in consent.wording
    assert consent.page == "/join/"
    assert Supporter.objects.get().phone_consent_at is None  # not before confirming

    client.post(path_of(consent_confirm_url(consent)))

    assert Supporter.objects.get().phone_consent_at is not None


def test_joining_without_the_box_gives_no_phone_consent(client):
    supporter = confirmed_supporter(client, phone="07700 900123")
    assert supporter.phone == "+447700900123" and supporter.phone_consent_at is None


def test_the_session_sign_up_form_records_phone_consent(client, now):
    event = EventFactory(phonebank=True)
    page = client.get(f"/events/{event.slug}/").content.decode()
    assert 'name="wants_phone_calls"' in page

    refused = client.post(
        f"/events/{event.slug}/",
        {"first_name": "Ali", "email": "ali@example.org", "wants_phone_calls": "on"},
    )
    assert "Add your phone number" in refused.content.decode()
    client.post(
        f"/events/{event.slug}/",
        {
            "first_name": "Ali",
            "email": "ali@example.org",
            "phone": "07700 900124",
            "wants_phone_calls": "on",
        },
    )

    supporter = Supporter.objects.get(email="ali@example.org")
    assert supporter.phone_consent_at is not None
    consent = supporter.consents.get(wants_phone_calls=True)
    assert consent.page == f"/events/{event.slug}/" and consent.source == Supporter.Source.RSVP
    assert consent.phone == "+447700900124" and consent.confirmed_at is not None


def test_only_consented_supporters_are_added_with_their_evidence(
    client, session, script, make_caller, now
):
    yes = confirmed_supporter(
        client, "yes@example.org", phone="07700 900001", wants_phone_calls="on", name="Yan Yes"
    )
    confirmed_supporter(client, "no@example.org", phone="07700 900002")
    join(client, "unconfirmed@example.org", phone="07700 900003", wants_phone_calls="on")
    call_list = call_list_create(name="Supporters", script=script, sessions=[session])

    assert call_list_add_supporters(call_list=call_list, now=now - timedelta(minutes=1)) == 1
    assert call_list_add_supporters(call_list=call_list) == 0  # already on it

    contact = Contact.objects.get()
    assert (contact.supporter, contact.phone, contact.first_name) == (yes, yes.phone, "Yan")
    assert contact.surname == "Yes"
    assert PHONE_CALLS_LABEL in contact.consent_text and contact.consent_where == "/join/"
    assert contact.consent_at is not None
    assert contact_claim_next(caller=make_caller(), call_list=call_list, now=now).contact == contact


def test_supporters_filtered_by_postcode_district_and_interest(client, script, session):
    for email, postcode, interest, n in [
        ("a@example.org", "DE22 1AA", "wants_canvass_alerts", 1),
        ("b@example.org", "DE21 4LX", "wants_canvass_alerts", 2),
        ("c@example.org", "DE22 2EY", "wants_updates", 3),
    ]:
        confirmed_supporter(
            client,
            email,
            phone=f"07700 90000{n}",
            postcode=postcode,
            wants_phone_calls="on",
            **{interest: "on"},
        )
    do_not_call_add(phone="07700 900003")
    by_district = call_list_create(name="DE22", script=script, sessions=[session])
    by_interest = call_list_create(name="Canvassers", script=script, sessions=[session])

    assert call_list_add_supporters(call_list=by_district, postcode_districts=["de22"]) == 1
    assert call_list_add_supporters(call_list=by_interest, interests=["wants_canvass_alerts"]) == 2
    assert set(
        CallAssignment.objects.filter(call_list=by_district).values_list(
            "contact__supporter__email", flat=True
        )
    ) == {"a@example.org"}


def test_withdrawing_on_the_preferences_page_takes_them_off_every_list_at_once(
    client, script, session, make_caller, now
):
    supporter = confirmed_supporter(
        client, phone="07700 900001", wants_phone_calls="on", name="Sam"
    )
    lists = [
        call_list_create(name=f"List {n}", script=script, sessions=[session]) for n in range(2)
    ]
    for call_list in lists:
        call_list_add_supporters(call_list=call_list, now=now - timedelta(minutes=1))
    caller = make_caller()
    held = contact_claim_next(caller=caller, call_list=lists[0], now=now)
    assert held is not None
    url = path_of(supporter_email_links(supporter)["preferences_url"])
    page = client.get(url).content.decode()
    assert 'name="wants_phone_calls"' in page and "checked" in page

    client.post(url, {"wants_updates": "on", "name": "Sam", "phone": "07700 900001"})

    supporter.refresh_from_db()
    assert supporter.phone_consent_at is None
    assert set(CallAssignment.objects.values_list("status", flat=True)) == {"removed"}
    assert contact_claim_next(caller=make_caller(), call_list=lists[1], now=now) is None
    assert contact_claim_next(caller=caller, call_list=lists[0], now=now) is None

    # Agreeing again, later, and being added again: back on the list.
    client.post(url, {"wants_updates": "on", "phone": "07700 900001", "wants_phone_calls": "on"})
    assert call_list_add_supporters(call_list=lists[1], now=now) == 1
    assert contact_claim_next(caller=make_caller(), call_list=lists[1], now=now) is not None


def test_a_new_number_on_the_preferences_page_drops_the_old_one_from_lists(
    client, script, session, make_caller, now
):
    supporter = confirmed_supporter(client, phone="07700 900001", wants_phone_calls="on")
    call_list = call_list_create(name="List", script=script, sessions=[session])
    call_list_add_supporters(call_list=call_list, now=now - timedelta(minutes=1))
    url = path_of(supporter_email_links(supporter)["preferences_url"])

    client.post(url, {"wants_updates": "on", "phone": "07700 900009", "wants_phone_calls": "on"})

    supporter.refresh_from_db()
    assert supporter.phone_consent_at is not None
    assert supporter.consents.filter(wants_phone_calls=True, phone="+447700900009").exists()
    assert contact_claim_next(caller=make_caller(), call_list=call_list, now=now) is None
    assert call_list_add_supporters(call_list=call_list, now=now - timedelta(minutes=1)) == 1
    assert contact_claim_next(caller=make_caller(), call_list=call_list, now=now).contact.phone == (
        "+447700900009"
    )


def test_even_without_the_signal_a_withdrawn_supporter_is_never_served(
    client, script, session, make_caller, now
):
    """The claim itself checks the consent: a change made behind the services' back (a
    data fix in the database) still cannot put a number in front of a caller."""
    supporter = confirmed_supporter(client, phone="07700 900001", wants_phone_calls="on")
    call_list = call_list_create(name="List", script=script, sessions=[session])
    call_list_add_supporters(call_list=call_list, now=now - timedelta(minutes=1))
    Supporter.objects.filter(pk=supporter.pk).update(phone_consent_at=None)

    assert contact_claim_next(caller=make_caller(), call_list=call_list, now=now) is None


def test_erasure_takes_the_phone_consent_with_it(client, script, session):
    supporter = confirmed_supporter(client, phone="07700 900001", wants_phone_calls="on")
    call_list = call_list_create(name="List", script=script, sessions=[session])
    call_list_add_supporters(call_list=call_list)

    supporter_erase(supporter=supporter)

    supporter.refresh_from_db()
    assert supporter.phone_consent_at is None
    contact = Contact.objects.get()
    assert (
        contact.erased_at is not None and contact.phone == "" and contact.first_name == "(erased)"
    )
    assert CallAssignment.objects.get().status == CallAssignment.Status.REMOVED
