"""Source codes: links that say where people came from, counted as totals only, without
splitting the page cache."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from campaign_site.core.models import SourceCode, SourceCount
from campaign_site.core.sources import COOKIE_NAME, KNOWN_CACHE_KEY, source_code_save
from donations.models import Donation
from tests.donations.conftest import fake_stripe_server, stripe_fake  # noqa: F401 (fixtures)
from tests.donations.helpers import form_data, pay
from tests.events.factories import EventFactory
from tests.support.admin import sign_in_with_two_factor
from volunteers.models import Supporter
from volunteers.services import consent_confirm

TOKEN = re.compile(rb'value="[^"]{32,}"')


def code(name: str) -> SourceCode:
    return source_code_save(source=SourceCode(code=name, description=f"Links {name}"))


def counts() -> dict[tuple[str, str], tuple[int, int]]:
    return {
        (c.source.code, c.action): (c.count, c.amount_pence)
        for c in SourceCount.objects.select_related("source")
    }


def without_tokens(html: bytes) -> bytes:
    return TOKEN.sub(b'value="-"', html)


@pytest.mark.django_db(transaction=True)
def test_two_codes_share_one_cached_page_and_are_each_credited():
    code("fb-leaflet-dec")
    code("wa-group")
    session = EventFactory()
    path = f"/events/{session.slug}/"
    from_facebook, from_whatsapp = Client(), Client()

    first = from_facebook.get(f"{path}?source=fb-leaflet-dec")
    with CaptureQueriesContext(connection) as queries:
        second = from_whatsapp.get(f"{path}?source=wa-group")

    assert len(queries) == 0  # served from the cache the first visitor filled
    assert without_tokens(first.content) == without_tokens(second.content)
    assert first.cookies[COOKIE_NAME].value == "fb-leaflet-dec"
    assert second.cookies[COOKIE_NAME].value == "wa-group"
    cookie = second.cookies[COOKIE_NAME]
    assert cookie["httponly"] and cookie["samesite"] == "Lax" and not cookie["max-age"]

    for visitor, email in [(from_facebook, "asha@example.org"), (from_whatsapp, "ben@example.org")]:
        visitor.get("/events/")  # on through the site: the code goes with the visit
        response = visitor.post(path, {"first_name": "A", "email": email})
        assert response.status_code == 302

    assert counts() == {
        ("fb-leaflet-dec", "signup"): (1, 0),
        ("wa-group", "signup"): (1, 0),
    }


@pytest.mark.django_db
def test_an_unknown_code_is_ignored():
    session = EventFactory()
    visitor = Client()

    page = visitor.get(f"/events/{session.slug}/?source=made-up")
    visitor.post(f"/events/{session.slug}/", {"first_name": "A", "email": "a@example.org"})

    assert COOKIE_NAME not in page.cookies
    assert SourceCount.objects.count() == 0


@pytest.mark.django_db
def test_a_stopped_code_counts_nothing_and_its_cookie_goes():
    source = code("old-poster")
    visitor = Client()
    visitor.get("/?source=old-poster")
    source.is_active = False
    source_code_save(source=source)
    cache.delete(KNOWN_CACHE_KEY)  # what the commit does (this test's transaction never ends)
    response = visitor.post("/join/", {"email": "sam@example.org", "wants_updates": "on"})

    assert response.status_code == 302
    assert SourceCount.objects.count() == 0
    assert response.cookies[COOKIE_NAME].value == ""  # deleted


@pytest.mark.django_db
def test_joining_after_arriving_with_a_code_counts_each_new_sign_up_once():
    code("leaflet")
    visitor = Client()
    visitor.get("/?source=leaflet")

    visitor.post("/join/", {"footer-email": "sam@example.org", "footer-page": "/"})
    # The same address again before confirming is not a new join.
    visitor.post("/join/", {"footer-email": "sam@example.org", "footer-page": "/"})
    consent_confirm(consent=Supporter.objects.get().consents.last())
    # Nor is someone already on the list; someone new is.
    visitor.post("/join/", {"email": "sam@example.org", "wants_updates": "on"})
    visitor.post("/join/", {"email": "kim@example.org", "wants_updates": "on"})

    assert counts() == {("leaflet", "join"): (2, 0)}


@pytest.mark.django_db
def test_a_gift_is_counted_with_its_first_payment_then_forgets_the_code(client, stripe_fake):  # noqa: F811
    code("fb-leaflet-dec")
    client.get("/donate/?source=fb-leaflet-dec")
    client.post("/donate/", form_data(client, amount="2500"))
    donation = Donation.objects.get()
    assert donation.source_code == "fb-leaflet-dec"  # until the money arrives
    assert counts() == {}

    pay(client, donation)

    donation.refresh_from_db()
    assert donation.source_code == ""
    assert counts() == {("fb-leaflet-dec", "gift"): (1, 2500)}


@pytest.mark.django_db
def test_organisers_see_totals_and_links_but_never_who(client, admin_client, stripe_fake, settings):  # noqa: F811
    settings.SITE_URL = "https://chris.example.org"
    source = code("fb-leaflet-dec")
    client.get("/donate/?source=fb-leaflet-dec")
    client.post("/donate/", form_data(client, amount="2500", join_list="on"))
    donation = Donation.objects.get()
    pay(client, donation)

    dashboard = admin_client.get(reverse("admin:index")).content.decode()
    assert "Where people came from" in dashboard
    row = re.search(r"fb-leaflet-dec</a>.*?</tr>", dashboard, re.S).group(0)
    assert re.findall(r"<td>([^<]*)</td>", row) == ["1", "0", "1 (£25)"]

    change = admin_client.get(reverse("admin:campaign_site_sourcecode_change", args=[source.pk]))
    page = change.content.decode()
    for path in ["/donate/", "/events/", "/join/"]:
        assert f'value="https://chris.example.org{path}?source=fb-leaflet-dec"' in page
    assert "readonly" in page
    # Nothing an organiser can open or export names the code next to the donor.
    gift_page = admin_client.get(reverse("admin:donations_donation_change", args=[donation.pk]))
    assert "fb-leaflet-dec" not in gift_page.content.decode()
    export = admin_client.post(
        reverse("admin:donations_donation_changelist"),
        {"action": "export_spending_return", "_selected_action": [donation.pk]},
    )
    assert b"fb-leaflet-dec" not in b"".join(
        export.streaming_content if export.streaming else [export.content]
    )
    supporters = admin_client.post(
        reverse("admin:volunteers_supporter_changelist"),
        {
            "action": "export_csv",
            "_selected_action": list(
                __import__(
                    "volunteers.models", fromlist=["Supporter"]
                ).Supporter.objects.values_list("pk", flat=True)
            ),
        },
    )
    body = b"".join(supporters.streaming_content) if supporters.streaming else supporters.content
    assert b"fb-leaflet-dec" not in body
    person_fields = {f.name for f in SourceCount._meta.get_fields()}
    assert person_fields == {"id", "source", "action", "count", "amount_pence"}


@pytest.mark.django_db
def test_organisers_make_codes_in_admin(client):
    organiser = get_user_model().objects.create_user("org", password="x", is_staff=True)
    organiser.groups.add(Group.objects.get(name="Organiser"))
    sign_in_with_two_factor(client, organiser)

    response = client.post(
        reverse("admin:campaign_site_sourcecode_add"),
        {"code": "fb-leaflet-dec", "description": "December leaflet", "is_active": "on"},
    )
    assert response.status_code == 302
    refused = client.post(
        reverse("admin:campaign_site_sourcecode_add"),
        {"code": "Not A Slug!", "description": "", "is_active": "on"},
    )
    assert refused.status_code == 200
    assert SourceCode.objects.get().code == "fb-leaflet-dec"
