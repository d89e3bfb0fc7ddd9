"""The home page as a supporter sees it, in headless Chromium."""

import pytest

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("width,height", [(390, 844), (1280, 800)])
def test_home_page_in_a_real_browser(browser_session, live_server, settings, width, height):
    settings.STRIPE_SECRET_KEY, settings.STRIPE_WEBHOOK_SECRET = "sk_test_x", "whsec_x"
    visit = browser_session.new_page(width=width, height=height)
    page = visit.page
    try:
        response = page.goto(live_server.url + "/")
        page.wait_for_load_state("networkidle")

        assert response.status == 200
        assert page.get_by_role("heading", level=1, name="Chris Williamson").is_visible()
        assert page.get_by_text("Independent candidate for Derby North").is_visible()
        for heading in ["Phonebanking", "Canvassing", "Donating"]:
            assert page.get_by_role("heading", name=heading, exact=True).is_visible()
        assert page.get_by_text("£13,000").first.is_visible()
        assert page.get_by_role("link", name="Get updates").is_visible()
        footer = page.locator("footer")
        assert "Promoted by the election agent for Chris Williamson" in footer.inner_text()
        nav = page.get_by_role("navigation", name="Main")
        for link in ["Home", "Events", "Donate", "Join"]:
            assert nav.get_by_role("link", name=link).is_visible()
        # Nothing sideways-scrolls on a phone.
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        assert visit.foreign_requests(live_server.url) == []
        assert visit.serious_accessibility_violations() == []
        assert visit.failed_responses == []
        assert visit.console_errors == []
    finally:
        page.context.close()
