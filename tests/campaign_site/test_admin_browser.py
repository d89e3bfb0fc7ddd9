"""Organisers in admin, in Chromium at phone size: what they type and what they can open."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from playwright.sync_api import expect

from campaign_site.core.models import CampaignSettings
from tests.support.admin import sign_in_browser_with_two_factor

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def staff(role: str, username: str = "jo"):
    user = get_user_model().objects.create_user(
        username=username, password="a-long-passphrase", is_staff=True
    )
    user.groups.add(Group.objects.get(name=role))
    return user


def test_an_organiser_sets_the_target_in_pounds(browser_page, live_server):
    from campaign_site.core.selectors import campaign_settings_get

    campaign_settings_get()  # the row, should an earlier test have flushed the tables
    page = sign_in_browser_with_two_factor(browser_page.page, live_server, staff("Organiser"))
    page.goto(f"{live_server.url}/admin/campaign_site/campaignsettings/1/change/")

    target = page.get_by_label("Fundraising target (£)")
    expect(target).to_have_value("13,000")
    target.fill("13k")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(
        page.get_by_text("Enter an amount in pounds, such as 13,000 or 13000.50.")
    ).to_be_visible()
    expect(page.get_by_label("Fundraising target (£)")).to_have_value("13k")
    page.get_by_label("Fundraising target (£)").scroll_into_view_if_needed()
    page.screenshot(path="test-results/admin-target-error.png")
    assert CampaignSettings.objects.get().target_pence == 1_300_000

    page.get_by_label("Fundraising target (£)").fill("£20,000")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_text("was changed successfully")).to_be_visible()

    assert CampaignSettings.objects.get().target_pence == 2_000_000
    page.goto(f"{live_server.url}/")
    expect(page.get_by_text("raised of £20,000")).to_be_visible()


def test_a_set_up_link_opened_before_signing_in_still_sets_up_two_factor(browser_page, live_server):
    from django.urls import reverse
    from django_otp.oath import totp
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from campaign_site.core.two_factor import two_factor_enrolment_token

    sam = staff("Organiser", username="sam")
    link = reverse("admin:two_factor_setup_with_link", args=[two_factor_enrolment_token(user=sam)])
    page = browser_page.page

    page.goto(live_server.url + link)  # from an email, in a browser that is not signed in
    page.get_by_label("Username").fill("sam")
    page.get_by_label("Password").fill("a-long-passphrase")
    page.get_by_role("button", name="Log in").click()

    expect(page.get_by_role("img", name="QR code to add this site")).to_be_visible()
    assert page.url == live_server.url + link
    page.screenshot(path="test-results/admin-two-factor-setup.png")
    device = TOTPDevice.objects.get(user=sam, confirmed=False)
    code = f"{totp(device.bin_key, step=device.step, digits=device.digits):06d}"
    page.get_by_label("6-digit code from your authenticator app").fill(code)
    page.get_by_role("button", name="Confirm and continue").click()
    expect(page.get_by_role("heading", name="Your backup codes")).to_be_visible()
    page.get_by_role("link", name="I have saved them: continue").click()

    expect(page.get_by_role("heading", name="Run the campaign")).to_be_visible()
    device.refresh_from_db()
    assert device.confirmed


@pytest.fixture
def activity():
    from datetime import timedelta

    from django.utils import timezone

    from donations.models import Donation, Donor
    from tests.events.factories import EventFactory, RsvpFactory
    from volunteers.models import Supporter

    now = timezone.now()
    Supporter.objects.create(email="one@example.org", confirmed_at=now)
    soon = EventFactory(
        title="Canvassing in Oakwood",
        starts_at=now + timedelta(days=2),
        ends_at=now + timedelta(days=2, hours=2),
    )
    RsvpFactory(event=soon)
    Donation.objects.create(
        donor=Donor.objects.create(email="d@example.org"),
        amount_pence=7_500,
        name="Dee Donor",
        email="d@example.org",
        address_line1="1 Kedleston Road",
        town="Derby",
        postcode="DE22 1GB",
        permissible_source=Donation.Source.ELECTOR,
        declared_at=now,
        status=Donation.Status.RECEIVED,
        received_pence=7_500,
        first_received_at=now,
        check_status=Donation.Check.TO_CHECK,
        check_deadline=now + timedelta(days=30),
    )


@pytest.mark.parametrize(
    ("role", "panels"),
    [
        ("Organiser", ["Mailing list", "Sessions in the next 7 days", "Where people came from"]),
        ("Agent", ["Money", "Where people came from"]),
        ("Data manager", ["Mailing list", "Sessions in the next 7 days"]),
    ],
)
def test_every_link_on_the_dashboard_opens_for_the_person_who_sees_it(
    browser_page, live_server, activity, role, panels
):
    page = sign_in_browser_with_two_factor(browser_page.page, live_server, staff(role))
    page.goto(f"{live_server.url}/admin/")
    dashboard = page.locator(".campaign-dashboard")
    assert dashboard.locator("h2").all_inner_texts() == panels
    links = {
        link.inner_text(): link.get_attribute("href")
        for link in dashboard.get_by_role("link").all()
    }
    assert links  # each role has somewhere to go from its panels
    page.screenshot(path=f"test-results/admin-dashboard-{role.lower().replace(' ', '-')}.png")

    for text, href in links.items():
        response = page.goto(live_server.url + href)
        assert response.status == 200, (role, text, href, response.status)
