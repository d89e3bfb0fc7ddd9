"""The demo sessions `make run` adds: four weeks of them, none over Christmas and New Year."""

import io
from datetime import date, timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from events.management.commands.demo_events import demo_schedule
from events.models import Event

HOLIDAYS = ["24 Dec", "25 Dec", "26 Dec", "31 Dec", "01 Jan"]


def test_run_in_december_the_demo_leaves_out_the_holidays():
    days = [f"{s.starts_at:%a %d %b}" for s in demo_schedule(date(2026, 12, 8))]

    assert days == [
        "Sat 12 Dec", "Sun 13 Dec", "Tue 15 Dec", "Thu 17 Dec",
        "Sat 19 Dec", "Sun 20 Dec", "Tue 22 Dec",  # Thu 24 Dec left out
        "Sun 27 Dec", "Tue 29 Dec",  # Sat 26 Dec and Thu 31 Dec left out
        "Sat 02 Jan", "Sun 03 Jan", "Tue 05 Jan", "Thu 07 Jan",
    ]  # fmt: skip


@pytest.mark.parametrize("offset", range(0, 60))
def test_whatever_the_day_no_demo_session_falls_on_a_holiday(offset):
    today = date(2026, 11, 15) + timedelta(days=offset)

    schedule = demo_schedule(today)

    assert not [s for s in schedule if f"{s.starts_at:%d %b}" in HOLIDAYS]
    assert len(schedule) >= 12  # most of four weeks, whatever is left out
    assert all(today < s.starts_at.date() <= today + timedelta(weeks=5) for s in schedule)


@pytest.mark.django_db
def test_the_command_adds_no_session_on_a_holiday():
    call_command("demo_events", stdout=io.StringIO())

    starts = Event.objects.values_list("starts_at", flat=True)
    assert starts and not [s for s in starts if f"{timezone.localtime(s):%d %b}" in HOLIDAYS]
