"""Share cards and share images: what Facebook, WhatsApp, X and Bluesky show of each page."""

import io
import threading
from urllib.parse import urlsplit

import pytest
from django.db import connection, transaction
from django.test import Client
from django.utils import timezone
from PIL import Image

from campaign_site.core import share
from campaign_site.core.images import PHOTO_RULES, picture_check
from campaign_site.core.models import ShareImage
from campaign_site.core.money import pence_to_text
from campaign_site.core.selectors import campaign_settings_get
from campaign_site.core.services import campaign_settings_update
from donations.selectors import progress_get
from donations.services.ledger import donation_lock, payment_record
from events.services import event_update
from tests.donations.helpers import gift
from tests.events.factories import EventFactory
from tests.support.meta import head_tags
from tests.support.pictures import jpeg_upload

SITE = "https://chris.example.org"


@pytest.fixture
def site(settings):
    settings.SITE_URL = SITE
    settings.ALLOWED_HOSTS = ["testserver", "chris.example.org"]
    settings.STRIPE_SECRET_KEY = "sk_test_share"
    settings.STRIPE_PUBLISHABLE_KEY = "pk_test_share"
    settings.STRIPE_WEBHOOK_SECRET = "whsec_share"


@pytest.fixture
def session(db):
    return EventFactory(title="Canvassing in Allestree", slug="canvassing-in-allestree")


def tags_of(path: str) -> dict:
    response = Client().get(path)
    assert response.status_code == 200, path
    found = head_tags(response.content)
    assert found.canonical == found.meta["og:url"]
    return found.meta


def image_path(meta: dict) -> str:
    url = meta["og:image"]
    assert url.startswith(f"{SITE}/share/"), url
    return urlsplit(url).path


def received(amount_pence: int, key: str) -> None:
    donation = gift(amount_pence, email=f"{key}@example.org")
    with transaction.atomic():
        locked = donation_lock(donation_id=donation.pk)
        payment_record(
            donation=locked,
            stripe_key=key,
            amount_pence=amount_pence,
            received_at=timezone.now(),
            payment_intent_id=key,
        )


PAGES = ["/", "/events/", "/events/?kind=canvass", "session", "/donate/", "/join/", "/privacy/"]


@pytest.mark.django_db
@pytest.mark.parametrize("page", PAGES)
def test_every_public_page_has_its_share_card(site, session, page):
    path = f"/events/{session.slug}/" if page == "session" else page
    meta = tags_of(path)

    assert meta["og:url"] == SITE + urlsplit(path).path
    for name in ["og:title", "og:description", "og:image:alt", "og:site_name"]:
        assert meta[name].strip(), name
    assert meta["og:image:width"] == "1200" and meta["og:image:height"] == "630"
    assert meta["og:image:type"] == "image/png"
    assert meta["twitter:card"] == "summary_large_image"
    for og, twitter in [("title", "title"), ("description", "description"), ("image", "image")]:
        assert meta[f"og:{og}"] == meta[f"twitter:{twitter}"]
    assert meta["twitter:image:alt"] == meta["og:image:alt"]
    image = Client().get(image_path(meta))
    assert image.status_code == 200 and image["Content-Type"] == "image/png"
    with Image.open(io.BytesIO(b"".join(image.streaming_content))) as png:
        assert png.size == (1200, 630) and png.format == "PNG"


@pytest.mark.django_db
def test_a_sessions_card_has_its_title_date_time_and_area_never_the_meeting_point(site, session):
    meta = tags_of(f"/events/{session.slug}/")
    starts = timezone.localtime(session.starts_at)

    assert meta["og:title"] == "Canvassing in Allestree"
    assert meta["og:type"] == "article"
    alt = meta["og:image:alt"]
    assert f"{starts:%A} {starts.day} {starts:%B}" in alt
    assert f"{starts:%H:%M} to " in alt
    assert "Allestree, DE22" in alt and "Canvassing" in alt
    card = share.share_card_get(kind="session", key=session.slug)
    shown = " ".join([card.headline, card.eyebrow, *card.lines, card.alt, card.description])
    everything = " ".join(meta.values()) + shown
    for private in [session.place_name, session.address, session.postcode, session.contact_phone]:
        assert private not in everything


@pytest.mark.django_db
def test_an_online_phonebanks_card_never_shows_its_joining_link(site):
    phonebank = EventFactory(phonebank=True)
    meta = tags_of(f"/events/{phonebank.slug}/")
    assert "Online" in meta["og:image:alt"]
    assert "meet.example.org" not in " ".join(meta.values())


@pytest.mark.django_db
def test_the_donate_card_shows_the_cause_and_the_progress_the_page_shows(site):
    received(4_230, "pi_first")
    progress = progress_get()
    meta = tags_of("/donate/")

    raised = pence_to_text(progress.raised_pence)
    assert f"{raised} raised of £13,000" in meta["og:image:alt"]
    assert f"{raised} raised of £13,000" in meta["og:description"]
    assert meta["og:title"] == "Donate to Chris Williamson's campaign in Derby North"
    card = share.share_card_get(kind="donate")
    assert card.progress_percent == progress.percent


@pytest.mark.django_db(transaction=True)
def test_a_new_gift_changes_the_donate_images_url(site):
    before = image_path(tags_of("/donate/"))
    assert Client().get(before).status_code == 200

    received(2_500, "pi_new_gift")

    after = image_path(tags_of("/donate/"))  # the page cache was invalidated by the gift
    assert after != before
    assert Client().get(after).status_code == 200
    # The old image's URL leads to the new one; the old file is gone.
    old = Client().get(before)
    assert old.status_code == 302 and old["Location"] == after
    assert ShareImage.objects.filter(kind="donate").count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_changed_session_or_a_new_photo_changes_the_image_url(site, session):
    first = image_path(tags_of(f"/events/{session.slug}/"))
    session.title = "Canvassing in Darley Abbey"
    event_update(event=session)
    renamed = image_path(tags_of(f"/events/{session.slug}/"))
    assert renamed != first

    campaign = campaign_settings_get()
    campaign.photo_alt = "Chris"
    campaign_settings_update(
        campaign=campaign, photo=picture_check(jpeg_upload(), rules=PHOTO_RULES)
    )
    with_photo = image_path(tags_of(f"/events/{session.slug}/"))
    assert with_photo != renamed


@pytest.mark.django_db
def test_an_image_is_drawn_once_and_kept(site, monkeypatch):
    drawn = []
    real = share.share_image_draw
    monkeypatch.setattr(share, "share_image_draw", lambda *a, **k: drawn.append(1) or real(*a, **k))
    path = image_path(tags_of("/"))

    bodies = [b"".join(Client().get(path).streaming_content) for _ in range(3)]

    assert len(drawn) == 1
    assert bodies[0] == bodies[1] == bodies[2]
    row = ShareImage.objects.get()
    assert row.bytes == len(bodies[0]) and row.made_at is not None


@pytest.mark.django_db(transaction=True)
def test_many_first_requests_at_once_draw_the_image_once(site, monkeypatch):
    """The version's row is the lock: while one request draws, the others wait for it."""
    drawn = []
    real = share.share_image_draw

    def slow_draw(*args, **kwargs):
        drawn.append(1)
        png = real(*args, **kwargs)
        threading.Event().wait(0.5)  # hold the lock while the others arrive
        return png

    monkeypatch.setattr(share, "share_image_draw", slow_draw)
    path = image_path(tags_of("/join/"))
    results: list[tuple[int, bytes]] = []

    def fetch():
        try:
            response = Client().get(path)
            results.append((response.status_code, b"".join(response.streaming_content)))
        finally:
            connection.close()

    threads = [threading.Thread(target=fetch) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert len(drawn) == 1
    assert [status for status, _ in results] == [200] * 6
    assert len({body for _, body in results}) == 1
    assert ShareImage.objects.count() == 1


@pytest.mark.django_db
def test_a_lost_file_is_drawn_again_once(site, media_root):
    path = image_path(tags_of("/"))
    Client().get(path)
    for stored in media_root.rglob("*.png"):
        stored.unlink()
    again = Client().get(path)
    assert again.status_code == 200
    assert ShareImage.objects.count() == 1


@pytest.mark.django_db
def test_unknown_pages_and_versions_are_not_drawn(site):
    assert Client().get("/share/nothing/0123456789abcdef.png").status_code == 404
    assert Client().get("/share/session/no-such-session/0123456789abcdef.png").status_code == 404
    assert ShareImage.objects.count() == 0
