"""Share links: plain links (no third-party script), the address to copy without
JavaScript, and a small script of the site's own that adds Copy and the share sheet."""

from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client

from donations.models import Donation
from tests.donations.conftest import fake_stripe_server, stripe_fake  # noqa: F401 (fixtures)
from tests.donations.helpers import form_data, pay
from tests.events.factories import EventFactory

pytestmark = pytest.mark.django_db

SITE = "https://chris.example.org"
HOSTS = {
    "WhatsApp": "wa.me",
    "Facebook": "www.facebook.com",
    "X": "x.com",
    "Bluesky": "bsky.app",
}


class ShareBox(HTMLParser):
    def __init__(self):
        super().__init__()
        self.depth, self.links, self.inputs, self.buttons, self.scripts = 0, {}, [], [], []
        self._link = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "script":
            self.scripts.append(attrs.get("src"))
        if tag == "section" and "data-share" in attrs:
            self.depth = 1
            return
        if not self.depth:
            return
        if tag == "section":
            self.depth += 1
        elif tag == "a":
            self._link = attrs["href"]
        elif tag == "input":
            self.inputs.append(attrs)
        elif tag == "button":
            self.buttons.append(attrs)

    def handle_endtag(self, tag):
        if tag == "section" and self.depth:
            self.depth -= 1
        if tag == "a":
            self._link = None

    def handle_data(self, data):
        if self._link and data.strip():
            self.links[data.strip()] = self._link


def share_box(html: bytes) -> ShareBox:
    found = ShareBox()
    found.feed(html.decode())
    assert found.links, "no share links on the page"
    return found


@pytest.fixture
def site(settings):
    settings.SITE_URL = SITE


def check_links(box: ShareBox, url: str) -> None:
    assert set(box.links) == {*HOSTS, "Email"}
    for name, host in HOSTS.items():
        parts = urlsplit(box.links[name])
        assert (parts.scheme, parts.netloc) == ("https", host)
        shared = " ".join(value for values in parse_qs(parts.query).values() for value in values)
        assert url in shared, name
    email = urlsplit(box.links["Email"])
    assert email.scheme == "mailto" and url in parse_qs(email.query)["body"][0]
    (copy,) = box.inputs
    assert copy["value"] == url and "readonly" in copy and copy["type"] == "url"
    # Without JavaScript: no button that would do nothing.
    assert all("hidden" in button for button in box.buttons)
    scripts = [src for src in box.scripts if src]
    assert any(src.startswith("/static/campaign_site/share.") for src in scripts)
    assert all(src.startswith("/static/") for src in scripts)  # none from another origin


def test_a_session_page_has_share_links_to_itself(site):
    session = EventFactory()
    box = share_box(Client().get(f"/events/{session.slug}/").content)
    check_links(box, f"{SITE}/events/{session.slug}/")
    assert "Come along?" in parse_qs(urlsplit(box.links["WhatsApp"]).query)["text"][0]


def test_after_signing_up_the_page_asks_to_bring_a_friend(site):
    session = EventFactory()
    response = Client().post(
        f"/events/{session.slug}/", {"first_name": "Asha", "email": "asha@example.org"}
    )
    page = Client().get(response["Location"]).content
    box = share_box(page)
    check_links(box, f"{SITE}/events/{session.slug}/")
    assert "I've signed up for" in parse_qs(urlsplit(box.links["X"]).query)["text"][0]
    assert "asha" not in page.decode().lower()


def test_after_joining_the_page_shares_the_join_page(site):
    response = Client().post("/join/", {"email": "sam@example.org", "wants_updates": "on"})
    box = share_box(Client().get(response["Location"]).content)
    check_links(box, f"{SITE}/join/")


def test_after_giving_the_page_asks_friends_to_give(site, stripe_fake, client):  # noqa: F811
    client.post("/donate/", form_data(client))
    pay(client, Donation.objects.get())
    box = share_box(client.get("/donate/thanks/").content)
    check_links(box, f"{SITE}/donate/")
    assert "I've just given" in parse_qs(urlsplit(box.links["WhatsApp"]).query)["text"][0]
