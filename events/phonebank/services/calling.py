"""Calling: a caller records how each call went, may correct their last three results,
and lets go of what they hold; organisers suspend callers. (Claiming the next contact is
in claim.py.)

Locks, in one order on every path: the caller's Rsvp row (one caller's own requests run
one after another; a suspension locks all the person's rows), then the contact's row, then
its assignment rows (the order in which do_not_call_add and the claim take them too).

An assignment's state (tries, when to try next, finished or not) is always worked out
again from all its call records, in order: recording a result and changing one are the
same computation, so a corrected result undoes exactly what the old one did.
"""

from collections.abc import Mapping, Sequence
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from events.models import Rsvp
from events.phonebank.models import (
    EVERYWHERE_RESULTS,
    RETRY_RESULTS,
    CallAnswer,
    CallAssignment,
    CallerSuspension,
    CallRecord,
    CallResult,
    DoNotCall,
    OpinionAnswer,
    ScriptStep,
)
from events.phonebank.selectors import caller_changeable_records
from events.phonebank.services.callers import HOLD, caller_lock_checked, holds_release
from events.phonebank.services.donotcall import do_not_call_add
from events.phonebank.services.errors import ContactNotHeld, ResultNotChangeable

NOTE_MAX = 1000
Status = CallAssignment.Status

DNC_REASONS: dict[str, str] = {
    CallResult.DO_NOT_CALL: DoNotCall.Reason.ASKED,
    CallResult.WRONG_PERSON: DoNotCall.Reason.WRONG_PERSON,
    CallResult.NOT_IN_USE: DoNotCall.Reason.NOT_IN_USE,
}

NOT_HELD = (
    "This contact is no longer with you (your 15 minutes ran out and another caller has "
    "them, or they were taken off the list). Nothing was saved; please take the next one."
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
        CallAssignment.objects.select_for_update(of=("contact", "self"))
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
    caller_lock_checked(caller=caller)
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
    caller_lock_checked(caller=caller)
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


@transaction.atomic
def caller_release_all(*, caller: Rsvp, now: datetime | None = None) -> int:
    """ "I'm done for today": every contact the caller holds goes back to be called."""
    caller = Rsvp.objects.select_for_update().get(pk=caller.pk)
    return holds_release(CallAssignment.objects.filter(held_by=caller, status=Status.HELD))


def call_holds_expire(*, now: datetime | None = None) -> int:
    """Holds that ran out a while ago go back to "to call". Claims already treat a hold
    past its time as free; the caller may still record the result until someone else takes
    the contact, or until this tidy-up, one more hold-length later."""
    now = now or timezone.now()
    return holds_release(
        CallAssignment.objects.filter(status=Status.HELD, held_until__lt=now - HOLD)
    )


@transaction.atomic
def caller_suspend(
    *, caller: Rsvp, reason: str, actor=None, now: datetime | None = None
) -> CallerSuspension:
    """Stop a caller (the person, on every session): what they hold returns to the pool at
    once, and their calling link stops working. Suspending twice changes nothing."""
    now = now or timezone.now()
    # Every sign-up of the person, not only this one: a claim or result through any of
    # them locks that row first, so it either finishes before this (and its hold is let
    # go below) or waits and then sees the suspension.
    signups = list(
        Rsvp.objects.select_for_update().filter(supporter_id=caller.supporter_id).order_by("pk")
    )
    caller = next(signup for signup in signups if signup.pk == caller.pk)
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
    holds_release(
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
