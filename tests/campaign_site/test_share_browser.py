"""Share links, the home page with the candidate's photo, and the photo's weight on a phone,
in headless Chromium."""

import pytest

from campaign_site.core.images import PHOTO_RULES, picture_check
from campaign_site.core.selectors import campaign_settings_get
from campaign_site.core.services import campaign_settings_update
from tests.events.factories import EventFactory
from tests.support.browser import BrowserPage
from tests.support.pictures import jpeg_upload

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE_PHOTO_BUDGET = 80 * 1024


@pytest.fixture
def photo():
    campaign = campaign_settings_get()
    campaign.photo_alt = "Chris Williamson outside Derby Council House"
    campaign_settings_update(
        campaign=campaign, photo=picture_check(jpeg_upload(size=(2400, 3000)), rules=PHOTO_RULES)
    )


def test_share_links_and_copy_on_a_session_page(browser_session, live_server):
    session = EventFactory(title="Canvassing in Darley Abbey", slug="darley-abbey")
    visit = browser_session.new_page(width=390, height=844)
    page = visit.page
    try:
        page.context.grant_permissions(["clipboard-read", "clipboard-write"])
        page.goto(f"{live_server.url}/events/{session.slug}/")
        page.wait_for_load_state("networkidle")

        box = page.get_by_role("region", name="Share this session")
        for name in ["WhatsApp", "Facebook", "X", "Bluesky", "Email"]:
            assert box.get_by_role("link", name=name, exact=True).is_visible()
        box.get_by_role("button", name="Copy link").click()
        assert box.get_by_role("status").inner_text().startswith("Link copied")
        copied = page.evaluate("navigator.clipboard.readText()")
        assert copied.endswith(f"/events/{session.slug}/")
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        assert visit.foreign_requests(live_server.url) == []
        assert visit.serious_accessibility_violations() == []
        assert visit.console_errors == [] and visit.failed_responses == []
    finally:
        page.context.close()


def test_without_javascript_the_link_is_there_to_copy(browser_session, live_server):
    session = EventFactory(slug="no-script")
    context = browser_session.browser.new_context(
        viewport={"width": 390, "height": 844}, java_script_enabled=False
    )
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}/events/{session.slug}/")
        link = page.get_by_label("Or copy the link")
        assert link.is_visible() and link.input_value().endswith("/events/no-script/")
        assert not page.get_by_role("button", name="Copy link").is_visible()
        assert page.get_by_role("link", name="WhatsApp").is_visible()
    finally:
        context.close()


@pytest.mark.parametrize("width,height,scale", [(390, 844, 3), (390, 844, 2), (1280, 800, 1)])
def test_the_home_page_shows_the_photo_light_enough_for_a_phone(
    browser_session, live_server, photo, width, height, scale
):
    context = browser_session.browser.new_context(
        viewport={"width": width, "height": height},
        device_scale_factor=scale,
        reduced_motion="reduce",
    )
    page = context.new_page()
    photos = []
    page.on(
        "response",
        lambda response: (
            photos.append(response) if "/media/campaign/photo-" in response.url else None
        ),
    )
    try:
        page.goto(live_server.url + "/")
        page.wait_for_load_state("networkidle")
        image = page.get_by_role("img", name="Chris Williamson outside Derby Council House")
        assert image.is_visible()
        box = image.bounding_box()
        assert box["y"] + box["height"] <= height  # in view without scrolling
        assert page.get_by_role("link", name="Get updates").is_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        assert BrowserPage(page=page).serious_accessibility_violations() == []
        (loaded,) = photos  # one picture, in the size this screen needs
        assert loaded.headers["content-type"] == "image/webp"
        if width < 768:
            assert len(loaded.body()) < PHONE_PHOTO_BUDGET, (loaded.url, len(loaded.body()))
    finally:
        context.close()
