"""The caller's screen: the calling window around the session, then the calling services.

A caller is given contacts only while their session's screen is open (from 30 minutes
before it until it ends) and within calling hours, the last five minutes before calls
close excepted, and holds them no later than the close; they may save the result of the call
they were on, or correct one of their last three, for a while after that. A contact who
would like to help and gives an email address gets the mailing list's own sign-up email
(double opt-in): nobody joins without confirming themselves.
"""

from collections.abc import Mapping, Sequence
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from events.models import Rsvp
from events.phonebank.hours import (
    calling_window,
    phonebank_settings_get,
    when_text,
    window_closed_text,
)
from events.phonebank.models import CallAssignment, CallRecord, PhonebankSettings
from events.phonebank.screening import STALE, screening_status
from events.phonebank.selectors import session_open_call_lists
from events.phonebank.services.calling import call_result_change, call_result_record
from events.phonebank.services.claim import contact_claim_next
from events.phonebank.services.errors import CallerNotAllowed
from volunteers.models import Supporter
from volunteers.services import supporter_subscribe

NO_LIST = (
    "No call list is open for this session yet. The organiser sets one up: try again in "
    "a few minutes, or ask them."
)
OVER = "This session's calling is over, so no more contacts are given out. Thank you!"
SAVING_OVER = "It is too late to save or change results for this session."


def _window(caller: Rsvp, now: datetime, hours: PhonebankSettings | None):
    return calling_window(event=caller.event, hours=hours or phonebank_settings_get(), now=now)


def caller_claim(
    *, caller: Rsvp, hours: PhonebankSettings | None = None, now: datetime | None = None
) -> CallAssignment | None:
    """The contact this caller is to call now, from their session's open call lists, held
    for them for 15 minutes (the one they already hold, if any: results come first).
    None when nobody is left to call now. Raises CallerNotAllowed outside the calling
    window, when no list is open, or when nobody could be given because a screened list's
    TPS screening is too old (screening.STALE). `hours`: the settings row, if the caller has it."""
    now = now or timezone.now()
    window = _window(caller, now, hours)
    if not window.is_open:
        closed = window_closed_text(window)
        if window.opens_at is not None:
            opens = f"Calling opens at {when_text(window.opens_at, now=now)}."
            raise CallerNotAllowed(f"{closed} {opens}" if closed else opens)
        raise CallerNotAllowed(closed or OVER)
    # Who may call (going, not suspended) is checked by contact_claim_next itself.
    lists = list(session_open_call_lists(event_id=caller.event_id))
    if not lists:
        raise CallerNotAllowed(NO_LIST)
    for call_list in lists:
        assignment = contact_claim_next(
            caller=caller, call_list=call_list, closes_at=window.closes_at, now=now
        )
        if assignment is not None:
            return assignment
    if any(call_list.is_screened for call_list in lists) and not screening_status(now=now).is_fresh:
        raise CallerNotAllowed(f"{STALE} Please tell the organiser.")
    return None


@transaction.atomic
def caller_result_save(
    *,
    caller: Rsvp,
    assignment: CallAssignment,
    result: str,
    answers: Mapping[int, str | Sequence[str]] | None = None,
    callback_at: datetime | None = None,
    notes: str = "",
    volunteer_email: str = "",
    hours: PhonebankSettings | None = None,
    now: datetime | None = None,
) -> CallRecord:
    """Save how the call went (see call_result_record) and, when the person would like to
    help and gave an email address, send them the mailing list's confirmation email."""
    now = now or timezone.now()
    if not _window(caller, now, hours).can_save_results:
        raise CallerNotAllowed(SAVING_OVER)
    record = call_result_record(
        caller=caller,
        assignment=assignment,
        result=result,
        answers=answers,
        notes=notes,
        callback_at=callback_at,
        now=now,
    )
    if volunteer_email:
        supporter_subscribe(
            email=volunteer_email,
            source=Supporter.Source.JOIN,
            page=f"Phonebank call: {caller.event.title}"[:200],
            name=record.contact.first_name,
            wants_updates=True,
            wants_canvass_alerts=True,
            wants_phonebank_alerts=True,
        )
    return record


def caller_result_correct(
    *,
    caller: Rsvp,
    record: CallRecord,
    result: str,
    answers: Mapping[int, str | Sequence[str]] | None = None,
    notes: str = "",
    callback_at: datetime | None = None,
    hours: PhonebankSettings | None = None,
    now: datetime | None = None,
) -> CallRecord:
    """Change one of the caller's last three results (see call_result_change)."""
    now = now or timezone.now()
    if not _window(caller, now, hours).can_save_results:
        raise CallerNotAllowed(SAVING_OVER)
    return call_result_change(
        caller=caller,
        record=record,
        result=result,
        answers=answers,
        notes=notes,
        callback_at=callback_at,
        now=now,
    )
