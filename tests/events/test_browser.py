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
