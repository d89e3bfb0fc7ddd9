"""Every public form has a honeypot: a bot that fills it in is told nothing and stores
nothing, and people never see the field."""

import pytest

from campaign_site.core.models import OutboundEmail
from donations.models import Donation
from events.models import Rsvp
from tests.donations.helpers import form_data
from tests.events.factories import EventFactory, RsvpFactory
from volunteers.models import Supporter

pytestmark = pytest.mark.django_db

BOT = {"website": "http://spam.example"}


def hidden_honeypot_in(page: str) -> bool:
    start = page.index('name="website"')
    return '<div class="d-none" aria-hidden="true">' in page[start - 300 : start]


def test_join_form(client):
    assert hidden_honeypot_in(client.get("/join/").content.decode())

    response = client.post("/join/", {"email": "bot@example.org", "wants_updates": "on", **BOT})

    assert response.status_code == 302
    assert not Supporter.objects.exists()


def test_session_sign_up_form(client):
    session = EventFactory()
    assert hidden_honeypot_in(client.get(f"/events/{session.slug}/").content.decode())

    response = client.post(
        f"/events/{session.slug}/", {"first_name": "Bot", "email": "bot@example.org", **BOT}
    )

    assert response.status_code == 302
    assert not Rsvp.objects.exists() and not Supporter.objects.exists()


def test_donate_form(client, stripe_fake):
    assert hidden_honeypot_in(client.get("/donate/").content.decode())

    response = client.post("/donate/", form_data(client, **BOT))

    assert response.status_code == 303
    assert not Donation.objects.exists()
    assert stripe_fake.requests == [] and stripe_fake.sessions == {}


def test_my_sessions_link_form(client):
    RsvpFactory(event=EventFactory(), supporter__email="bot@example.org")
    assert hidden_honeypot_in(client.get("/events/").content.decode())

    response = client.post("/events/my-sessions/", {"email": "bot@example.org", **BOT})

    assert response.status_code == 200 and b"Check your email" in response.content
    assert not OutboundEmail.objects.exists()
