"""When the caller's screen is open: from 30 minutes before a phonebank session until it
ends, and only within the campaign's calling hours (UK time, set in admin).

Pure functions of a session, the hours and a moment, so every edge (a session running past
the end of calling hours, a Sunday, the clocks changing) is tested without a clock.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import Enum

from django.core.cache import cache

from events.ics import LONDON
from events.models import Event
from events.phonebank.models import PhonebankSettings

# The screen opens this long before the session, for the how-to and the practice call.
OPENS_BEFORE = timedelta(minutes=30)
# After the session (or calling hours) end, a caller may still save the result of the
# call they were on, and correct their last three, for this long. No new contacts.
RESULTS_GRACE = timedelta(hours=1)


class WindowState(Enum):
    OPEN = "open"  # contacts may be given out now
    NOT_YET = "not_yet"  # opens later (before the session, or outside calling hours)
    OVER = "over"  # the session has ended, or no calling hours are left in it


@dataclass(frozen=True)
class CallingWindow:
    state: WindowState
    opens_at: datetime | None  # when NOT_YET: the moment calling opens
    outside_hours: bool  # the session is on, but calling hours are not
    can_save_results: bool  # a caller may still save a result or correct one

    @property
    def is_open(self) -> bool:
        return self.state == WindowState.OPEN


# Every request of the caller's screen reads the row; phonebank_settings_update forgets it.
SETTINGS_CACHE_KEY = "phonebank-settings:v1"


def phonebank_settings_get() -> PhonebankSettings:
    """The one settings row (created with the defaults on first use), cached."""
    hours = cache.get(SETTINGS_CACHE_KEY)
    if hours is None:
        hours, _ = PhonebankSettings.objects.get_or_create(pk=1)
        cache.set(SETTINGS_CACHE_KEY, hours, timeout=None)
    return hours


def _hours_interval(hours: PhonebankSettings, day: date) -> tuple[datetime, datetime]:
    opens, closes = hours.hours_on(day)
    return (
        datetime.combine(day, opens, tzinfo=LONDON),
        datetime.combine(day, closes, tzinfo=LONDON),
    )


def within_hours(*, hours: PhonebankSettings, moment: datetime) -> bool:
    local = moment.astimezone(LONDON)
    opens, closes = _hours_interval(hours, local.date())
    return opens <= local < closes


def next_opening(*, hours: PhonebankSettings, start: datetime, end: datetime) -> datetime | None:
    """The first moment at or after `start`, and before `end`, within calling hours."""
    day = start.astimezone(LONDON).date()
    last = end.astimezone(LONDON).date()
    while day <= last:
        opens, closes = _hours_interval(hours, day)
        moment = max(opens, start)
        if moment < closes and moment < end:
            return moment
        day += timedelta(days=1)
    return None


def calling_window(*, event: Event, hours: PhonebankSettings, now: datetime) -> CallingWindow:
    screen_opens = event.starts_at - OPENS_BEFORE
    grace = now < event.ends_at + RESULTS_GRACE
    if now >= event.ends_at:
        return CallingWindow(WindowState.OVER, None, False, grace)
    if now >= screen_opens and within_hours(hours=hours, moment=now):
        return CallingWindow(WindowState.OPEN, None, False, True)
    opens_at = next_opening(hours=hours, start=max(now, screen_opens), end=event.ends_at)
    outside_hours = now >= screen_opens
    if opens_at is None:
        return CallingWindow(WindowState.OVER, None, outside_hours, grace and outside_hours)
    return CallingWindow(WindowState.NOT_YET, opens_at, outside_hours, outside_hours)


def when_text(moment: datetime, *, now: datetime) -> str:
    """'18:30 today', '10:00 tomorrow', '12:00 on Sunday 6 December' (UK time)."""
    local, today = moment.astimezone(LONDON), now.astimezone(LONDON).date()
    clock = f"{local:%H:%M}"
    days = (local.date() - today).days
    if days == 0:
        return f"{clock} today"
    if days == 1:
        return f"{clock} tomorrow"
    return f"{clock} on {local:%A} {local.day} {local:%B}"
