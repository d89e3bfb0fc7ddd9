"""Page budgets: what a phone on mobile data downloads for each public page.

Each page's HTML, CSS and JS together stay under 150 KB gzipped (measured here with gzip
on the files the page links, as collectstatic hashed them), every file comes from the
site itself, and images are sized for phones.
"""

import gzip
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.files.storage import default_storage

from campaign_site.core.images import PHOTO_RULES, picture_check
from campaign_site.core.selectors import campaign_settings_get
from campaign_site.core.services import campaign_settings_update
from tests.performance.conftest import public_pages
from tests.support.pictures import jpeg_upload

pytestmark = pytest.mark.django_db

BUDGET_BYTES = 150 * 1024
MAX_FILES = 3  # CSS and JS files a page may link: Bootstrap, the site's CSS, one script
MAX_IMAGE_WIDTH = 1280
MAX_IMAGE_BYTES = 200 * 1024
HTML_PAGES = [
    "/",
    "/events/",
    "/events/?kind=canvass",
    "session",
    "/donate/",
    "/join/",
]


class Resources(HTMLParser):
    """The files a page makes the browser fetch: stylesheets, scripts, images, frames."""

    def __init__(self):
        super().__init__()
        self.stylesheets, self.scripts, self.images, self.other = [], [], [], []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "link" and "stylesheet" in (attrs.get("rel") or "").split():
            self.stylesheets.append(attrs["href"])
        elif tag == "link" and attrs.get("rel") in {"icon", "preload", "modulepreload"}:
            self.other.append(attrs["href"])
        elif tag == "script" and attrs.get("src"):
            self.scripts.append(attrs["src"])
        elif tag == "img":
            self.images.append(attrs)
        elif tag in {"iframe", "source", "video", "audio", "embed", "object"}:
            self.other.append(attrs.get("src") or attrs.get("data") or attrs.get("srcset", ""))


def _resolve(page: str) -> str:
    return public_pages()[3] if page == "session" else page


def _static_file(url: str) -> Path:
    assert url.startswith(settings.STATIC_URL), f"{url} is not one of the site's static files"
    name = url.removeprefix(settings.STATIC_URL)
    return Path(staticfiles_storage.path(name))


def _own_file(url: str) -> Path:
    """A static file, or an uploaded picture in media storage."""
    if url.startswith(settings.MEDIA_URL):
        return Path(default_storage.path(url.removeprefix(settings.MEDIA_URL)))
    return _static_file(url)


def _is_own(url: str) -> bool:
    parts = urlsplit(url)
    return not parts.scheme and not parts.netloc and url.startswith("/")


@pytest.fixture
def with_photo(handful):
    """The candidate's photo set, as a campaign would have it (a camera-sized portrait)."""
    campaign = campaign_settings_get()
    campaign.photo_alt = "The candidate"
    photo = picture_check(jpeg_upload(size=(2400, 3000)), rules=PHOTO_RULES)
    campaign_settings_update(campaign=campaign, photo=photo)


@pytest.mark.parametrize("page", HTML_PAGES)
def test_each_public_page_fits_the_budget_from_its_own_origin(client, handful, with_photo, page):
    response = client.get(_resolve(page))
    assert response.status_code == 200
    html = response.content
    found = Resources()
    found.feed(html.decode())

    linked = found.stylesheets + found.scripts
    everything = linked + [image.get("src", "") for image in found.images] + found.other
    assert [url for url in everything if not _is_own(url)] == []
    # No CSS pulled in from inside <body>: every stylesheet is in <head>.
    head, _, body = html.decode().partition("</head>")
    assert "stylesheet" not in body
    assert len(linked) <= MAX_FILES, linked

    sizes = {"html": len(gzip.compress(html))}
    for url in linked:
        sizes[url] = len(gzip.compress(_static_file(url).read_bytes()))
    total = sum(sizes.values())
    assert total < BUDGET_BYTES, sizes


@pytest.mark.parametrize("page", HTML_PAGES)
def test_images_are_sized_for_phones(client, handful, with_photo, page):
    found = Resources()
    found.feed(client.get(_resolve(page)).content.decode())
    if page == "/":
        assert found.images, "the home page shows the candidate's photo"
    for image in found.images:
        assert image.get("width") and image.get("height"), f"{image} has no size"
        assert int(image["width"]) <= MAX_IMAGE_WIDTH, image
        assert _own_file(image["src"]).stat().st_size <= MAX_IMAGE_BYTES, image
        for candidate in filter(None, image.get("srcset", "").split(", ")):
            url, width = candidate.split()
            assert int(width.removesuffix("w")) <= MAX_IMAGE_WIDTH, candidate
            assert _own_file(url).stat().st_size <= MAX_IMAGE_BYTES, candidate


def test_static_files_are_compressed_and_named_by_content(client, handful):
    """Hashed names (cacheable for a year) with gzip and brotli copies beside them."""
    found = Resources()
    found.feed(client.get("/donate/").content.decode())
    for url in found.stylesheets + found.scripts:
        path = _static_file(url)
        assert re.search(r"\.[0-9a-f]{12}\.(css|js)$", path.name), path.name
        assert path.with_name(path.name + ".gz").exists()


def test_a_phone_loads_every_public_page_from_the_site_alone(browser_page, live_server, handful):
    for page in public_pages():
        if page.endswith(".ics"):
            continue
        browser_page.page.goto(live_server.url + page)
        browser_page.page.wait_for_load_state("networkidle")
    assert browser_page.foreign_requests(live_server.url) == []
    assert browser_page.failed_responses == []
    assert browser_page.console_errors == []
