"""The donate form in headless Chromium at phone size, and a donor walked through Checkout."""

import pytest

from donations.models import Donation
from tests.donations.fake_stripe import WEBHOOK_SECRET

pytestmark = pytest.mark.browser


@pytest.fixture
def donate_page(browser_page, live_server, stripe_fake):
    response = browser_page.page.goto(live_server.url + "/donate/")
    assert response.status == 200
    return browser_page


def test_choosing_an_amount_shows_the_over_50_fields_only_when_needed(donate_page, live_server):
    page = donate_page.page
    extra = page.locator("#permissibility")

    assert page.locator("#id_amount_1").is_checked()  # £25 is chosen to start with
    assert extra.is_hidden()
    page.get_by_text("£100", exact=True).click()
    assert extra.is_visible()
    assert page.locator("#donate-submit").inner_text() == "Give £100 securely"
    page.get_by_text("£10", exact=True).click()
    assert extra.is_hidden()
    page.get_by_label("Every month").check()
    assert page.locator("#donate-submit").inner_text() == "Give £10 a month securely"
    page.get_by_label("Another amount (£)").fill("60")
    assert page.locator("input[name=amount][value=other]").is_checked()
    assert extra.is_visible()
    page.get_by_label("Another amount (£)").fill("12.50")
    assert extra.is_hidden()

    assert donate_page.serious_accessibility_violations() == []
    assert donate_page.foreign_requests(live_server.url) == []
    assert donate_page.console_errors == []


def test_errors_appear_next_to_the_fields(donate_page):
    page = donate_page.page
    page.get_by_text("£100", exact=True).click()
    page.locator("#id_name").fill("Sam")
    page.locator("#id_email").fill("sam@example.org")
    page.locator("#donate-submit").click()
    page.wait_for_load_state()

    assert page.locator("#form-problems").is_visible()
    assert page.locator("#permissibility").is_visible()
    for field, words in [
        ("name", "full name"),
        ("address_line1", "Enter your home address"),
        ("postcode", "Enter your postcode"),
    ]:
        feedback = page.locator(f"#id_{field} ~ .invalid-feedback, #error_1_id_{field}").first
        assert words in feedback.inner_text()
        assert feedback.is_visible()
    declaration_error = page.locator("#error_1_id_declaration")
    assert "Tick the declaration" in declaration_error.inner_text()
    assert Donation.objects.count() == 0
    assert donate_page.serious_accessibility_violations() == []


def test_the_form_works_without_javascript(browser_session, live_server, stripe_fake):
    # bypass_csp: see the walk-through below (the fake Stripe is on another local port).
    context = browser_session.browser.new_context(
        viewport={"width": 390, "height": 844}, java_script_enabled=False, bypass_csp=True
    )
    page = context.new_page()
    try:
        page.goto(live_server.url + "/donate/")
        assert page.locator("#permissibility").is_visible()  # always shown without JS
        page.get_by_label("Another amount (£)").fill("15")
        page.locator("#id_name").fill("Sam Patel")
        page.locator("#id_email").fill("sam@example.org")
        page.locator("#donate-submit").click()
        page.wait_for_url(stripe_fake.url + "/pay/**")
        assert "Pay £15.00 as sam@example.org" in page.content()
        donation = Donation.objects.get()
        assert donation.amount_pence == 1_500
    finally:
        context.close()


def test_a_donor_pays_at_the_fake_checkout_and_sees_the_gift_confirmed(
    browser_session, live_server, stripe_fake, settings
):
    stripe_fake.webhook_url = live_server.url + "/stripe/webhook/"
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    settings.SITE_URL = live_server.url  # Stripe sends the donor back to the site's address
    # Our CSP lets forms lead only to this site and checkout.stripe.com; the fake lives on
    # another local port, so this one walk-through runs with CSP bypassed.
    context = browser_session.browser.new_context(
        viewport={"width": 390, "height": 844}, bypass_csp=True
    )
    page = context.new_page()
    try:
        page.goto(live_server.url + "/donate/")
        page.get_by_text("£10", exact=True).click()
        page.locator("#id_name").fill("Sam Patel")
        page.locator("#id_email").fill("sam@example.org")
        page.locator("#donate-submit").click()
        page.wait_for_url(stripe_fake.url + "/pay/**")
        assert "Pay £10.00 as sam@example.org" in page.content()
        page.get_by_role("button", name="Pay").click()
        page.wait_for_url(live_server.url + "/donate/thanks/")

        assert "Your gift of £10 has been received" in page.locator("main").inner_text()
        assert "£10 raised of £13,000 from 1 donor" in page.locator("main").inner_text()
    finally:
        context.close()
    donation = Donation.objects.get()
    assert donation.status == Donation.Status.RECEIVED
