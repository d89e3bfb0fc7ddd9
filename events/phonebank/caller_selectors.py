"""Reads for the caller's screen (the rest are in events/phonebank/selectors.py)."""

from dataclasses import dataclass
from datetime import datetime, time

from django.db.models import Exists, OuterRef
from django.utils import timezone

from events.ics import LONDON
from events.models import Rsvp
from events.phonebank.forms import step_field_name
from events.phonebank.models import (
    CallAnswer,
    CallRecord,
    CallResult,
    OpinionAnswer,
    ScriptStep,
)
from events.phonebank.selectors import CHANGEABLE_RESULTS, suspensions_in_force
from events.phonebank.tokens import rsvp_uid_from_caller_token


def caller_from_token(*, token: str) -> Rsvp | None:
    """The sign-up a calling link names (with its session, and `suspended`: whether an
    organiser has paused this person's calling), or None for a link that is not one or
    whose person has been erased."""
    uid = rsvp_uid_from_caller_token(token)
    if uid is None:
        return None
    suspensions = suspensions_in_force().filter(supporter_id=OuterRef("supporter_id"))
    return (
        Rsvp.objects.select_related("event")
        .annotate(suspended=Exists(suspensions))
        .filter(uid=uid, supporter__erased_at__isnull=True)
        .first()
    )


@dataclass(frozen=True)
class RecentResult:
    pk: int
    first_name: str
    result_label: str


def caller_recent_results(*, caller: Rsvp) -> list[RecentResult]:
    """The caller's last three results, newest first, as their screen lists them (the
    ones they may change: selectors.caller_changeable_records)."""
    labels = dict(CallResult.choices)
    rows = (
        CallRecord.objects.filter(caller=caller)
        .order_by("-recorded_at", "-pk")
        .values_list("pk", "contact__first_name", "contact__erased_at", "result")
    )
    return [
        RecentResult(pk, "(erased)" if erased_at or not name else name, labels.get(result, ""))
        for pk, name, erased_at, result in rows[:CHANGEABLE_RESULTS]
    ]


def caller_calls_tonight(*, caller: Rsvp, now: datetime) -> int:
    """How many calls this sign-up has saved today, UK time (the count on their screen)."""
    midnight = datetime.combine(timezone.localdate(now, timezone=LONDON), time(), tzinfo=LONDON)
    return CallRecord.objects.filter(caller=caller, recorded_at__gte=midnight).count()


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
