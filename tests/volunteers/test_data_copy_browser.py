"""A copy of my data, as a supporter asks for it and reads it: headless Chromium at phone
size, a real worker and SMTP server."""

import re

import pytest

from events.services import rsvp_create
from tests.events.factories import EventFactory
from tests.volunteers.factories import SupporterFactory
from tests.volunteers.test_join_browser import assert_page_is_clean
from volunteers.selectors import supporter_email_links

pytestmark = [pytest.mark.browser, pytest.mark.services]

DATA_LINK = re.compile(r"http://localhost:8000(/my-data/[^/\s]+/)")


def test_ask_for_a_copy_from_preferences_then_read_and_download_it(
    worker, mailbox, browser_page, live_server
):
    supporter = SupporterFactory(email="ria@example.org", name="Ria", postcode="DE22 1AA")
    event = EventFactory(title="Canvassing in Allestree", slug="allestree")
    rsvp_create(event=event, first_name="Ria", email="ria@example.org")
    mailbox.wait_for(1)  # the session confirmation
    preferences = supporter_email_links(supporter)["preferences_url"].split("/", 3)[3]
    page = browser_page.page

    page.goto(f"{live_server.url}/{preferences}")
    page.get_by_role("button", name="Email me a copy of my data").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", level=1, name="Check your email").is_visible()
    assert_page_is_clean(browser_page, live_server)

    [email] = [mail for mail in mailbox.wait_for(2) if "copy of your data" in mail.subject]
    assert email.rcpt_tos == ["ria@example.org"]
    assert "It works for 7 days" in email.text and "Hello Ria" in email.text
    page.goto(live_server.url + DATA_LINK.search(email.text).group(1))
    assert page.get_by_role("heading", level=1, name="A copy of your data").is_visible()
    for section in ["Your details", "Your session sign-ups", "Your gifts", "Emails we sent you"]:
        assert page.get_by_role("heading", level=2, name=section).is_visible()
    assert page.get_by_text("DE22 1AA").first.is_visible()
    assert page.get_by_text("Canvassing in Allestree").first.is_visible()
    assert_page_is_clean(browser_page, live_server)

    with page.expect_download() as download:
        page.get_by_role("link", name="Download it as a file (JSON)").click()
    assert re.fullmatch(r"my-data-\d{4}-\d\d-\d\d\.json", download.value.suggested_filename)
