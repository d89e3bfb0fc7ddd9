"""A copy of my data: asked for from the preferences page (a 7-day link by email, a page
and a JSON file) or produced by a Data manager in admin for a request by post."""

import html
import json
import re
import time
from datetime import timedelta

import pytest
from django.utils import timezone

from campaign_site.core.models import AuditEvent, OutboundEmail
from donations.models import Donation
from events.services import rsvp_create
from tests.donations.helpers import gift
from tests.events.factories import EventFactory
from tests.support.admin import sign_in_with_two_factor
from tests.volunteers.test_admin import SUPPORTERS, staff
from volunteers.selectors import supporter_email_links
from volunteers.services import consent_confirm, supporter_erase, supporter_subscribe

pytestmark = pytest.mark.django_db

DATA_LINK = re.compile(r"http://localhost:8000(/my-data/[^/\s\"]+/)")


def path_of(url: str) -> str:
    return "/" + url.split("/", 3)[3]


@pytest.fixture
def sam():
    supporter = supporter_subscribe(
        email="sam@example.org", source="join", page="/join/", name="Sam", postcode="DE22 1AA"
    )
    consent_confirm(consent=supporter.consents.get())
    event = EventFactory(title="Canvassing in Allestree", slug="allestree")
    rsvp_create(event=event, first_name="Sam", email="sam@example.org", phone="+447700900123")
    gift(2_500, email="Sam@Example.org", name="Sam Patel")
    gift(1_000, email="someone@example.org", name="Someone Else")
    supporter.refresh_from_db()
    return supporter


def ask_for_copy(client, supporter) -> str:
    preferences = path_of(supporter_email_links(supporter)["preferences_url"])
    page = client.get(preferences).content.decode()
    assert "Email me a copy of my data" in page
    response = client.post(f"{preferences}copy/")
    assert response.status_code == 200
    assert "Check your email" in response.content.decode()
    email = OutboundEmail.objects.filter(key__startswith="data-copy:").latest("pk")
    assert email.to == "sam@example.org"
    return DATA_LINK.search(email.body_text).group(1)


def test_the_copy_holds_everything_and_is_audited(client, sam):
    link = ask_for_copy(client, sam)

    response = client.get(link)
    page = response.content.decode()
    assert response.status_code == 200
    assert "no-cache" in response["Cache-Control"] and "private" in response["Cache-Control"]
    for heading in [
        "Your details",
        "Your agreements to be emailed",
        "Your session sign-ups",
        "Your gifts",
        "Emails we sent you",
    ]:
        assert heading in page
    assert "DE22 1AA" in page and "+447700900123" in page
    assert "By joining, you agree" in page  # the exact consent wording
    assert "Canvassing in Allestree" in page
    assert "£25" in page and "Sam Patel" in page
    assert "Someone Else" not in page and "£10" not in page  # another address's gift
    subjects = OutboundEmail.objects.filter(to="sam@example.org").values_list("subject", flat=True)
    assert len(subjects) == 3  # sign-up, session and this link's email
    for subject in subjects:
        assert subject in html.unescape(page)
    audit = AuditEvent.objects.get(action=AuditEvent.Action.EXPORT)
    assert audit.actor is None and f"supporter #{sam.pk}" in audit.what
    assert "emailed at their request" in audit.what and audit.rows >= 5


def test_the_copy_leaves_out_links_that_act_for_the_person(client, sam):
    link = ask_for_copy(client, sam)
    page = client.get(link).content.decode()
    data = client.get(f"{link}?format=json").content.decode()

    assert "[personal link left out]" in page
    for signed in ["/events/cancel/", "/preferences/", "/unsubscribe/", "/my-data/", "/confirm/"]:
        assert f"localhost:8000{signed}" not in page and f"localhost:8000{signed}" not in data


def test_the_copy_as_json_is_a_download(client, sam):
    link = ask_for_copy(client, sam)

    response = client.get(f"{link}?format=json")

    assert response["Content-Type"] == "application/json"
    assert re.fullmatch(
        r'attachment; filename="my-data-\d{4}-\d\d-\d\d\.json"', response["Content-Disposition"]
    )
    assert "no-cache" in response["Cache-Control"]
    data = json.loads(response.content)
    sections = {section["key"]: section for section in data["sections"]}
    assert list(sections) == ["details", "consents", "rsvps", "donations", "emails"]
    assert data["email"] == "sam@example.org"
    assert sections["details"]["records"][0]["Postcode"] == "DE22 1AA"
    assert sections["rsvps"]["records"][0]["Session"] == "Canvassing in Allestree"
    [donation] = sections["donations"]["records"]
    assert donation["Amount"] == "£25" and donation["Name"] == "Sam Patel"
    assert donation["Reference"] == str(Donation.objects.get(email__iexact="sam@example.org"))
    assert sections["consents"]["records"][0]["Given"].startswith(str(timezone.now().year))


def test_the_link_expires_after_seven_days(client, sam, monkeypatch):
    link = ask_for_copy(client, sam)
    later = time.time() + timedelta(days=7, minutes=1).total_seconds()
    monkeypatch.setattr(time, "time", lambda: later)

    response = client.get(link)

    assert response.status_code == 410
    assert "This link has expired" in response.content.decode()
    assert "sam@example.org" not in response.content.decode()


def test_tampered_and_erased_links_show_nothing(client, sam):
    link = ask_for_copy(client, sam)
    assert client.get(link[:-4] + "xyz/").status_code == 404
    supporter_erase(supporter=sam)
    assert client.get(link).status_code == 404


def test_a_few_copies_an_hour_at_most(client, sam):
    preferences = path_of(supporter_email_links(sam)["preferences_url"])
    for _ in range(5):
        client.post(f"{preferences}copy/")
    assert OutboundEmail.objects.filter(key__startswith="data-copy:").count() == 3
    assert AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT).count() == 3


def test_a_data_manager_produces_the_same_copy_in_admin(client, sam, django_user_model):
    manager = staff(django_user_model, "data", "view_supporter", "export_supporters")
    sign_in_with_two_factor(client, manager)

    response = client.post(SUPPORTERS, {"action": "data_copy", "_selected_action": [sam.pk]})

    page = response.content.decode()
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    assert "A copy of the data held about sam@example.org" in page
    for text in ["Canvassing in Allestree", "£25", "By joining, you agree", "DE22 1AA"]:
        assert text in page
    assert "[personal link left out]" in page
    file = client.post(
        SUPPORTERS, {"action": "data_copy", "_selected_action": [sam.pk], "format": "json"}
    )
    assert file["Content-Disposition"] == f'attachment; filename="supporter-{sam.pk}-data.json"'
    assert json.loads(file.content)["email"] == "sam@example.org"
    audits = AuditEvent.objects.filter(actor=manager, action=AuditEvent.Action.EXPORT)
    assert [audit.what.endswith(("(page)", "(JSON file)")) for audit in audits] == [True, True]
    assert all("request by post" in audit.what for audit in audits)


def test_only_those_who_may_export_supporters_can_produce_a_copy(client, sam, django_user_model):
    organiser = staff(django_user_model, "organiser", "view_supporter")
    sign_in_with_two_factor(client, organiser)
    page = client.get(SUPPORTERS).content.decode()
    assert "data_copy" not in page
    response = client.post(SUPPORTERS, {"action": "data_copy", "_selected_action": [sam.pk]})
    assert "A copy of the data" not in response.content.decode()
    assert not AuditEvent.objects.exists()
