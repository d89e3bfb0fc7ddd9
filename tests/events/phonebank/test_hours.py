"""When the caller's screen opens: 30 minutes before the session until it ends, within calling
hours (UK time; 10:00 to 20:00 Monday to Saturday and 12:00 to 18:00 on Sundays unless an
organiser changes them)."""

from datetime import datetime, time, timedelta

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError

from events.ics import LONDON
from events.phonebank.hours import (
    WindowState,
    calling_window,
    phonebank_settings_get,
    when_text,
    window_closed_text,
    window_open_text,
)
from events.phonebank.models import CallAssignment, CallResult, PhonebankSettings
from events.phonebank.services import (
    CallerNotAllowed,
    call_list_create,
    caller_claim,
    caller_result_save,
)
from events.phonebank.services.hours import phonebank_settings_update
from tests.events.factories import EventFactory, RsvpFactory
from tests.events.phonebank.factories import AssignmentFactory, full_script
from tests.support.admin import sign_in_with_two_factor

pytestmark = pytest.mark.django_db

# Saturday 5 and Sunday 6 December 2026; Sunday 29 March 2026 is when the clocks go forward.
SATURDAY = datetime(2026, 12, 5, tzinfo=LONDON)


def at(day: datetime, hour: int, minute: int = 0) -> datetime:
    return day.replace(hour=hour, minute=minute)


def session(starts: datetime, hours: float = 2):
    return EventFactory.build(
        phonebank=True, starts_at=starts, ends_at=starts + timedelta(hours=hours)
    )


@pytest.fixture
def hours():
    return phonebank_settings_get()


def test_the_default_hours_are_the_campaign_norm(hours):
    assert (hours.weekday_opens, hours.weekday_closes) == (time(10), time(20))
    assert (hours.sunday_opens, hours.sunday_closes) == (time(12), time(18))
    assert hours.hours_text == "10:00 to 20:00 Monday to Saturday, 12:00 to 18:00 on Sundays"


def test_the_screen_opens_30_minutes_before_the_session(hours):
    event = session(at(SATURDAY, 14))

    early = calling_window(event=event, hours=hours, now=at(SATURDAY, 13, 29))
    assert early.state == WindowState.NOT_YET
    assert early.opens_at == at(SATURDAY, 13, 30)
    assert not early.outside_hours and not early.can_save_results

    assert calling_window(event=event, hours=hours, now=at(SATURDAY, 13, 30)).is_open
    assert calling_window(event=event, hours=hours, now=at(SATURDAY, 15, 54)).is_open

    over = calling_window(event=event, hours=hours, now=at(SATURDAY, 16))
    assert over.state == WindowState.OVER and over.can_save_results  # the last result
    late = calling_window(event=event, hours=hours, now=at(SATURDAY, 17, 1))
    assert late.state == WindowState.OVER and not late.can_save_results


def test_calling_hours_cut_a_session_short_and_say_when_they_open(hours):
    evening = session(at(SATURDAY, 19), hours=2)  # 19:00 to 21:00, calls stop at 20:00

    assert calling_window(event=evening, hours=hours, now=at(SATURDAY, 19, 54)).is_open
    stopped = calling_window(event=evening, hours=hours, now=at(SATURDAY, 20))
    assert stopped.state == WindowState.OVER and stopped.outside_hours
    assert stopped.can_save_results  # the call they were on

    morning = session(at(SATURDAY, 9), hours=3)  # 09:00 to 12:00, calls from 10:00
    before = calling_window(event=morning, hours=hours, now=at(SATURDAY, 9, 15))
    assert before.state == WindowState.NOT_YET and before.outside_hours
    assert before.opens_at == at(SATURDAY, 10)


def test_no_call_starts_in_the_last_five_minutes_before_calling_hours_close(hours):
    evening = session(at(SATURDAY, 19), hours=2)  # 19:00 to 21:00, calls close at 20:00

    open_window = calling_window(event=evening, hours=hours, now=at(SATURDAY, 19, 54))
    assert open_window.is_open and open_window.closes_at == at(SATURDAY, 20)
    assert window_open_text(open_window) == "Calls close at 20:00."
    assert window_closed_text(open_window) == ""

    last_minutes = calling_window(event=evening, hours=hours, now=at(SATURDAY, 19, 55))
    assert not last_minutes.is_open and last_minutes.state == WindowState.OVER
    assert last_minutes.can_save_results  # the call they are on
    assert last_minutes.closes_at == at(SATURDAY, 20)
    closed = "Calling has closed for today: the last calls start by 19:55."
    assert window_closed_text(last_minutes) == closed
    assert window_open_text(last_minutes) == ""
    after = calling_window(event=evening, hours=hours, now=at(SATURDAY, 20, 30))
    assert window_closed_text(after) == closed


def test_no_call_starts_in_the_last_five_minutes_of_the_session(hours):
    event = session(at(SATURDAY, 14))  # 14:00 to 16:00

    assert window_open_text(calling_window(event=event, hours=hours, now=at(SATURDAY, 14))) == (
        "Calls close at 16:00."
    )
    window = calling_window(event=event, hours=hours, now=at(SATURDAY, 15, 55))
    assert window.state == WindowState.OVER and window.can_save_results
    assert window_closed_text(window) == (
        "Calling for this session has closed: the last calls start by 15:55."
    )


def test_a_screen_opening_in_the_last_minutes_of_calling_hours_never_opens(hours):
    late = session(at(SATURDAY, 20, 27), hours=1)  # the screen opens at 19:57

    window = calling_window(event=late, hours=hours, now=at(SATURDAY, 19))

    assert window.state == WindowState.OVER and window.opens_at is None


def test_hours_round_the_clock_do_not_close_at_midnight(hours):
    hours.weekday_opens = hours.sunday_opens = time(0)
    hours.weekday_closes = hours.sunday_closes = time(23, 59, 59, 999999)
    night = session(at(SATURDAY, 23), hours=2)  # until 01:00 on Sunday

    window = calling_window(event=night, hours=hours, now=at(SATURDAY, 23, 58))

    assert window.is_open
    assert window.closes_at == night.ends_at


def test_sundays_have_their_own_hours(hours):
    sunday = SATURDAY + timedelta(days=1)
    event = session(at(sunday, 11), hours=3)

    window = calling_window(event=event, hours=hours, now=at(sunday, 11, 30))

    assert window.state == WindowState.NOT_YET and window.opens_at == at(sunday, 12)
    assert calling_window(event=event, hours=hours, now=at(sunday, 12)).is_open


def test_a_session_entirely_outside_calling_hours_never_opens(hours):
    night = session(at(SATURDAY, 21), hours=1)

    window = calling_window(event=night, hours=hours, now=at(SATURDAY, 20, 45))

    assert window.state == WindowState.OVER and window.opens_at is None


def test_a_session_over_two_days_opens_again_the_next_morning(hours):
    event = session(at(SATURDAY, 19), hours=16)  # until 11:00 on Sunday, calls from 12:00

    assert calling_window(event=event, hours=hours, now=at(SATURDAY, 20)).state == WindowState.OVER
    event = session(at(SATURDAY, 19), hours=18)  # until 13:00 on Sunday
    window = calling_window(event=event, hours=hours, now=at(SATURDAY, 22))
    assert window.opens_at == at(SATURDAY + timedelta(days=1), 12)


def test_hours_are_uk_time_across_the_clock_change(hours):
    # Sunday 29 March 2026: the clocks go forward at 01:00 GMT; noon is 11:00 UTC.
    change_day = datetime(2026, 3, 29, tzinfo=LONDON)
    event = session(at(change_day, 11), hours=3)

    window = calling_window(event=event, hours=hours, now=at(change_day, 11, 30))

    assert window.opens_at.astimezone(LONDON).hour == 12
    assert window.opens_at.utcoffset() == timedelta(hours=1)


def test_organisers_change_the_hours_and_they_must_make_sense(hours):
    hours.weekday_opens, hours.weekday_closes = time(11), time(19, 30)
    phonebank_settings_update(phonebank_settings=hours)
    event = session(at(SATURDAY, 19), hours=2)
    assert not calling_window(
        event=event, hours=phonebank_settings_get(), now=at(SATURDAY, 19, 45)
    ).is_open

    hours.sunday_opens, hours.sunday_closes = time(18), time(12)
    with pytest.raises(ValidationError, match="stop after they start"):
        phonebank_settings_update(phonebank_settings=hours)
    assert PhonebankSettings.objects.get().sunday_opens == time(12)


def test_when_text_says_today_tomorrow_or_the_day():
    now = at(SATURDAY, 9)
    assert when_text(at(SATURDAY, 18, 30), now=now) == "18:30 today"
    assert when_text(at(SATURDAY + timedelta(days=1), 12), now=now) == "12:00 tomorrow"
    assert when_text(at(SATURDAY + timedelta(days=3), 10), now=now) == "10:00 on Tuesday 8 December"


def test_an_organiser_sets_the_hours_and_the_privacy_line_in_admin(client, django_user_model):
    organiser = django_user_model.objects.create_user("organiser", is_staff=True)
    organiser.groups.add(Group.objects.get(name="Organiser"))
    client = sign_in_with_two_factor(client, organiser)

    listing = client.get("/admin/phonebank/phonebanksettings/")
    assert listing.status_code == 302
    assert listing["Location"].endswith("/admin/phonebank/phonebanksettings/1/change/")
    form = client.get(listing["Location"]).content.decode()
    assert "Monday to Saturday: calls from" in form and "{candidate}" in form

    data = {
        "weekday_opens": "11:00",
        "weekday_closes": "19:30",
        "sunday_opens": "13:00",
        "sunday_closes": "12:00",
        "privacy_line": "I'm calling for {candidate}. Say stop and we stop.",
        "constituents_privacy_line": "I'm calling voters for {candidate}. Say stop.",
    }
    refused = client.post(listing["Location"], data)
    assert refused.status_code == 200
    assert "Calls must stop after they start." in refused.content.decode()
    assert phonebank_settings_get().weekday_opens == time(10)

    data["sunday_closes"] = "17:00"
    assert client.post(listing["Location"], data).status_code == 302
    saved = phonebank_settings_get()
    assert (saved.weekday_opens, saved.weekday_closes) == (time(11), time(19, 30))
    assert saved.privacy_line.startswith("I'm calling for {candidate}.")
    assert saved.constituents_privacy_line == "I'm calling voters for {candidate}. Say stop."


@pytest.fixture
def evening_list(hours):
    """A list for a session on Saturday 19:00 to 21:00 (calls close at 20:00), one contact."""
    event = EventFactory(
        phonebank=True, starts_at=at(SATURDAY, 19), ends_at=at(SATURDAY, 21), status="published"
    )
    call_list = call_list_create(name="Evening", script=full_script(), sessions=[event])
    AssignmentFactory(call_list=call_list, next_try_at=at(SATURDAY, 9), added_at=at(SATURDAY, 9))
    return RsvpFactory(event=event)


def test_a_claim_shortly_before_calls_close_is_held_only_until_they_close(evening_list):
    held = caller_claim(caller=evening_list, now=at(SATURDAY, 19, 50))

    held.refresh_from_db()
    assert held.held_until == at(SATURDAY, 20)  # not 20:05
    earlier = caller_claim(caller=evening_list, now=at(SATURDAY, 19, 40))
    earlier.refresh_from_db()
    assert earlier.pk == held.pk and earlier.held_until == at(SATURDAY, 19, 55)


def test_no_claim_starts_in_the_last_five_minutes_but_the_call_on_is_saved(evening_list):
    with pytest.raises(CallerNotAllowed, match="the last calls start by 19:55"):
        caller_claim(caller=evening_list, now=at(SATURDAY, 19, 55))
    assert not CallAssignment.objects.filter(status=CallAssignment.Status.HELD).exists()

    held = caller_claim(caller=evening_list, now=at(SATURDAY, 19, 54))
    with pytest.raises(CallerNotAllowed, match="Calling has closed for today"):
        caller_claim(caller=evening_list, now=at(SATURDAY, 19, 57))
    record = caller_result_save(
        caller=evening_list, assignment=held, result=CallResult.SPOKE, now=at(SATURDAY, 19, 59)
    )
    assert record.result == CallResult.SPOKE
