"""An organiser publishes a session from its own page in admin, in Chromium at phone size."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone
from playwright.sync_api import expect

from events.models import Event
from tests.events.factories import EventFactory, SupporterFactory
from tests.support.admin import sign_in_browser_with_two_factor

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def organiser():
    user = get_user_model().objects.create_user(
        username="jo", password="a-long-passphrase", is_staff=True
    )
    user.groups.add(Group.objects.get(name="Organiser"))
    return user


def test_an_organiser_publishes_a_draft_from_its_page_and_views_it_on_site(
    browser_page, live_server
):
    draft = EventFactory(status=Event.Status.DRAFT, title="Canvassing in Littleover")
    SupporterFactory(wants_canvass_alerts=True, confirmed_at=timezone.now())
    page = sign_in_browser_with_two_factor(browser_page.page, live_server, organiser())

    page.goto(f"{live_server.url}/admin/events/event/{draft.pk}/change/")
    tools = page.locator(".object-tools")
    assert tools.get_by_role("link", name="View on site").count() == 0  # a draft is not public
    tools.get_by_role("link", name="Publish").click()

    expect(page.get_by_text("1 supporter will get one email each")).to_be_visible()
    page.screenshot(path="test-results/admin-publish-confirm.png")
    draft.refresh_from_db()
    assert draft.status == Event.Status.DRAFT  # nothing happens before the confirmation
    page.get_by_role("button", name="Publish session").click()

    expect(
        page.get_by_text("Published 1 session. The new-session alert email goes out")
    ).to_be_visible()
    assert page.url == f"{live_server.url}/admin/events/event/{draft.pk}/change/"
    draft.refresh_from_db()
    assert draft.status == Event.Status.PUBLISHED
    assert tools.get_by_role("link", name="Publish").count() == 0
    page.screenshot(path="test-results/admin-published.png")
    tools.get_by_role("link", name="View on site").click()

    expect(page.get_by_role("heading", level=1, name="Canvassing in Littleover")).to_be_visible()
    assert page.url == f"{live_server.url}/events/{draft.slug}/"


def test_publishing_from_the_page_needs_the_change_permission(client):
    from tests.support.admin import sign_in_with_two_factor

    draft = EventFactory(status=Event.Status.DRAFT)
    viewer = get_user_model().objects.create_user(username="dm", password="x", is_staff=True)
    viewer.groups.add(Group.objects.get(name="Data manager"))
    sign_in_with_two_factor(client, viewer)

    page = client.get(f"/admin/events/event/{draft.pk}/change/").content.decode()
    response = client.post(f"/admin/events/event/{draft.pk}/publish/", {"apply": "1"})

    assert "/publish/" not in page
    assert response.status_code == 403
    draft.refresh_from_db()
    assert draft.status == Event.Status.DRAFT
