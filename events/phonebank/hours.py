"""When the caller's screen is open: from 30 minutes before a phonebank session until it
ends, and only within the campaign's calling hours (UK time, set in admin). Calls close at
the end of calling hours or of the session, whichever is first; the last new call starts
five minutes before that, and no contact is held past it.

Pure functions of a session, the hours and a moment, so every edge (a session running past
the end of calling hours, a Sunday, the clocks changing) is tested without a clock.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
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
# No new call starts this close to the moment calls close (calling hours or the session's
# end): the last contact is given out by 19:55 for a 20:00 close, and its hold ends at 20:00.
LAST_CALLS_BEFORE_CLOSE = timedelta(minutes=5)


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
    # When OPEN, and in the last minutes or after calls closed today: the moment calls
    # close (calling hours' end or the session's, whichever comes first). No hold runs
    # past it.
    closes_at: datetime | None = None

    @property
    def is_open(self) -> bool:
        return self.state == WindowState.OPEN

    @property
    def last_calls_by(self) -> datetime | None:
        """The last moment a new contact is given out, before `closes_at`."""
        return None if self.closes_at is None else self.closes_at - LAST_CALLS_BEFORE_CLOSE


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


def _calls_close(hours: PhonebankSettings, day: date, end: datetime) -> datetime:
    """When calls that are on during `day` close: calling hours' end, or `end` if sooner.
    Hours that run to midnight and start again at midnight do not close in between."""
    _, closes = _hours_interval(hours, day)
    while closes < end:
        midnight = datetime.combine(day + timedelta(days=1), time(0), tzinfo=LONDON)
        opens_next, closes_next = _hours_interval(hours, day + timedelta(days=1))
        if closes < midnight - timedelta(milliseconds=1) or opens_next != midnight:
            break
        day, closes = day + timedelta(days=1), closes_next
    return min(closes, end)


def closing_time(*, hours: PhonebankSettings, event: Event, moment: datetime) -> datetime:
    """When calls close on `moment`'s day: calling hours' end or the session's, if sooner."""
    return _calls_close(hours, moment.astimezone(LONDON).date(), event.ends_at)


def next_opening(*, hours: PhonebankSettings, start: datetime, end: datetime) -> datetime | None:
    """The first moment at or after `start` within calling hours when a call may start:
    before `end`, and not in the last minutes before calls close."""
    day = start.astimezone(LONDON).date()
    last = end.astimezone(LONDON).date()
    while day <= last:
        opens, _ = _hours_interval(hours, day)
        moment = max(opens, start)
        if moment < _calls_close(hours, day, end) - LAST_CALLS_BEFORE_CLOSE:
            return moment
        day += timedelta(days=1)
    return None


def calling_window(*, event: Event, hours: PhonebankSettings, now: datetime) -> CallingWindow:
    screen_opens = event.starts_at - OPENS_BEFORE
    grace = now < event.ends_at + RESULTS_GRACE
    if now >= event.ends_at:
        return CallingWindow(WindowState.OVER, None, False, grace)
    screen_open = now >= screen_opens
    closes_at = closing_time(hours=hours, event=event, moment=now)
    if screen_open and within_hours(hours=hours, moment=now):
        if now < closes_at - LAST_CALLS_BEFORE_CLOSE:
            return CallingWindow(WindowState.OPEN, None, False, True, closes_at)
        # The last minutes before calls close: no new contacts, the call on may be saved.
        opens_at = next_opening(hours=hours, start=closes_at, end=event.ends_at)
        state = WindowState.NOT_YET if opens_at is not None else WindowState.OVER
        return CallingWindow(state, opens_at, closes_at < event.ends_at, True, closes_at)
    if not (screen_open and now >= closes_at):
        closes_at = None  # calls have not closed today: it is before they open
    opens_at = next_opening(hours=hours, start=max(now, screen_opens), end=event.ends_at)
    if opens_at is None:
        return CallingWindow(WindowState.OVER, None, screen_open, grace and screen_open, closes_at)
    return CallingWindow(WindowState.NOT_YET, opens_at, screen_open, screen_open, closes_at)


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


def window_open_text(window: CallingWindow) -> str:
    """'Calls close at 20:00.' while contacts are given out (UK time)."""
    if not window.is_open or window.closes_at is None:
        return ""
    return f"Calls close at {window.closes_at.astimezone(LONDON):%H:%M}."


def window_closed_text(window: CallingWindow) -> str:
    """'Calling has closed for today: the last calls start by 19:55.' once no more calls
    start today (in the last minutes before the close, or after it); '' otherwise."""
    if window.is_open or window.last_calls_by is None:
        return ""
    last = f"{window.last_calls_by.astimezone(LONDON):%H:%M}"
    if window.outside_hours:
        return f"Calling has closed for today: the last calls start by {last}."
    return f"Calling for this session has closed: the last calls start by {last}."
