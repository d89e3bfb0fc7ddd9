"""A first-time caller on a phone (headless Chromium, 390x844), from the link in their real
confirmation email (sent by the Celery worker to the SMTP server) to the how-to, the practice
call, three real calls with different results and "I'm done for today"."""

import re
from datetime import time, timedelta

import pytest
from django.utils import timezone

from events.models import Event
from events.phonebank.hours import phonebank_settings_get
from events.phonebank.models import (
    CallAssignment,
    CallRecord,
    CallResult,
    NumberShown,
    OpinionAnswer,
)
from events.phonebank.services import call_list_create, phonebank_settings_update
from tests.events.factories import EventFactory
from tests.events.phonebank.factories import AssignmentFactory, ContactFactory, full_script

pytestmark = [pytest.mark.browser, pytest.mark.services, pytest.mark.django_db(transaction=True)]

CALLING_LINK = re.compile(r"https?://[^/\s]+(/events/calling/[^/\s]+/)")


def assert_page_is_clean(visit, live_server, width=390):
    page = visit.page
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert visit.foreign_requests(live_server.url) == []
    assert visit.serious_accessibility_violations() == []
    assert visit.console_errors == []


@pytest.fixture
def phonebank():
    hours = phonebank_settings_get()  # around the clock, so the test runs at any hour
    hours.weekday_opens = hours.sunday_opens = time(0)
    hours.weekday_closes = hours.sunday_closes = time(23, 59, 59, 999999)
    phonebank_settings_update(phonebank_settings=hours)
    now = timezone.now()
    event = EventFactory(
        phonebank=True,
        title="Evening phonebank",
        slug="evening-phonebank",
        starts_at=now - timedelta(minutes=10),
        ends_at=now + timedelta(hours=2),
        status=Event.Status.PUBLISHED,
        contact_email="jo@example.org",
    )
    call_list = call_list_create(name="Allestree", script=full_script(), sessions=[event])
    for n, name in enumerate(["Priya", "Dev", "Margaret", "Tom"]):
        AssignmentFactory(
            call_list=call_list,
            contact=ContactFactory(first_name=name, phone=f"+447700900{100 + n}"),
            next_try_at=now - timedelta(minutes=30 - n),
        )
    return event


def panel(page):
    """The step the caller is on (one at a time with JavaScript)."""
    return page.locator("[data-panel]:visible")


def next_step(page):
    panel(page).get_by_role("button", name="Next").click()


def test_a_first_time_caller_from_the_email_to_done_for_today(
    worker, mailbox, browser_page, live_server, phonebank
):
    page = browser_page.page
    page.goto(f"{live_server.url}/events/{phonebank.slug}/")
    page.get_by_role("link", name="Sign up", exact=True).click()
    form = page.locator("section.rsvp-box")
    form.get_by_label("First name").fill("Robin")
    form.get_by_label("Email").fill("robin@example.org")
    form.get_by_role("button", name="Sign up for this session").click()
    page.wait_for_load_state()

    [email] = mailbox.wait_for(1)
    assert email.rcpt_tos == ["robin@example.org"]
    assert "Your calling screen" in email.text and "Open my calling screen" in email.html
    path = CALLING_LINK.search(email.text).group(1)
    assert path in email.html

    # How it works, then the practice call: the list's real script, nothing saved.
    page.goto(live_server.url + path)
    assert page.get_by_role("heading", level=1, name="How calling works").is_visible()
    assert page.get_by_text("do not withhold it (no 141)").is_visible()
    assert_page_is_clean(browser_page, live_server)
    page.get_by_role("link", name="Try a practice call").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", level=1, name="Alex").is_visible()
    assert_page_is_clean(browser_page, live_server)
    page.get_by_label("Spoke to them").check()
    next_step(page)
    assert panel(page).get_by_role("heading", name="Say this first").is_visible()
    next_step(page)
    assert panel(page).get_by_text("Hello, is that Alex?").is_visible()
    next_step(page)
    next_step(page)
    page.get_by_label("No", exact=True).check()  # no agreement: the vote question is skipped
    next_step(page)
    assert panel(page).get_by_text("Could you help?").is_visible()
    assert_page_is_clean(browser_page, live_server)
    page.get_by_label("Leaflets").check()
    next_step(page)
    next_step(page)  # the note
    next_step(page)  # the volunteer's email, left blank
    assert panel(page).get_by_text("How the call went: Spoke to them.").is_visible()
    page.get_by_role("button", name="Finish the practice call").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", level=1, name="Practice call done").is_visible()
    assert page.get_by_text("Leaflets").is_visible()
    assert_page_is_clean(browser_page, live_server)
    assert CallRecord.objects.count() == 0 and NumberShown.objects.count() == 0

    # Call 1: no answer.
    page.get_by_role("button", name="Start real calls").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", level=1, name="Priya").is_visible()
    assert page.get_by_role("link", name="Call 07700 900100").get_attribute("href") == (
        "tel:+447700900100"
    )
    assert page.get_by_text("Kept for you for 15 more minutes").is_visible()
    assert_page_is_clean(browser_page, live_server)
    page.get_by_label("No answer").check()
    next_step(page)
    page.get_by_role("button", name="Save and continue").click()
    page.wait_for_load_state()
    assert page.get_by_text("Saved: Priya, No answer.").is_visible()
    assert page.get_by_role("heading", level=1, name="Ready for the next call?").is_visible()
    assert_page_is_clean(browser_page, live_server)

    # Call 2: a conversation, with agreement to note how they will vote.
    page.get_by_role("button", name="Next call").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", level=1, name="Dev").is_visible()
    page.get_by_label("Spoke to them").check()
    for _ in range(4):  # result, privacy line, two steps to read
        next_step(page)
    page.get_by_label("Yes", exact=True).check()
    next_step(page)
    assert panel(page).get_by_text("How do you plan to vote?").is_visible()
    page.get_by_label("Chris").check()
    next_step(page)
    page.get_by_label("No (then end the call)").check()
    next_step(page)  # the script ends: straight to the volunteer's email
    assert panel(page).get_by_label("Their email address (optional)").is_visible()
    assert_page_is_clean(browser_page, live_server)
    next_step(page)
    page.get_by_role("button", name="Save and continue").click()
    page.wait_for_load_state()
    assert page.get_by_text("Saved: Dev, Spoke to them.").is_visible()

    # Call 3: call back later, at a time they chose.
    page.get_by_role("button", name="Next call").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", level=1, name="Margaret").is_visible()
    page.get_by_label("Call back later").check()
    next_step(page)
    assert page.get_by_text("Say when to call them back.").is_visible()
    callback = (timezone.localtime() + timedelta(days=2)).replace(hour=18, minute=30)
    page.get_by_label("When should we call back? (UK time)").fill(f"{callback:%Y-%m-%dT%H:%M}")
    next_step(page)
    page.get_by_role("button", name="Save and continue").click()
    page.wait_for_load_state()
    assert page.get_by_text("Saved: Margaret, Call back later").is_visible()
    recent = page.locator(".recent-list li > span")
    assert recent.all_inner_texts() == [
        "Margaret: Call back later",
        "Dev: Spoke to them",
        "Priya: No answer",
    ]
    assert page.get_by_role("link", name="Change the result for Dev").is_visible()
    assert_page_is_clean(browser_page, live_server)

    # The next contact is held, then handed back: done for today.
    page.get_by_role("button", name="Next call").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", level=1, name="Tom").is_visible()
    page.get_by_role("button", name="I'm done for today").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", level=1, name="Thank you, Robin!").is_visible()
    assert_page_is_clean(browser_page, live_server)

    results = list(CallRecord.objects.order_by("recorded_at").values_list("result", flat=True))
    assert results == [CallResult.NO_ANSWER, CallResult.SPOKE, CallResult.CALL_BACK]
    assert list(OpinionAnswer.objects.values_list("value", flat=True)) == ["Chris"]
    assert CallRecord.objects.get(result=CallResult.CALL_BACK).callback_at == callback.replace(
        second=0, microsecond=0
    )
    assert not CallAssignment.objects.filter(status=CallAssignment.Status.HELD).exists()
