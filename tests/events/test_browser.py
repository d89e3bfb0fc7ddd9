"""The calendar and the sign-up in headless Chromium at phone size (390x844)."""

import pytest

from events.models import Rsvp
from tests.events.factories import EventFactory, RsvpFactory, next_saturday_at

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def assert_page_is_clean(visit, live_server, width=390):
    page = visit.page
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert visit.foreign_requests(live_server.url) == []
    assert visit.serious_accessibility_violations() == []
    assert visit.console_errors == []


@pytest.fixture
def sessions():
    canvass = EventFactory(
        title="Canvassing in Darley Abbey",
        slug="darley-abbey",
        public_area="Darley Abbey, DE22",
        capacity=2,
    )
    RsvpFactory(event=canvass)
    EventFactory(phonebank=True, title="Evening phonebank", slug="evening-phonebank")
    EventFactory(title="Canvassing in Mackworth", starts_at=next_saturday_at(11, weeks=2))
    EventFactory(title="Rained off", slug="rained-off", status="cancelled")
    return canvass


def test_find_a_session_and_sign_up_on_a_phone(browser_page, live_server, sessions):
    page = browser_page.page
    page.goto(live_server.url + "/events/")
    assert page.get_by_role(
        "heading", level=1, name="Canvassing and phonebank sessions"
    ).is_visible()
    assert page.get_by_text("Cancelled: Rained off").is_visible()
    assert_page_is_clean(browser_page, live_server)

    page.get_by_role("link", name="Phonebank", exact=True).click()
    page.wait_for_load_state()
    assert page.get_by_role("link", name="Evening phonebank").is_visible()
    assert page.get_by_role("link", name="Canvassing in Darley Abbey").count() == 0

    page.get_by_role("link", name="All sessions").click()
    page.get_by_role("link", name="Canvassing in Darley Abbey").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", level=1, name="Canvassing in Darley Abbey").is_visible()
    assert page.get_by_text("1 spot left").is_visible()
    assert_page_is_clean(browser_page, live_server)

    page.get_by_role("link", name="Sign up", exact=True).click()
    form = page.locator("section.rsvp-box")
    form.get_by_label("Email").fill("not-an-address")
    form.get_by_role("button", name="Sign up for this session").click()
    page.wait_for_load_state()
    assert page.locator("#div_id_email").get_by_text("Enter a valid email address").is_visible()
    assert page.locator("#div_id_first_name").get_by_text("This field is required").is_visible()
    assert_page_is_clean(browser_page, live_server)

    form.get_by_label("First name").fill("Priya")
    form.get_by_label("Email").fill("priya@example.org")
    assert not form.get_by_label("Also join the mailing list").is_checked()
    form.get_by_role("button", name="Sign up for this session").click()
    page.wait_for_load_state()

    assert page.get_by_role("heading", level=1, name="Thank you: check your email").is_visible()
    assert_page_is_clean(browser_page, live_server)
    rsvp = Rsvp.objects.get(supporter__email="priya@example.org")
    assert rsvp.status == Rsvp.Status.GOING and rsvp.first_name == "Priya"

    page.goto(live_server.url + "/events/darley-abbey/")
    assert page.get_by_text("Full: join the waiting list").first.is_visible()
    assert page.get_by_role("button", name="Join the waiting list").is_visible()


def test_the_month_view_on_a_phone(browser_page, live_server, sessions):
    page = browser_page.page
    page.goto(live_server.url + "/events/")
    page.get_by_role("link", name="Month view").click()
    page.wait_for_load_state()
    assert page.locator("table.month-grid").is_visible()
    assert page.locator("a.has-sessions").count() >= 1
    assert_page_is_clean(browser_page, live_server)

    page.get_by_role("link", name="→").or_(page.locator("a[rel=next]")).first.click()
    page.wait_for_load_state()
    assert "month=" in page.url
    assert_page_is_clean(browser_page, live_server)


def test_the_next_sessions_on_the_home_page(browser_page, live_server, sessions):
    page = browser_page.page
    page.goto(live_server.url + "/")
    section = page.locator("section", has=page.get_by_role("heading", name="Join a session"))
    assert section.get_by_role("link", name="Canvassing in Darley Abbey").is_visible()
    assert section.get_by_role("link", name="Evening phonebank").is_visible()
    assert_page_is_clean(browser_page, live_server)


def test_find_a_session_near_a_postcode_on_a_phone(browser_page, live_server, sessions):
    EventFactory(title="Canvassing in Belper", postcode="DE56 1AA", public_area="Belper, DE56")
    EventFactory(title="Canvassing in Sheffield", postcode="S1 2HE", public_area="Sheffield, S1")
    page = browser_page.page
    page.goto(live_server.url + "/events/")
    search = page.get_by_role("search", name="Sessions near a postcode")
    search.get_by_label("Your postcode").fill("de22 2ey")
    search.get_by_label("How far").select_option(label="10 miles")
    search.get_by_role("button", name="Search").click()
    page.wait_for_load_state()

    assert page.url.endswith("/events/?postcode=DE22&radius=10")  # the outward code only
    assert search.get_by_label("Your postcode").input_value() == "DE22"
    near = page.locator("section", has=page.get_by_role("heading", name="Within 10 miles of DE22"))
    # The three in DE22 itself (by date), then Belper, six miles off; Sheffield is too far.
    assert near.get_by_role("link").all_inner_texts() == [
        "Canvassing in Darley Abbey",
        "Cancelled: Rained off",
        "Canvassing in Mackworth",
        "Canvassing in Belper",
    ]
    assert near.get_by_text("About 6 miles away").is_visible()
    anywhere = page.locator("section", has=page.get_by_role("heading", name="Join from anywhere"))
    assert anywhere.get_by_role("link", name="Evening phonebank").is_visible()
    assert page.get_by_text("Contains OS data © Crown copyright").is_visible()
    assert_page_is_clean(browser_page, live_server)

    search.get_by_label("Your postcode").fill("BT1 1AA")
    search.get_by_role("button", name="Search").click()
    page.wait_for_load_state()
    assert page.get_by_text(
        "We can’t measure distances from Northern Ireland postcodes"
    ).is_visible()
    assert page.get_by_role("link", name="Canvassing in Sheffield").is_visible()
    assert_page_is_clean(browser_page, live_server)


def test_each_session_in_the_list_has_a_sign_up_button_to_its_form(
    browser_page, live_server, sessions
):
    page = browser_page.page
    page.goto(live_server.url + "/events/")
    card = page.locator("li.event-card", has=page.get_by_role("link", name="Evening phonebank"))
    assert card.get_by_role("link", name="Sign up", exact=True).is_visible()
    cancelled = page.locator("li.event-card", has_text="Cancelled: Rained off")
    assert cancelled.get_by_role("link", name="Sign up").count() == 0
    assert_page_is_clean(browser_page, live_server)

    card.get_by_role("link", name="Sign up", exact=True).click()
    page.wait_for_load_state()
    assert page.url == live_server.url + "/events/evening-phonebank/#rsvp-heading"
    form = page.locator("section.rsvp-box")
    assert form.is_visible() and form.bounding_box()["y"] < 844  # the form is on screen
    form.get_by_label("First name").fill("Ola")
    form.get_by_label("Email").fill("ola@example.org")
    form.get_by_role("button", name="Sign up for this session").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", level=1, name="Thank you: check your email").is_visible()


def test_a_full_session_tells_the_person_their_place_in_the_queue(
    browser_page, live_server, sessions
):
    RsvpFactory(event=sessions)  # now full (2 of 2)
    RsvpFactory(event=sessions, status=Rsvp.Status.WAITING, going_since=None)
    page = browser_page.page
    page.goto(live_server.url + "/events/")
    card = page.locator("li.event-card", has_text="Canvassing in Darley Abbey")
    card.get_by_role("link", name="Join the waiting list").click()
    page.wait_for_load_state()
    form = page.locator("section.rsvp-box")
    form.get_by_label("First name").fill("Ola")
    form.get_by_label("Email").fill("ola@example.org")
    form.get_by_role("button", name="Join the waiting list").click()
    page.wait_for_load_state()

    assert page.get_by_text("you are number 2 in the queue").is_visible()
    assert_page_is_clean(browser_page, live_server)
    assert Rsvp.objects.get(supporter__email="ola@example.org").status == Rsvp.Status.WAITING


def test_the_month_view_at_desktop_width(browser_session, live_server, sessions):
    visit = browser_session.new_page(width=1280, height=800)
    page = visit.page
    try:
        page.goto(live_server.url + "/events/")
        page.get_by_role("link", name="Month view").click()
        page.wait_for_load_state()

        grid = page.locator("table.month-grid").bounding_box()
        heading = page.locator(".month-nav h2").bounding_box()
        first_day = page.locator("section.event-day").first.bounding_box()
        # The grid and the sessions sit side by side, both on the first screen.
        assert grid["x"] + grid["width"] < first_day["x"]
        assert first_day["y"] < 700 and grid["y"] < 700  # both start on the first screen
        assert grid["width"] >= 400
        # The month's name is centred over its own grid.
        centre = heading["x"] + heading["width"] / 2
        assert abs(centre - (grid["x"] + grid["width"] / 2)) < 10
        assert_page_is_clean(visit, live_server, width=1280)
    finally:
        page.context.close()


def test_a_past_month_says_it_is_past(browser_page, live_server, sessions):
    page = browser_page.page
    page.goto(live_server.url + "/events/?month=2024-03")

    assert page.get_by_role("heading", level=2, name="March 2024 (past)").is_visible()
    assert page.get_by_text("March 2024 is in the past").is_visible()
    assert page.get_by_text("No sessions are planned").count() == 0
    assert page.locator("table.month-grid").count() == 0
    assert_page_is_clean(browser_page, live_server)
    page.get_by_role("link", name="upcoming sessions").click()
    page.wait_for_load_state()
    assert page.get_by_role("link", name="Canvassing in Darley Abbey").is_visible()
