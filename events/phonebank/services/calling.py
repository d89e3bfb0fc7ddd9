"""Calling: a caller claims one contact at a time, records the result, and may correct
their last three results.

Locks, in one order on every path: the caller's Rsvp row (one caller's own requests run
one after another), then the assignment row and its contact's row. Claims take the
assignment and contact rows with SELECT ... FOR UPDATE SKIP LOCKED, so callers racing for
the next contact each get a different one, and a contact on two lists is never with two
callers at once (the contact row is the lock both lists share).

An assignment's state (tries, when to try next, finished or not) is always worked out
again from all its call records, in order: recording a result and changing one are the
same computation, so a corrected result undoes exactly what the old one did.
"""

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from events.models import Rsvp
from events.phonebank.models import (
    EVERYWHERE_RESULTS,
    HOLD_MINUTES,
    RETRY_RESULTS,
    CallAnswer,
    CallAssignment,
    CallerSuspension,
    CallList,
    CallRecord,
    CallResult,
    Contact,
    DoNotCall,
    NumberShown,
    OpinionAnswer,
    ScriptStep,
)
from events.phonebank.selectors import caller_changeable_records, caller_is_suspended
from events.phonebank.services.donotcall import do_not_call_add
from events.phonebank.services.errors import CallerNotAllowed, ContactNotHeld, ResultNotChangeable

HOLD = timedelta(minutes=HOLD_MINUTES)
NOTE_MAX = 1000
Status = CallAssignment.Status

DNC_REASONS: dict[str, str] = {
    CallResult.DO_NOT_CALL: DoNotCall.Reason.ASKED,
    CallResult.WRONG_PERSON: DoNotCall.Reason.WRONG_PERSON,
    CallResult.NOT_IN_USE: DoNotCall.Reason.NOT_IN_USE,
}

NOT_GOING = "You are not signed up to this session any more, so there is no one to call."
SUSPENDED = "An organiser has paused your calling. Please talk to them."
LIST_NOT_OPEN = "This call list is not open at the moment."
NOT_THIS_SESSION = "This call list is not for your session."
NOT_HELD = (
    "This contact is no longer with you (your 15 minutes ran out and another caller has "
    "them, or they were taken off the list). Nothing was saved; please take the next one."
)


def _lock_caller(caller: Rsvp) -> Rsvp:
    return Rsvp.objects.select_for_update().get(pk=caller.pk)


def _caller_check(*, caller: Rsvp, call_list: CallList | None = None) -> None:
    if caller.status != Rsvp.Status.GOING:
        raise CallerNotAllowed(NOT_GOING)
    if caller_is_suspended(supporter_id=caller.supporter_id):
        raise CallerNotAllowed(SUSPENDED)
    if call_list is not None:
        if not call_list.is_open:
            raise CallerNotAllowed(LIST_NOT_OPEN)
        if not call_list.sessions.filter(pk=caller.event_id).exists():
            raise CallerNotAllowed(NOT_THIS_SESSION)


def _held_elsewhere(now: datetime):
    """An assignment whose contact is with a caller right now on some list."""
    return Exists(
        CallAssignment.objects.filter(
            contact=OuterRef("contact"), status=Status.HELD, held_until__gte=now
        ).exclude(pk=OuterRef("pk"))
    )


def _hold(assignment: CallAssignment, *, caller: Rsvp, now: datetime) -> CallAssignment:
    if assignment.status != Status.HELD or assignment.held_by_id != caller.pk:
        assignment.held_since = now
    assignment.status = Status.HELD
    assignment.held_by = caller
    assignment.held_until = now + HOLD
    assignment.save(update_fields=["status", "held_by", "held_since", "held_until"])
    NumberShown.objects.create(
        assignment=assignment, contact=assignment.contact, caller=caller, shown_at=now
    )
    return assignment


@transaction.atomic
def contact_claim_next(
    *, caller: Rsvp, call_list: CallList, now: datetime | None = None
) -> CallAssignment | None:
    """The contact this caller should call now, held for them for 15 minutes.

    A caller who holds a contact (and has not recorded its result) gets that one again,
    whichever list it is on: the result comes first. Otherwise the next contact who may be
    called: call-backs that are due first, then the longest waiting. Returns None when
    nobody on the list can be called now."""
    now = now or timezone.now()
    caller = _lock_caller(caller)
    call_list = CallList.objects.get(pk=call_list.pk)
    _caller_check(caller=caller, call_list=call_list)

    current = (
        CallAssignment.objects.filter(held_by=caller, status=Status.HELD)
        .filter(contact__in=Contact.objects.callable())
        .select_related("contact", "call_list")
        .select_for_update(skip_locked=True, of=("self", "contact"))
        .order_by("held_since", "pk")
        .first()
    )
    if current is not None:
        if not _is_held_elsewhere(current, now=now):
            return _hold(current, caller=caller, now=now)
        _release(CallAssignment.objects.filter(pk=current.pk))

    passed_over: list[int] = []
    for _ in range(20):
        assignment = _next_free(call_list=call_list, now=now, passed_over=passed_over)
        if assignment is None:
            return None
        # The rows are locked now; look again with a fresh snapshot, in case another caller
        # took this contact on another list between our query and our lock.
        if _is_held_elsewhere(assignment, now=now):
            passed_over.append(assignment.pk)
            continue
        return _hold(assignment, caller=caller, now=now)
    return None


def _next_free(
    *, call_list: CallList, now: datetime, passed_over: list[int]
) -> CallAssignment | None:
    """The first free contact of the list, locked: holds that ran out and call-backs that
    are due come first (few rows, found through indexes), then the longest waiting. Each
    query walks an index in the order wanted and stops at the first row it can lock, so a
    claim costs the same on a list of 50,000 as on one of 50 (one query sorting every
    candidate took a third of a second there)."""
    on_list = CallAssignment.objects.filter(call_list=call_list).exclude(pk__in=passed_over)
    first = Q(status=Status.HELD, held_until__lt=now) | Q(
        status=Status.WAITING, last_result=CallResult.CALL_BACK, next_try_at__lte=now
    )
    free = (
        on_list.filter(contact__in=Contact.objects.callable())
        .filter(~_held_elsewhere(now))
        .select_related("contact", "call_list")
        .select_for_update(skip_locked=True, of=("self", "contact"))
    )
    if on_list.filter(first).exists():  # cheap: no joins; usually there are none
        assignment = free.filter(first).order_by("next_try_at").first()
        if assignment is not None:
            return assignment
    return free.filter(status=Status.WAITING, next_try_at__lte=now).order_by("next_try_at").first()


def _is_held_elsewhere(assignment: CallAssignment, *, now: datetime) -> bool:
    return (
        CallAssignment.objects.filter(
            contact_id=assignment.contact_id, status=Status.HELD, held_until__gte=now
        )
        .exclude(pk=assignment.pk)
        .exists()
    )


def _answers_clean(
    *, steps: Sequence[ScriptStep], answers: Mapping[int, str | Sequence[str]] | None
) -> list[tuple[ScriptStep, list[str]]]:
    """Check answers against the script; returns (step, values) in script order.

    A political-opinion answer is accepted only when the nearest agreement step before it
    was answered "Yes"."""
    answers = {int(key): value for key, value in (answers or {}).items()}
    by_id = {step.pk: step for step in steps}
    unknown = [key for key in answers if key not in by_id]
    if unknown:
        raise ValidationError("An answer is for a question that is not in this script.")
    cleaned: list[tuple[ScriptStep, list[str]]] = []
    agreed: bool | None = None
    errors = []
    for step in sorted(steps, key=lambda s: s.position):
        value = answers.get(step.pk)
        if step.kind == ScriptStep.Kind.TEXT:
            if value:
                errors.append(f"Step {step.position} is text to read, not a question.")
            continue
        values = _values(step, value, errors)
        if step.kind == ScriptStep.Kind.AGREEMENT:
            agreed = values == ["Yes"] if values else False
        if not values:
            continue
        if step.records_political_opinion and not agreed:
            errors.append(
                f'"{step.label}" can only be noted after they said yes to '
                '"May we note your answer?".'
            )
            continue
        cleaned.append((step, values))
    if errors:
        raise ValidationError(errors)
    return cleaned


def _values(step: ScriptStep, value, errors: list[str]) -> list[str]:
    if value is None or value == "" or value == []:
        return []
    labels = step.option_labels
    if step.kind == ScriptStep.Kind.NOTE:
        if not isinstance(value, str):
            errors.append(f'"{step.label}" takes a short note.')
            return []
        text = value.strip()
        if len(text) > NOTE_MAX:
            errors.append(f'"{step.label}": keep the note under {NOTE_MAX} characters.')
            return []
        return [text] if text else []
    if step.kind == ScriptStep.Kind.MULTIPLE:
        chosen = [value] if isinstance(value, str) else list(value)
    else:
        if not isinstance(value, str):
            errors.append(f'"{step.label}" takes one answer.')
            return []
        chosen = [value]
    wrong = [choice for choice in chosen if choice not in labels]
    if wrong:
        errors.append(f'"{wrong[0]}" is not one of the answers to "{step.label}".')
        return []
    return list(dict.fromkeys(chosen))


def _answers_save(record: CallRecord, cleaned: list[tuple[ScriptStep, list[str]]]) -> None:
    plain: list = []
    opinions: list = []
    for step, values in cleaned:
        target = opinions if step.records_political_opinion else plain
        model = OpinionAnswer if step.records_political_opinion else CallAnswer
        target.extend(model(record=record, step=step, value=value) for value in values)
    CallAnswer.objects.bulk_create(plain)
    OpinionAnswer.objects.bulk_create(opinions)


def _answers_delete(record: CallRecord) -> None:
    CallAnswer.objects.filter(record=record).delete()
    OpinionAnswer.objects.filter(record=record).delete()


def _result_clean(
    *, result: str, callback_at: datetime | None, now: datetime
) -> tuple[str, datetime | None]:
    try:
        result = CallResult(result)
    except ValueError:
        raise ValidationError("Choose how the call went.") from None
    if result == CallResult.CALL_BACK:
        if callback_at is None:
            raise ValidationError("Say when to call them back.")
        if callback_at <= now:
            raise ValidationError("The time to call back must be in the future.")
        return result, callback_at
    return result, None


def _assignment_replay(assignment: CallAssignment, *, now: datetime) -> CallAssignment:
    """Work out the assignment's state from all its calls, oldest first."""
    call_list = assignment.call_list
    records = list(assignment.calls.order_by("recorded_at", "pk"))
    next_try_at: datetime = assignment.added_at
    status, last = Status.WAITING, ""
    for tries, record in enumerate(records, start=1):
        last = record.result
        if record.result == CallResult.SPOKE or record.result in EVERYWHERE_RESULTS:
            status = Status.DONE
        elif record.result in RETRY_RESULTS:
            status = Status.DONE if tries >= call_list.max_tries else Status.WAITING
            next_try_at = record.recorded_at + call_list.retry_delay
        elif record.result == CallResult.CALL_BACK:
            # (a call-back always has its time: call_result_record refuses one without)
            status, next_try_at = Status.WAITING, record.callback_at or record.recorded_at
    assignment.tries, assignment.last_result = len(records), last
    assignment.next_try_at = next_try_at
    if assignment.status == Status.REMOVED:
        pass  # taken off the list (consent withdrawn, erased): stays off
    elif assignment.status == Status.HELD and status == Status.WAITING:
        pass  # a caller has them again now: their hold stands
    else:
        assignment.status = status
        assignment.held_by, assignment.held_since, assignment.held_until = None, None, None
    assignment.save(
        update_fields=[
            "tries",
            "last_result",
            "next_try_at",
            "status",
            "held_by",
            "held_since",
            "held_until",
        ]
    )
    return assignment


def _lock_assignment(pk: int) -> CallAssignment:
    return (
        CallAssignment.objects.select_for_update(of=("self",))
        .select_related("call_list__script", "contact")
        .get(pk=pk)
    )


@transaction.atomic
def call_result_record(
    *,
    caller: Rsvp,
    assignment: CallAssignment,
    result: str,
    answers: Mapping[int, str | Sequence[str]] | None = None,
    notes: str = "",
    callback_at: datetime | None = None,
    now: datetime | None = None,
) -> CallRecord:
    """Record how a call went, and what follows from it.

    - Spoke to them: finished on this list.
    - No answer, busy, left a voicemail: tried again after the list's retry delay, until
      the list's maximum number of tries.
    - Call back later: offered again at the time chosen (before other contacts).
    - Don't call again, wrong person, number not in use: the number goes on the
      do-not-call list, and so off every list at once.

    Answers are kept only when the caller spoke to them."""
    now = now or timezone.now()
    caller = _lock_caller(caller)
    _caller_check(caller=caller)
    assignment = _lock_assignment(assignment.pk)
    if assignment.status != Status.HELD or assignment.held_by_id != caller.pk:
        raise ContactNotHeld(NOT_HELD)
    result, callback_at = _result_clean(result=result, callback_at=callback_at, now=now)
    steps = list(assignment.call_list.script.steps.all())
    cleaned = _answers_clean(steps=steps, answers=answers) if result == CallResult.SPOKE else []
    record = CallRecord.objects.create(
        call_list=assignment.call_list,
        assignment=assignment,
        contact=assignment.contact,
        caller=caller,
        result=result,
        callback_at=callback_at,
        notes=notes.strip()[:NOTE_MAX],
        claimed_at=assignment.held_since,
        recorded_at=now,
    )
    _answers_save(record, cleaned)
    assignment.status = Status.WAITING  # the caller's hold ends with the result
    _assignment_replay(assignment, now=now)
    if result in EVERYWHERE_RESULTS:
        do_not_call_add(
            phone=assignment.contact.phone,
            reason=DNC_REASONS[result],
            call_record=record,
            now=now,
        )
    return record


@transaction.atomic
def call_result_change(
    *,
    caller: Rsvp,
    record: CallRecord,
    result: str,
    answers: Mapping[int, str | Sequence[str]] | None = None,
    notes: str = "",
    callback_at: datetime | None = None,
    now: datetime | None = None,
) -> CallRecord:
    """Correct one of the caller's own last three results: what the old one did is undone
    (a do-not-call entry it made is lifted) and the new one takes effect."""
    now = now or timezone.now()
    caller = _lock_caller(caller)
    _caller_check(caller=caller)
    if record.pk not in {r.pk for r in caller_changeable_records(caller=caller)}:
        raise ResultNotChangeable("You can change only your own last three results.")
    assignment = _lock_assignment(record.assignment_id)
    record = CallRecord.objects.select_for_update().get(pk=record.pk)
    result, callback_at = _result_clean(result=result, callback_at=callback_at, now=now)
    steps = list(assignment.call_list.script.steps.all())
    cleaned = _answers_clean(steps=steps, answers=answers) if result == CallResult.SPOKE else []
    if record.result in EVERYWHERE_RESULTS:
        DoNotCall.objects.filter(call_record=record).delete()
    _answers_delete(record)
    record.result, record.callback_at = result, callback_at
    record.notes = notes.strip()[:NOTE_MAX]
    record.changed_at = now
    record.save(update_fields=["result", "callback_at", "notes", "changed_at"])
    _answers_save(record, cleaned)
    _assignment_replay(assignment, now=now)
    if result in EVERYWHERE_RESULTS:
        do_not_call_add(
            phone=assignment.contact.phone, reason=DNC_REASONS[result], call_record=record, now=now
        )
    return record


def _release(assignments) -> int:
    return assignments.update(status=Status.WAITING, held_by=None, held_since=None, held_until=None)


@transaction.atomic
def caller_release_all(*, caller: Rsvp, now: datetime | None = None) -> int:
    """ "I'm done for today": every contact the caller holds goes back to be called."""
    caller = _lock_caller(caller)
    return _release(CallAssignment.objects.filter(held_by=caller, status=Status.HELD))


def call_holds_expire(*, now: datetime | None = None) -> int:
    """Holds that ran out a while ago go back to "to call". Claims already treat a hold
    past its time as free; the caller may still record the result until someone else takes
    the contact, or until this tidy-up, one more hold-length later."""
    now = now or timezone.now()
    return _release(CallAssignment.objects.filter(status=Status.HELD, held_until__lt=now - HOLD))


@transaction.atomic
def caller_suspend(
    *, caller: Rsvp, reason: str, actor=None, now: datetime | None = None
) -> CallerSuspension:
    """Stop a caller (the person, on every session): what they hold returns to the pool at
    once, and their calling link stops working. Suspending twice changes nothing."""
    now = now or timezone.now()
    caller = _lock_caller(caller)
    reason = reason.strip()
    if not reason:
        raise ValidationError("Say why, for the record.")
    suspension = CallerSuspension.objects.filter(
        supporter_id=caller.supporter_id, lifted_at__isnull=True
    ).first()
    if suspension is None:
        suspension = CallerSuspension.objects.create(
            supporter_id=caller.supporter_id,
            rsvp=caller,
            reason=reason[:200],
            suspended_by=actor,
            suspended_at=now,
        )
    _release(
        CallAssignment.objects.filter(held_by__supporter_id=caller.supporter_id, status=Status.HELD)
    )
    return suspension


@transaction.atomic
def caller_suspension_lift(
    *, suspension: CallerSuspension, actor=None, now: datetime | None = None
) -> CallerSuspension:
    suspension = CallerSuspension.objects.select_for_update().get(pk=suspension.pk)
    if suspension.lifted_at is None:
        suspension.lifted_at = now or timezone.now()
        suspension.lifted_by = actor
        suspension.save(update_fields=["lifted_at", "lifted_by"])
    return suspension
