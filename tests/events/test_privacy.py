"""Private details (the joining link, a private meeting point, who signed up) never appear
on a public page or in a public feed."""

import pytest

from events.models import Rsvp
from tests.events.factories import EventFactory, RsvpFactory
from tests.events.helpers import unfolded

pytestmark = pytest.mark.django_db

SECRETS = [
    "secret-room-4812",  # the phonebank's joining link
    "meet.example.org",
    "Allestree Park car park",  # the canvass's private meeting point
    "Duffield Road",
    "DE22 2EY",
    "Zebedee",  # names and addresses of people who signed up
    "zebedee@example.org",
    "Quentin",
    "07700 900123",  # the organiser's phone: only in emails to people coming
]


@pytest.fixture
def sessions(canvass, online_phonebank):
    full = EventFactory(
        title="Full canvass", slug="full-canvass", capacity=1, contact_name="Organiser"
    )
    cancelled = EventFactory(
        phonebank=True, title="Off", slug="cancelled-phonebank", status="cancelled"
    )
    RsvpFactory(event=canvass, first_name="Zebedee", supporter__email="zebedee@example.org")
    for event in (online_phonebank, full, cancelled):
        RsvpFactory(event=event, first_name="Zebedee")
    RsvpFactory(event=full, first_name="Quentin", status=Rsvp.Status.WAITING, going_since=None)
    return [canvass, online_phonebank, full, cancelled]


def public_urls(sessions):
    urls = ["/", "/events/", "/events/?kind=canvass", "/events/?kind=phonebank"]
    month = sessions[0].starts_at.strftime("%Y-%m")
    urls += [f"/events/?month={month}", f"/events/?month={month}&kind=phonebank"]
    urls += ["/events/calendar.ics", "/events/calendar.ics?kind=canvass"]
    urls += ["/events/calendar.ics?kind=phonebank"]
    for event in sessions:
        urls += [
            f"/events/{event.slug}/",
            f"/events/{event.slug}/signed-up/",
            f"/events/{event.slug}/signed-up/?list=waiting",
            f"/events/{event.slug}/calendar.ics",
        ]
    return urls


def test_no_public_page_or_feed_shows_private_details(client, sessions):
    for url in public_urls(sessions):
        response = client.get(url)
        assert response.status_code == 200, url
        body = unfolded(response.content)
        leaked = [secret for secret in SECRETS if secret.lower() in body.lower()]
        assert leaked == [], f"{url} shows {leaked}"


def test_the_public_pages_do_say_what_they_may(client, sessions):
    page = client.get("/events/tuesday-phonebank/").content.decode()
    assert "Online. The joining link is in the email you get when you sign up." in page
    page = client.get("/events/canvassing-in-allestree/").content.decode()
    assert "Allestree, DE22. The exact meeting point is in the email" in page


def test_a_public_meeting_point_is_shown(client, canvass):
    canvass.location_is_public = True
    canvass.save()
    page = client.get("/events/canvassing-in-allestree/").content.decode()
    assert "Allestree Park car park, Duffield Road" in page
    feed = unfolded(client.get("/events/calendar.ics").content)
    assert "LOCATION:Allestree Park car park, Duffield Road, Allestree, Derby, DE22 2EY" in feed
