"""The key pages work in a real browser under the site's Content Security Policy."""

import pytest

from tests.events.factories import EventFactory

pytestmark = pytest.mark.browser


def test_key_pages_run_under_the_csp_with_no_console_errors(browser_page, live_server, stripe_fake):
    session = EventFactory(title="Canvassing in Oakwood", capacity=10)
    page = browser_page.page
    csp_headers = {}
    page.on(
        "response",
        lambda response: (
            csp_headers.__setitem__(response.url, response.headers.get("content-security-policy"))
            if response.request.resource_type == "document"
            else None
        ),
    )

    for path in [
        "/",
        "/events/",
        f"/events/{session.slug}/",
        "/join/",
        "/donate/",
        "/privacy/",
        "/admin/login/",
    ]:
        page.goto(live_server.url + path)
        page.wait_for_load_state("networkidle")
        assert "script-src 'self'" in (csp_headers[live_server.url + path] or ""), path

    # The donate page's script runs under the policy: choosing over £50 shows the extra fields.
    page.goto(live_server.url + "/donate/")
    page.get_by_text("£100", exact=True).click()
    assert page.locator("#donate-submit").inner_text() == "Give £100 securely"
    assert browser_page.console_errors == []
    assert browser_page.failed_responses == []
    assert browser_page.foreign_requests(live_server.url) == []
