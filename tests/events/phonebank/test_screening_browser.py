"""A screened constituents' list whose TPS check is over 28 days old, at phone size in
headless Chromium (390x844): the caller is told why there is nobody to call, and the
organiser's call list page says what to do."""

import os
from datetime import time, timedelta

import pytest
from django.conf import settings
from django.utils import timezone
from playwright.sync_api import expect

from events.models import Event
from events.phonebank.hours import phonebank_settings_get
from events.phonebank.models import CallList, CallResult
from events.phonebank.screening import STALE
from events.phonebank.services import (
    call_list_create,
    call_result_record,
    contact_claim_next,
    phonebank_settings_update,
)
from events.phonebank.services.screening import screening_file_load
from events.phonebank.tokens import caller_url
from tests.events.factories import EventFactory, RsvpFactory
from tests.events.phonebank.factories import AssignmentFactory, ContactFactory, full_script
from tests.support.admin import sign_in_browser_with_two_factor

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = os.environ.get("PHONEBANK_SCREENSHOTS", "")


def shot(page, name):
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, f"{name}.png"), full_page=True)


def assert_page_is_clean(visit, live_server, width=390):
    page = visit.page
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert visit.foreign_requests(live_server.url) == []
    assert visit.serious_accessibility_violations() == []
    assert visit.console_errors == []


@pytest.fixture
def stale_list():
    hours = phonebank_settings_get()  # around the clock, so the test runs at any hour
    hours.weekday_opens = hours.sunday_opens = time(0)
    hours.weekday_closes = hours.sunday_closes = time(23, 59, 59, 999999)
    phonebank_settings_update(phonebank_settings=hours)
    now = timezone.now()
    event = EventFactory(
        phonebank=True,
        title="Evening phonebank",
        starts_at=now - timedelta(minutes=10),
        ends_at=now + timedelta(hours=2),
        status=Event.Status.PUBLISHED,
    )
    call_list = call_list_create(
        name="Allestree constituents",
        script=full_script(),
        sessions=[event],
        basis=CallList.Basis.SCREENED,
    )
    for kind in ("tps", "ctps"):
        screening_file_load(kind=kind, lines=["01332 000001"], now=now - timedelta(days=1))
    for n, name in enumerate(["Priya", "Dev"]):
        AssignmentFactory(
            call_list=call_list,
            contact=ContactFactory(
                first_name=name, phone=f"+44770090010{n}", consent_text="", consent_at=None
            ),
        )
    # A caller who has called before, so the screen opens at "Ready for the next call?".
    caller = RsvpFactory(event=event, first_name="Sam")
    held = contact_claim_next(caller=caller, call_list=call_list, now=now)
    call_result_record(caller=caller, assignment=held, result=CallResult.SPOKE, now=now)
    # Then the files in force turn out to be 29 days old.
    for kind in ("tps", "ctps"):
        screening_file_load(kind=kind, lines=["01332 000001"], now=now - timedelta(days=29))
    return call_list, caller


def test_a_stale_list_tells_the_caller_why_and_the_organiser_what_to_do(
    browser_page, live_server, stale_list, django_user_model
):
    call_list, caller = stale_list
    page = browser_page.page
    page.goto(live_server.url + caller_url(caller).removeprefix(settings.SITE_URL))
    page.get_by_role("button", name="Next call").click()

    expect(page.get_by_role("alert").filter(has_text=STALE)).to_be_visible()
    shot(page, "tps-caller-stale")
    assert_page_is_clean(browser_page, live_server)

    organiser = django_user_model.objects.create_superuser("boss", "boss@example.org", "x")
    sign_in_browser_with_two_factor(page, live_server, organiser)
    page.goto(f"{live_server.url}/admin/phonebank/calllist/{call_list.pk}/change/")
    alert = page.get_by_role("alert").filter(has_text=STALE)
    assert alert.is_visible()
    assert "over 28 days ago" in alert.inner_text()
    basis = "Basis for calling: Constituents, screened against the TPS"
    assert page.get_by_text(basis).is_visible()
    shot(page, "tps-admin-call-list")

    page.get_by_role("link", name="TPS screening files").click()
    page.wait_for_url("**/admin/phonebank/screeningfile/")
    expect(page.get_by_role("alert").filter(has_text=STALE)).to_be_visible()
    assert page.get_by_role("link", name="Upload a TPS or Corporate TPS file").is_visible()
    shot(page, "tps-admin-screening-files")
