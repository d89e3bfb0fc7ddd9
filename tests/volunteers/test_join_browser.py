"""The sign-up forms in headless Chromium at phone size (390x844)."""

import pytest

from volunteers.models import Consent

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def assert_page_is_clean(visit, live_server, width=390):
    page = visit.page
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert visit.foreign_requests(live_server.url) == []
    assert visit.serious_accessibility_violations() == []
    assert visit.console_errors == []


def test_join_form_shows_errors_next_to_fields_then_signs_up(browser_page, live_server):
    page = browser_page.page
    page.goto(live_server.url + "/join/")
    assert page.get_by_role("heading", level=1, name="Join the mailing list").is_visible()
    for box in ["Canvassing alerts", "Phonebank alerts"]:
        assert not page.get_by_label(box).is_checked()
    assert page.get_by_role("link", name="privacy notice", exact=True).first.is_visible()
    assert_page_is_clean(browser_page, live_server)

    page.get_by_label("Email address").fill("kim@")
    page.get_by_text("Add your name, postcode or phone (optional)").click()
    page.get_by_label("Postcode (optional)").fill("nowhere")
    page.get_by_role("button", name="Join for campaign updates").click()
    page.wait_for_load_state()

    email_error = page.locator("#div_id_email").get_by_text("Enter a valid email address")
    assert email_error.is_visible()
    assert page.get_by_label("Email address").get_attribute("aria-invalid") == "true"
    assert page.locator("#div_id_postcode").get_by_text("Enter a UK postcode").is_visible()
    # The error sits right under its field, not somewhere else on the page.
    field_box = page.get_by_label("Email address").bounding_box()
    error_box = email_error.bounding_box()
    assert 0 <= error_box["y"] - (field_box["y"] + field_box["height"]) < 40
    assert_page_is_clean(browser_page, live_server)

    page.get_by_label("Email address").fill("kim@example.org")
    page.get_by_label("Postcode (optional)").fill("de22 1aa")
    page.get_by_label("Canvassing alerts").check()
    page.get_by_role("button", name="Join for campaign updates").click()
    page.wait_for_load_state()

    assert page.get_by_role("heading", level=1, name="Check your email").is_visible()
    assert_page_is_clean(browser_page, live_server)
    consent = Consent.objects.get()
    assert consent.supporter.postcode == "DE22 1AA" and consent.wants_canvass_alerts


@pytest.mark.parametrize("path", ["/join/", "/"])
def test_an_email_address_alone_joins_for_campaign_updates(browser_page, live_server, path):
    page = browser_page.page
    page.goto(live_server.url + path)
    signup = page.locator("main form.signup-form")
    assert not signup.get_by_label("Canvassing alerts").is_checked()
    assert not signup.get_by_label("Phonebank alerts").is_checked()
    assert_page_is_clean(browser_page, live_server)

    signup.get_by_label("Email address").fill("ash@example.org")
    signup.get_by_role("button", name="Join for campaign updates").click()
    page.wait_for_load_state()

    assert page.get_by_role("heading", level=1, name="Check your email").is_visible()
    consent = Consent.objects.get()
    assert consent.wants_updates and consent.supporter.email == "ash@example.org"
    assert not (consent.wants_canvass_alerts or consent.wants_phonebank_alerts)
    assert consent.wording.endswith("[Join for campaign updates]")


def test_the_footer_form_on_any_page(browser_page, live_server):
    page = browser_page.page
    page.goto(live_server.url + "/privacy/")
    footer = page.locator("footer")

    footer.get_by_label("Your email address").fill("lee@example.org")
    footer.get_by_role("button", name="Sign up").click()
    page.wait_for_load_state()

    assert page.get_by_role("heading", level=1, name="Check your email").is_visible()
    assert Consent.objects.get().page == "footer of /privacy/"
    assert_page_is_clean(browser_page, live_server)


def test_preferences_and_unsubscribe_pages_at_phone_size(browser_page, live_server):
    from tests.volunteers.factories import SupporterFactory
    from volunteers.selectors import supporter_email_links

    supporter = SupporterFactory(wants_canvass_alerts=True)
    links = {
        name: live_server.url + "/" + url.split("/", 3)[3]
        for name, url in supporter_email_links(supporter).items()
    }
    page = browser_page.page

    page.goto(links["preferences_url"])
    assert page.get_by_label("Canvassing alerts").is_checked()
    page.get_by_label("Phonebank alerts").check()
    page.get_by_role("button", name="Save my choices").click()
    page.wait_for_load_state()
    assert page.get_by_role("status").get_by_text("Saved").is_visible()
    assert_page_is_clean(browser_page, live_server)

    page.goto(links["unsubscribe_url"])
    assert_page_is_clean(browser_page, live_server)
    page.get_by_role("button", name="Unsubscribe").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", level=1, name="You have unsubscribed").is_visible()
    assert_page_is_clean(browser_page, live_server)
    supporter.refresh_from_db()
    assert not supporter.is_subscribed


def test_more_choices_in_the_footer_keeps_the_address_typed(browser_page, live_server):
    page = browser_page.page
    page.goto(live_server.url + "/events/")
    footer = page.locator("footer")
    footer.get_by_label("Your email address").fill("lee@example.org")
    footer.get_by_role("button", name="More choices").click()
    page.wait_for_load_state()

    assert page.url == live_server.url + "/join/?email=lee%40example.org"
    assert page.get_by_label("Email address").input_value() == "lee@example.org"
    assert_page_is_clean(browser_page, live_server)

    page.get_by_text("Add your name, postcode or phone (optional)").click()
    page.get_by_label("Name (optional)").fill("Lee")
    page.get_by_role("button", name="Join for campaign updates").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", level=1, name="Check your email").is_visible()
    consent = Consent.objects.get()
    assert consent.supporter.email == "lee@example.org" and consent.supporter.name == "Lee"


def test_the_home_page_form_keeps_the_address_and_ticks_for_more_options(browser_page, live_server):
    page = browser_page.page
    page.goto(live_server.url + "/")
    signup = page.locator("main form.signup-form")
    signup.get_by_label("Email address").fill("ria@example.org")
    signup.get_by_label("Phonebank alerts").check()
    signup.get_by_role("button", name="Add your name or postcode").click()
    page.wait_for_load_state()

    assert page.url.startswith(live_server.url + "/join/?email=ria%40example.org")
    assert page.get_by_label("Email address").input_value() == "ria@example.org"
    assert page.get_by_label("Phonebank alerts").is_checked()
    assert not page.get_by_label("Canvassing alerts").is_checked()
    assert_page_is_clean(browser_page, live_server)


def test_a_bad_address_in_the_footer_is_shown_on_the_join_form_as_typed(browser_page, live_server):
    page = browser_page.page
    page.goto(live_server.url + "/privacy/")
    page.locator("footer").get_by_label("Your email address").fill("lee@example")
    page.locator("footer").get_by_role("button", name="Sign up").click()
    page.wait_for_load_state()

    assert page.locator("#div_id_email").get_by_text("Enter a valid email address").is_visible()
    assert page.get_by_label("Email address").input_value() == "lee@example"
    assert_page_is_clean(browser_page, live_server)
    page.get_by_label("Email address").fill("lee@example.org")
    page.get_by_role("button", name="Join for campaign updates").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", level=1, name="Check your email").is_visible()
