"""Organiser-written text that tries to run script is shown as text, everywhere it goes."""

from html.parser import HTMLParser

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from campaign_site.core.models import OutboundEmail
from events.services import rsvp_create
from tests.events.factories import EventFactory
from tests.events.helpers import announce
from tests.volunteers.factories import SupporterFactory
from volunteers.models import Update
from volunteers.update_services import update_render

pytestmark = pytest.mark.django_db

HOSTILE = (
    '<script>alert("x")</script><img src=x onerror="alert(1)">'
    '<iframe src="https://evil.example"></iframe>[click](javascript:alert(1)) '
    '<a href="javascript:alert(2)">link</a> <svg onload=alert(3)>'
)


class TagCollector(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def assert_inert(html: str) -> None:
    """No element the organiser's text could have added runs anything: no inline script,
    no event handler attribute, no frame, no javascript: link. (The site's own scripts
    are files from its own origin.)"""
    collector = TagCollector()
    collector.feed(html)
    for tag, attrs in collector.tags:
        assert tag not in {"iframe", "object", "embed"}, tag
        if tag == "script":
            assert (attrs.get("src") or "").startswith("/static/"), attrs
        assert not [name for name in attrs if name.startswith("on")], (tag, attrs)
        for name in ("href", "src", "action"):
            assert not (attrs.get(name) or "").strip().lower().startswith("javascript:"), attrs


@pytest.fixture
def hostile_session():
    return EventFactory(
        title=f"Canvass {HOSTILE[:40]}",
        description=HOSTILE,
        what_to_bring=HOSTILE,
        accessibility=HOSTILE,
        public_area="Allestree <b>DE22</b>",
        location_is_public=True,
        place_name=HOSTILE[:100],
    )


def test_hostile_session_text_is_inert_on_public_pages(client, hostile_session):
    for path in [f"/events/{hostile_session.slug}/", "/events/", "/"]:
        page = client.get(path).content.decode()
        assert_inert(page)
    detail = client.get(f"/events/{hostile_session.slug}/").content.decode()
    assert "&lt;script&gt;" in detail  # shown, as text


def test_hostile_session_text_is_inert_in_emails(hostile_session):
    SupporterFactory(wants_canvass_alerts=True, confirmed_at=timezone.now())

    rsvp_create(event=hostile_session, first_name="<b>Sam</b>", email="sam@example.org")
    alerts = announce(hostile_session)

    emails = list(OutboundEmail.objects.all())
    assert alerts == 1 and len(emails) == 2  # the confirmation and the new-session alert
    for email in emails:
        assert_inert(email.body_html)


def test_hostile_update_is_inert_in_the_email_and_the_admin_preview(admin_client):
    organiser = get_user_model().objects.get(username="admin")
    update = Update.objects.create(
        subject='Costs <script>alert("x")</script>', body=HOSTILE, created_by=organiser
    )

    assert_inert(update_render(update=update).body_html)
    preview = admin_client.get(f"/admin/volunteers/update/{update.pk}/change/").content.decode()
    assert_inert(preview.split('id="content-main"', 1)[-1])
