"""Reads for the caller's screen and for organisers (admin). No writes here.

For the caller's screen
    caller_call_lists(*, caller: Rsvp) -> QuerySet[CallList]
        The open lists of the caller's session (empty if suspended or not going).
    caller_is_suspended(*, supporter_id: int) -> bool
    suspensions_in_force() -> QuerySet[CallerSuspension]
    session_open_call_lists(*, event_id: int) -> QuerySet[CallList]
        The open lists of one session, oldest first (what a caller there works through).
    caller_current_hold(*, caller: Rsvp, now: datetime | None = None) -> CallAssignment | None
        The contact the caller holds and has not recorded a result for (hold may have run
        out but nobody else took it), with contact and call_list loaded.
    caller_changeable_records(*, caller: Rsvp) -> list[CallRecord]
        The caller's last three results (newest first): the ones they may change.
    script_steps(*, script: Script) -> list[ScriptStep]
        Ordered; the fixed first step (the call result) is not a row: it is CallResult,
        see `call_result_choices()`.
    call_result_choices() -> list[tuple[str, str]]

    The call sheet is `events.phonebank.forms.CallForm(data=None, *, steps=[ScriptStep])`
    (fields: result, callback_at, notes, volunteer_email and "step_<id>" per question;
    after is_valid(), `form.answers` is call_result_record()'s `answers`, with the script's
    skip logic applied: events/phonebank/script.py), rendered by the partial
    templates/events/phonebank/_script.html (its comment lists the context); the page around
    it supplies <form>, the CSRF token and the submit button. The caller's screen
    (events/phonebank/views.py) and admin's script preview render the same partial.
    Numbers for display: `events.phonebank.phones.phone_for_display(e164)`; the dial link
    is tel:<E.164>; `contact.postcode_district` is all of the postcode a caller may see.

For organisers
    phonebank_results(*, call_list: CallList | None = None, session: Event | None = None,
                      now: datetime | None = None) -> PhonebankResults
        calls made, people reached, result mix, answers per question, callbacks due,
        calls per caller, with implausible-caller flags.
    callbacks_due(*, call_list: CallList, now: datetime | None = None, limit: int = 50)
"""

from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from events.models import Event, Rsvp
from events.phonebank.models import (
    CallAnswer,
    CallAssignment,
    CallerSuspension,
    CallList,
    CallRecord,
    CallResult,
    Contact,
    OpinionAnswer,
    Script,
    ScriptStep,
)
from events.phonebank.screening import screening_status

# How many of their own latest results a caller may still change.
CHANGEABLE_RESULTS = 3


def suspensions_in_force() -> QuerySet[CallerSuspension]:
    return CallerSuspension.objects.filter(lifted_at__isnull=True)


def caller_is_suspended(*, supporter_id: int) -> bool:
    return suspensions_in_force().filter(supporter_id=supporter_id).exists()


def session_open_call_lists(*, event_id: int) -> QuerySet[CallList]:
    """The open call lists of one phonebank session, oldest first."""
    return CallList.objects.filter(sessions=event_id, status=CallList.Status.OPEN).order_by(
        "created_at", "pk"
    )


def caller_call_lists(*, caller: Rsvp) -> QuerySet[CallList]:
    if caller.status != Rsvp.Status.GOING or caller_is_suspended(supporter_id=caller.supporter_id):
        return CallList.objects.none()
    return session_open_call_lists(event_id=caller.event_id)


def caller_current_hold(*, caller: Rsvp, now: datetime | None = None) -> CallAssignment | None:
    return (
        CallAssignment.objects.filter(held_by=caller, status=CallAssignment.Status.HELD)
        .select_related("contact", "call_list")
        .order_by("held_since", "pk")
        .first()
    )


def caller_changeable_records(*, caller: Rsvp) -> list[CallRecord]:
    return list(
        CallRecord.objects.filter(caller=caller)
        .select_related("contact", "call_list")
        .order_by("-recorded_at", "-pk")[:CHANGEABLE_RESULTS]
    )


def call_result_choices() -> list[tuple[str, str]]:
    return list(CallResult.choices)


def script_steps(*, script: Script) -> list[ScriptStep]:
    return list(script.steps.order_by("position"))


# Implausible-caller flags: simple rules, shown to organisers, never acted on by themselves.
FLAG_MIN_CALLS = 10  # no judgement on fewer calls than this
FLAG_SPOKE_SHARE = 0.6  # most lists reach 10 to 30% of the people they try
FLAG_FAST_SECONDS = 20  # dialling and waiting for an answer takes longer
FLAG_FAST_MIN = 3  # how many such quick results before a flag
FLAG_SAME_ANSWERS_MIN = 5  # conversations with answers before "always the same" counts


@dataclass(frozen=True)
class QuestionTally:
    step: ScriptStep
    total: int
    options: list[tuple[str, int]]
    notes: int


@dataclass(frozen=True)
class CallerTally:
    caller_id: int
    name: str
    session: str
    calls: int
    spoke: int
    suspended: bool
    flags: list[str]


@dataclass(frozen=True)
class PhonebankResults:
    calls_made: int
    people_reached: int
    result_mix: list[tuple[str, str, int]]  # (value, label, count)
    answers: list[QuestionTally]
    callbacks_due: int
    callbacks_later: int
    to_call_now: int
    with_callers: int
    finished: int
    callers: list[CallerTally] = field(default_factory=list)

    @property
    def flagged(self) -> list[CallerTally]:
        return [caller for caller in self.callers if caller.flags]


def callable_places(*, now: datetime | None = None) -> Q:
    """Places (CallAssignment) whose contact may be called from their list now: the claim's
    rule (services/claim.py), by the list's basis and, for screened lists, its screening."""
    places = Q(call_list__basis=CallList.Basis.CONSENTED, contact__in=Contact.objects.callable())
    if screening_status(now=now).is_fresh:
        places |= Q(
            call_list__basis=CallList.Basis.SCREENED,
            contact__in=Contact.objects.callable_screened(),
        )
    return places


def phonebank_results(
    *,
    call_list: CallList | None = None,
    session: Event | None = None,
    now: datetime | None = None,
) -> PhonebankResults:
    """Counts for organisers, for one list, one session, or both narrowed together."""
    now = now or timezone.now()
    records = CallRecord.objects.all()
    assignments = CallAssignment.objects.all()
    if call_list is not None:
        records = records.filter(call_list=call_list)
        assignments = assignments.filter(call_list=call_list)
    if session is not None:
        records = records.filter(caller__event=session)
        assignments = assignments.filter(call_list__sessions=session)
    callable_now = callable_places(now=now)
    mix = dict(records.values_list("result").annotate(n=Count("pk")).order_by())
    held = Q(status=CallAssignment.Status.HELD, held_until__gte=now)
    waiting = Q(status=CallAssignment.Status.WAITING) | Q(
        status=CallAssignment.Status.HELD, held_until__lt=now
    )
    waiting &= callable_now
    held &= callable_now
    callback = Q(last_result=CallResult.CALL_BACK) & waiting
    counts = assignments.aggregate(
        to_call_now=Count("pk", filter=waiting & Q(next_try_at__lte=now)),
        with_callers=Count("pk", filter=held),
        finished=Count("pk", filter=Q(status=CallAssignment.Status.DONE)),
        callbacks_due=Count("pk", filter=callback & Q(next_try_at__lte=now)),
        callbacks_later=Count("pk", filter=callback & Q(next_try_at__gt=now)),
    )
    return PhonebankResults(
        calls_made=sum(mix.values()),
        people_reached=records.filter(result=CallResult.SPOKE)
        .values("contact_id")
        .distinct()
        .count(),
        result_mix=[(value, label, mix.get(value, 0)) for value, label in CallResult.choices],
        answers=_answer_tallies(records=records, call_list=call_list),
        callers=_caller_tallies(records),
        **counts,
    )


def _answer_tallies(*, records, call_list: CallList | None) -> list[QuestionTally]:
    if call_list is not None:
        steps = list(call_list.script.steps.exclude(kind=ScriptStep.Kind.TEXT))
    else:
        steps = list(
            ScriptStep.objects.filter(script__call_lists__calls__in=records)
            .exclude(kind=ScriptStep.Kind.TEXT)
            .distinct()
            .order_by("script", "position")
        )
    tallies: dict = {}
    for model in (CallAnswer, OpinionAnswer):
        rows = (
            model.objects.filter(record__in=records, step__in=steps)
            .values_list("step_id", "value")
            .annotate(n=Count("pk"))
            .order_by()
        )
        for step_id, value, n in rows:
            tallies.setdefault(step_id, {})[value] = n
    result = []
    for step in steps:
        counts = tallies.get(step.pk, {})
        if step.kind == ScriptStep.Kind.NOTE:
            result.append(QuestionTally(step, sum(counts.values()), [], sum(counts.values())))
            continue
        options = [(label, counts.get(label, 0)) for label in step.option_labels]
        result.append(QuestionTally(step, sum(n for _, n in options), options, 0))
    return result


def _caller_tallies(records) -> list[CallerTally]:
    rows = list(
        records.filter(caller__isnull=False)
        .values("caller_id", "caller__first_name", "caller__event__title", "caller__supporter_id")
        .annotate(calls=Count("pk"), spoke=Count("pk", filter=Q(result=CallResult.SPOKE)))
        .order_by("-calls", "caller_id")
    )
    if not rows:
        return []
    caller_ids = [row["caller_id"] for row in rows]
    times: dict[int, list[datetime]] = {}
    for caller_id, moment in (
        records.filter(caller_id__in=caller_ids)
        .order_by("caller_id", "recorded_at")
        .values_list("caller_id", "recorded_at")
    ):
        times.setdefault(caller_id, []).append(moment)
    answer_sets = _answer_sets(records.filter(caller_id__in=caller_ids))
    suspended = set(
        CallerSuspension.objects.filter(
            lifted_at__isnull=True,
            supporter_id__in=[row["caller__supporter_id"] for row in rows],
        ).values_list("supporter_id", flat=True)
    )
    tallies = []
    for row in rows:
        flags = _flags(
            calls=row["calls"],
            spoke=row["spoke"],
            times=times.get(row["caller_id"], []),
            answer_sets=answer_sets.get(row["caller_id"], []),
        )
        tallies.append(
            CallerTally(
                caller_id=row["caller_id"],
                name=row["caller__first_name"],
                session=row["caller__event__title"],
                calls=row["calls"],
                spoke=row["spoke"],
                suspended=row["caller__supporter_id"] in suspended,
                flags=flags,
            )
        )
    return tallies


def _answer_sets(records) -> dict[int, list[frozenset]]:
    """Per caller, the set of answers given in each conversation that had any."""
    by_record: dict[int, set] = {}
    owner: dict[int, int] = {}
    spoke = records.filter(result=CallResult.SPOKE)
    for model in (CallAnswer, OpinionAnswer):
        for record_id, caller_id, step_id, value in model.objects.filter(
            record__in=spoke
        ).values_list("record_id", "record__caller_id", "step_id", "value"):
            by_record.setdefault(record_id, set()).add((step_id, value))
            owner[record_id] = caller_id
    sets: dict[int, list[frozenset]] = {}
    for record_id, answers in by_record.items():
        sets.setdefault(owner[record_id], []).append(frozenset(answers))
    return sets


def _flags(*, calls: int, spoke: int, times: list[datetime], answer_sets: list) -> list[str]:
    flags = []
    if calls >= FLAG_MIN_CALLS and spoke / calls > FLAG_SPOKE_SHARE:
        flags.append(
            f"Spoke to {spoke} of {calls} people ({round(100 * spoke / calls)}%): "
            "most callers reach 10 to 30%."
        )
    quick = sum(
        1
        for before, after in zip(times, times[1:], strict=False)
        if (after - before).total_seconds() < FLAG_FAST_SECONDS
    )
    if quick >= FLAG_FAST_MIN:
        flags.append(
            f"{quick} results recorded less than {FLAG_FAST_SECONDS} seconds after the one before."
        )
    if len(answer_sets) >= FLAG_SAME_ANSWERS_MIN and len(set(answer_sets)) == 1:
        flags.append(f"The same answers in all {len(answer_sets)} conversations.")
    return flags


def callbacks_due(*, call_list: CallList, now: datetime | None = None, limit: int = 50):
    """Contacts who asked to be called back, soonest first (for organisers)."""
    return (
        CallAssignment.objects.filter(
            call_list=call_list,
            last_result=CallResult.CALL_BACK,
            status__in=[CallAssignment.Status.WAITING, CallAssignment.Status.HELD],
        )
        .filter(callable_places(now=now))
        .select_related("contact")
        .order_by("next_try_at")[:limit]
    )
