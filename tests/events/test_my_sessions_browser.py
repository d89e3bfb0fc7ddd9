"""'My sessions' as a volunteer meets it: from a session email, and from /events/ after
losing the emails. Headless Chromium at phone size, a real worker and SMTP server."""

import re

import pytest

from campaign_site.core.models import OutboundEmail
from events.models import Rsvp
from tests.events.factories import EventFactory, RsvpFactory
from tests.events.test_browser import assert_page_is_clean

pytestmark = [pytest.mark.browser, pytest.mark.services]

LINK = re.compile(r"http://localhost:8000(/events/my-sessions/[^/\s]+/)")


def test_from_the_confirmation_email_to_the_page_and_cancelling(
    worker, mailbox, browser_page, live_server
):
    EventFactory(title="Canvassing in Allestree", slug="allestree")
    full = EventFactory(title="Canvassing in Oakwood", slug="oakwood", capacity=1)
    RsvpFactory(event=full)
    page = browser_page.page
    for slug in ["allestree", "oakwood"]:
        page.goto(f"{live_server.url}/events/{slug}/")
        form = page.locator("section.rsvp-box")
        form.get_by_label("First name").fill("Dee")
        form.get_by_label("Email").fill("dee@example.org")
        form.locator("button[type=submit]").click()
        page.wait_for_load_state()

    confirmation, waiting = sorted(mailbox.wait_for(2), key=lambda mail: "waiting" in mail.subject)
    assert "See all your sessions" in confirmation.html
    path = LINK.search(confirmation.text).group(1)
    assert LINK.search(waiting.text).group(1) == path

    page.goto(live_server.url + path)
    assert page.get_by_role("heading", level=1, name="Your sessions").is_visible()
    going = page.locator("li.event-card", has_text="Canvassing in Allestree")
    assert going.get_by_text("You are going.").is_visible()
    assert going.get_by_text("Allestree Park car park, Duffield Road").is_visible()
    queued = page.locator("li.event-card", has_text="Canvassing in Oakwood")
    assert queued.get_by_text("On the waiting list: number 1 in the queue.").is_visible()
    assert queued.get_by_text("Allestree Park car park").count() == 0
    assert_page_is_clean(browser_page, live_server)

    with page.expect_download() as download:
        going.get_by_role("link", name="Calendar file (.ics)").click()
    assert download.value.suggested_filename == "allestree.ics"

    queued.get_by_role("link", name="Leave the waiting list").click()
    page.wait_for_load_state()
    page.get_by_role("button", name="Leave the waiting list").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", level=1, name="You are no longer signed up").is_visible()
    page.get_by_role("link", name="See your other sessions").click()
    page.wait_for_load_state()
    assert page.locator("li.event-card").count() == 1
    assert Rsvp.objects.get(event=full, supporter__email="dee@example.org").status == "cancelled"


def test_someone_who_lost_their_emails_asks_for_the_link_on_events(
    worker, mailbox, browser_page, live_server
):
    event = EventFactory(phonebank=True, title="Tuesday phonebank", slug="phones")
    RsvpFactory(event=event, supporter__email="kim@example.org", supporter__name="Kim")
    page = browser_page.page
    page.goto(live_server.url + "/events/")
    ask = page.locator("#my-sessions")
    assert ask.get_by_role("heading", name="Already signed up?").is_visible()
    ask.get_by_label("Your email address").fill("kim@example")
    ask.get_by_role("button", name="Email me the link").click()
    page.wait_for_load_state()
    assert page.get_by_text("Enter a valid email address").is_visible()
    assert page.get_by_label("Your email address").input_value() == "kim@example"
    assert_page_is_clean(browser_page, live_server)

    page.get_by_label("Your email address").fill("kim@example.org")
    page.get_by_role("button", name="Email me the link").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", level=1, name="Check your email").is_visible()
    assert_page_is_clean(browser_page, live_server)

    [received] = mailbox.wait_for(1)
    assert received.rcpt_tos == ["kim@example.org"]
    assert received.subject == "Your sessions with Chris Williamson's campaign"
    assert "Tuesday phonebank:" in received.text and "Hello Kim" in received.text
    page.goto(live_server.url + LINK.search(received.text).group(1))
    card = page.locator("li.event-card", has_text="Tuesday phonebank")
    assert card.get_by_role("link", name="https://meet.example.org/secret-room-4812").is_visible()
    assert_page_is_clean(browser_page, live_server)

    # An address that never signed up gets the same page, and no email.
    page.goto(live_server.url + "/events/")
    page.locator("#my-sessions").get_by_label("Your email address").fill("who@example.org")
    page.locator("#my-sessions").get_by_role("button", name="Email me the link").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", level=1, name="Check your email").is_visible()
    # The page answered after its transaction committed: any email would be an outbox row.
    assert not OutboundEmail.objects.filter(to="who@example.org").exists()
    assert mailbox.to("who@example.org") == []
