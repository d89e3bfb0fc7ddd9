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
