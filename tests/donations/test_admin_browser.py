"""The agent in admin, in Chromium at phone size: find a gift, return it, see it as returned."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from playwright.sync_api import expect

from donations.models import Donation
from tests.donations.helpers import paid_gift
from tests.support.admin import sign_in_browser_with_two_factor

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_agent_finds_a_gift_by_postcode_returns_it_by_cheque_and_sees_nothing_kept(
    browser_page, live_server, client, stripe_fake
):
    gift = paid_gift(client, 6_000, name="Rob Owen", postcode="DE1 2AB")
    paid_gift(client, 7_000, name="Ann Other", email="ann@example.org", postcode="DE12 3AD")
    agent = get_user_model().objects.create_user(username="agent", is_staff=True)
    agent.groups.add(Group.objects.get(name="Agent"))
    page = sign_in_browser_with_two_factor(browser_page.page, live_server, agent)

    page.goto(f"{live_server.url}/admin/")
    page.get_by_role("link", name="2 gifts over £50 waiting for checks").click()
    page.locator("#searchbar").fill("de1 2")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_role("link", name=f"D{gift.pk}", exact=True)).to_be_visible()
    expect(page.get_by_text("Ann Other")).to_have_count(0)
    page.get_by_role("link", name=f"D{gift.pk}", exact=True).click()

    page.get_by_role("link", name="Return gift").click()
    page.get_by_label("Returned another way:").check()
    page.get_by_label("How it was returned").fill("Cheque posted 3 May")
    page.get_by_role("button", name="Return gift").click()
    expect(page.get_by_text(f"D{gift.pk} returned: Cheque posted 3 May.")).to_be_visible()

    page.goto(f"{live_server.url}/admin/donations/donation/?q=Rob+Owen")
    row = page.locator("#result_list tbody tr")
    expect(row.locator(".field-status_shown")).to_have_text("Returned another way")
    expect(row.locator(".field-kept")).to_have_text("£0")
    page.screenshot(path="test-results/admin-gift-returned.png")
    gift.refresh_from_db()
    assert gift.check_status == Donation.Check.RETURNED and gift.kept_pence == 0
    page.goto(f"{live_server.url}/admin/")
    expect(page.get_by_text("£70 raised of £13,000 from 1 donor")).to_be_visible()
