"""The script preview (the call sheet callers get) and the phone-call box on the join form,
in headless Chromium at phone size (390x844)."""

import os

import pytest
from django.test import Client

from tests.events.phonebank.factories import full_script
from tests.support.admin import sign_in_with_two_factor

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = os.environ.get("PHONEBANK_SCREENSHOTS", "")


def assert_page_is_clean(visit, live_server, width=390):
    page = visit.page
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert visit.foreign_requests(live_server.url) == []
    assert visit.serious_accessibility_violations() == []
    assert visit.console_errors == []


def shot(page, name):
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, f"{name}.png"), full_page=True)


def test_the_script_preview_reads_as_a_caller_sees_it(browser_page, live_server, django_user_model):
    script = full_script()
    organiser = django_user_model.objects.create_superuser("boss", "boss@example.org", "x")
    client = sign_in_with_two_factor(Client(), organiser)
    page = browser_page.page
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )

    page.goto(f"{live_server.url}/admin/phonebank/script/{script.pk}/preview/")

    assert page.get_by_role("link", name="Call 07700 900123").get_attribute("href") == (
        "tel:+447700900123"
    )
    assert page.get_by_text("Hello, is that Sam? I'm a volunteer.").is_visible()
    assert page.get_by_role("radio", name="Don't call again").is_visible()
    assert page.get_by_role("group", name="How do you plan to vote?").is_visible()
    assert page.get_by_text("Only if they said yes to noting their answer.").is_visible()
    assert page.get_by_label("When should we call back?").is_visible()
    shot(page, "script-preview")
    assert_page_is_clean(browser_page, live_server)


def test_the_phone_call_box_on_the_join_form(browser_page, live_server):
    page = browser_page.page
    page.goto(live_server.url + "/join/")
    page.get_by_label("Email address").fill("kim@example.org")
    page.get_by_label("Campaign updates").check()
    page.get_by_text("Add your name, postcode or phone (optional)").click()
    box = page.get_by_label("The campaign may phone me about the election")
    assert not box.is_checked()
    box.check()
    page.get_by_role("button", name="Join the list").click()
    page.wait_for_load_state()

    assert page.get_by_text("Add your phone number, or untick this box.").is_visible()
    shot(page, "join-phone-box")
    assert_page_is_clean(browser_page, live_server)
