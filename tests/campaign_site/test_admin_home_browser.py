"""The admin home and a new session's page as an organiser and a superuser see them, in
Chromium at phone and laptop sizes: nothing scrolls sideways, the campaign comes first."""

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone
from playwright.sync_api import expect

from events.models import Event
from tests.events.factories import EventFactory, RsvpFactory
from tests.support.admin import sign_in_browser_with_two_factor

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SIZES = [(390, 844), (1280, 800)]


def no_sideways_scroll(page, width: int) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= width


@pytest.mark.parametrize(("width", "height"), SIZES)
def test_the_admin_home_reads_like_the_campaign(browser_session, live_server, width, height):
    now = timezone.now()
    soon = EventFactory(
        title="Canvassing in Oakwood",
        starts_at=now + timedelta(days=2),
        ends_at=now + timedelta(days=2, hours=2),
    )
    RsvpFactory(event=soon)
    superuser = get_user_model().objects.create_superuser("sam", password="a-long-passphrase")
    visit = browser_session.new_page(width=width, height=height)
    page = sign_in_browser_with_two_factor(visit.page, live_server, superuser)
    try:
        page.goto(f"{live_server.url}/admin/")

        captions = page.locator("#content-main .module caption").all_text_contents()
        sections = [caption.strip() for caption in captions]
        assert sections[:5] == [
            "Sessions",
            "Updates and supporters",
            "Phonebank",
            "Donations",
            "Campaign settings and email",
        ]
        assert sections[-1] == "Security"
        expect(page.get_by_role("link", name="Authenticator apps")).to_be_visible()
        page.screenshot(path=f"test-results/org-admin-home-{width}.png", full_page=True)
        no_sideways_scroll(page, width)
        week = page.locator(".campaign-sessions")
        going = week.get_by_role("columnheader", name="Going").bounding_box()
        panel = week.bounding_box()
        assert going and panel and going["x"] + going["width"] <= panel["x"] + panel["width"]
    finally:
        page.context.close()


@pytest.mark.parametrize(("width", "height"), SIZES)
def test_a_new_session_offers_publish_beside_the_saved_message(
    browser_session, live_server, width, height
):
    from django.contrib.auth.models import Group

    organiser = get_user_model().objects.create_user("jo", is_staff=True)
    organiser.groups.add(Group.objects.get(name="Organiser"))
    visit = browser_session.new_page(width=width, height=height)
    page = sign_in_browser_with_two_factor(visit.page, live_server, organiser)
    try:
        page.goto(f"{live_server.url}/admin/events/event/add/")
        for field, value in {
            "title": "Canvassing in Littleover",
            "starts_at_0": "12/12/2026",
            "starts_at_1": "10:00",
            "ends_at_0": "12/12/2026",
            "ends_at_1": "12:30",
            "description": "We knock on doors in pairs.",
            "public_area": "Littleover, DE23",
            "place_name": "Littleover library",
            "address": "Shepherd Street, Derby",
            "postcode": "DE23 6GF",
            "contact_name": "Jo",
        }.items():
            page.locator(f"#id_{field}").fill(value)
        page.get_by_role("button", name="Save and continue editing").click()

        message = page.locator(".messagelist li")
        expect(message).to_contain_text("Saved as a draft. Publish it to put it on the calendar.")
        assert "Sequence" not in page.content()
        page.screenshot(path=f"test-results/org-session-saved-{width}.png", full_page=True)
        no_sideways_scroll(page, width)
        message.get_by_role("link", name="Publish").click()

        expect(page.get_by_role("button", name="Publish session")).to_be_visible()
        page.get_by_role("button", name="Publish session").click()
        expect(page.get_by_text("Published 1 session.")).to_be_visible()
        assert Event.objects.get().status == Event.Status.PUBLISHED
    finally:
        page.context.close()
