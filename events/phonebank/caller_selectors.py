"""Reads for the caller's screen (the rest are in events/phonebank/selectors.py)."""

from events.models import Rsvp
from events.phonebank.forms import step_field_name
from events.phonebank.models import CallAnswer, CallRecord, OpinionAnswer, ScriptStep
from events.phonebank.tokens import rsvp_uid_from_caller_token


def caller_from_token(*, token: str) -> Rsvp | None:
    """The sign-up a calling link names, or None for a link that is not one."""
    uid = rsvp_uid_from_caller_token(token)
    if uid is None:
        return None
    return Rsvp.objects.select_related("event").filter(uid=uid).first()


def caller_has_called(*, caller: Rsvp) -> bool:
    """Whether this person has saved a real call before, at any session: first-timers get
    the how-to and the practice call first."""
    return CallRecord.objects.filter(caller__supporter_id=caller.supporter_id).exists()


def record_answers_initial(*, record: CallRecord) -> dict:
    """A saved call's answers as the call form's initial values (for changing it)."""
    initial: dict = {
        "result": record.result,
        "callback_at": record.callback_at,
        "notes": record.notes,
    }
    by_step: dict[int, list[str]] = {}
    for model in (CallAnswer, OpinionAnswer):
        for step_id, value in (
            model.objects.filter(record=record).order_by("pk").values_list("step_id", "value")
        ):
            by_step.setdefault(step_id, []).append(value)
    for step in record.call_list.script.steps.all():
        values = by_step.get(step.pk)
        if not values:
            continue
        multiple = step.kind == ScriptStep.Kind.MULTIPLE
        initial[step_field_name(step)] = values if multiple else values[0]
    return initial
