"""Recording results: what each one does, the retry delay and the try cap, answers and
political opinions, and changing the last three."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError

from events.phonebank.models import (
    CallAnswer,
    CallAssignment,
    CallRecord,
    CallResult,
    DoNotCall,
    OpinionAnswer,
)
from events.phonebank.services import (
    ResultNotChangeable,
    call_list_create,
    call_result_change,
    call_result_record,
    contact_claim_next,
)
from tests.events.phonebank.factories import AssignmentFactory, steps_by_label

pytestmark = pytest.mark.django_db


def call(caller, call_list, at, result=CallResult.NO_ANSWER, **kwargs):
    held = contact_claim_next(caller=caller, call_list=call_list, now=at)
    assert held is not None, f"nobody to call at {at}"
    return call_result_record(caller=caller, assignment=held, result=result, now=at, **kwargs)


def test_no_answer_comes_back_after_the_retry_delay_at_most_three_tries(
    call_list, make_caller, make_contacts, now
):
    (contact,) = make_contacts(1)
    caller = make_caller()

    call(caller, call_list, now, CallResult.NO_ANSWER)
    assert (
        contact_claim_next(
            caller=caller, call_list=call_list, now=now + timedelta(hours=3, minutes=59)
        )
        is None
    )
    call(caller, call_list, now + timedelta(hours=4), CallResult.BUSY)
    call(caller, call_list, now + timedelta(hours=8), CallResult.VOICEMAIL)

    assignment = CallAssignment.objects.get(contact=contact)
    assert (assignment.tries, assignment.status) == (3, CallAssignment.Status.DONE)
    assert (
        contact_claim_next(caller=caller, call_list=call_list, now=now + timedelta(days=2)) is None
    )


def test_the_retry_delay_and_the_cap_are_the_lists_own(session, script, make_caller, now):
    call_list = call_list_create(
        name="Quick",
        script=script,
        sessions=[session],
        retry_delay=timedelta(minutes=30),
        max_tries=2,
    )
    AssignmentFactory(call_list=call_list)
    caller = make_caller()

    call(caller, call_list, now)
    call(caller, call_list, now + timedelta(minutes=30))

    assert (
        contact_claim_next(caller=caller, call_list=call_list, now=now + timedelta(days=1)) is None
    )


def test_call_back_later_needs_a_time_in_the_future(call_list, make_caller, make_contacts, now):
    make_contacts(1)
    caller = make_caller()
    held = contact_claim_next(caller=caller, call_list=call_list, now=now)
    with pytest.raises(ValidationError, match="when to call them back"):
        call_result_record(caller=caller, assignment=held, result=CallResult.CALL_BACK, now=now)
    with pytest.raises(ValidationError, match="future"):
        call_result_record(
            caller=caller,
            assignment=held,
            result=CallResult.CALL_BACK,
            callback_at=now - timedelta(minutes=1),
            now=now,
        )
    assert CallRecord.objects.count() == 0  # nothing saved, and the caller still holds it
    held.refresh_from_db()
    assert held.held_by == caller


@pytest.mark.parametrize(
    ("result", "reason"),
    [
        (CallResult.DO_NOT_CALL, DoNotCall.Reason.ASKED),
        (CallResult.WRONG_PERSON, DoNotCall.Reason.WRONG_PERSON),
        (CallResult.NOT_IN_USE, DoNotCall.Reason.NOT_IN_USE),
    ],
)
def test_some_results_take_effect_on_every_list_at_once(
    session, script, make_caller, make_contacts, now, result, reason
):
    other = call_list_create(name="Other list", script=script, sessions=[session])
    first = call_list_create(name="First list", script=script, sessions=[session])
    (contact,) = make_contacts(1, on=[first, other])
    caller = make_caller()

    record = call(caller, first, now, result)

    entry = DoNotCall.objects.get(phone=contact.phone)
    assert (entry.reason, entry.call_record) == (reason, record)
    assert contact_claim_next(caller=caller, call_list=other, now=now + timedelta(days=1)) is None


def test_spoke_to_them_keeps_the_answers_and_opinions_apart(
    call_list, script, make_caller, make_contacts, now
):
    make_contacts(1)
    steps = steps_by_label(script)
    caller = make_caller()

    record = call(
        caller,
        call_list,
        now,
        CallResult.SPOKE,
        answers={
            steps["Agreement"].pk: "Yes",
            steps["Voting intention"].pk: "Chris",
            steps["Help"].pk: ["Leaflets", "Phoning"],
            steps["Note"].pk: "  Has a dog  ",
        },
        notes="Friendly",
    )

    assert sorted(CallAnswer.objects.filter(record=record).values_list("value", flat=True)) == [
        "Has a dog",
        "Leaflets",
        "Phoning",
        "Yes",
    ]
    opinion = OpinionAnswer.objects.get(record=record)
    assert (opinion.step, opinion.value) == (steps["Voting intention"], "Chris")
    assert CallAssignment.objects.get().status == CallAssignment.Status.DONE


def test_no_political_opinion_without_a_yes_first(
    call_list, script, make_caller, make_contacts, now
):
    make_contacts(1)
    steps = steps_by_label(script)
    caller = make_caller()
    held = contact_claim_next(caller=caller, call_list=call_list, now=now)
    for agreement in ["No", None]:
        answers = {steps["Voting intention"].pk: "Chris"}
        if agreement:
            answers[steps["Agreement"].pk] = agreement
        with pytest.raises(ValidationError, match="May we note your answer"):
            call_result_record(
                caller=caller, assignment=held, result=CallResult.SPOKE, answers=answers, now=now
            )
    assert OpinionAnswer.objects.count() == 0 and CallRecord.objects.count() == 0


def test_answers_must_fit_the_script(call_list, script, make_caller, make_contacts, now):
    make_contacts(1)
    steps = steps_by_label(script)
    caller = make_caller()
    held = contact_claim_next(caller=caller, call_list=call_list, now=now)
    for answers in [
        {steps["Help"].pk: ["Leaflets", "Baking"]},
        {steps["Agreement"].pk: "Maybe"},
        {999999: "Yes"},
        {steps["Note"].pk: "x" * 1001},
    ]:
        with pytest.raises(ValidationError):
            call_result_record(
                caller=caller, assignment=held, result=CallResult.SPOKE, answers=answers, now=now
            )


def test_answers_are_not_kept_unless_they_spoke(call_list, script, make_caller, make_contacts, now):
    make_contacts(1)
    steps = steps_by_label(script)
    record = call(
        make_caller(),
        call_list,
        now,
        CallResult.DO_NOT_CALL,
        answers={steps["Agreement"].pk: "Yes", steps["Voting intention"].pk: "Chris"},
    )
    assert CallAnswer.objects.filter(record=record).count() == 0
    assert OpinionAnswer.objects.count() == 0


def test_a_caller_can_change_any_of_their_last_three_results(
    call_list, make_caller, make_contacts, now
):
    make_contacts(4)
    caller = make_caller()
    records = [
        call(caller, call_list, now + timedelta(minutes=n), CallResult.SPOKE) for n in range(4)
    ]

    with pytest.raises(ResultNotChangeable):
        call_result_change(
            caller=caller,
            record=records[0],
            result=CallResult.NO_ANSWER,
            now=now + timedelta(minutes=5),
        )
    with pytest.raises(ResultNotChangeable):
        call_result_change(
            caller=make_caller(), record=records[3], result=CallResult.NO_ANSWER, now=now
        )
    changed = call_result_change(
        caller=caller,
        record=records[1],
        result=CallResult.NO_ANSWER,
        now=now + timedelta(minutes=5),
    )

    assert changed.result == CallResult.NO_ANSWER and changed.changed_at is not None
    assignment = changed.assignment
    assignment.refresh_from_db()
    assert assignment.status == CallAssignment.Status.WAITING
    assert assignment.next_try_at == records[1].recorded_at + call_list.retry_delay


def test_changing_a_wrong_do_not_call_lifts_it(call_list, make_caller, make_contacts, now):
    (contact,) = make_contacts(1)
    caller = make_caller()
    record = call(caller, call_list, now, CallResult.DO_NOT_CALL)
    assert DoNotCall.objects.filter(phone=contact.phone).exists()

    call_result_change(
        caller=caller,
        record=record,
        result=CallResult.CALL_BACK,
        callback_at=now + timedelta(hours=2),
        now=now + timedelta(minutes=1),
    )

    assert not DoNotCall.objects.filter(phone=contact.phone).exists()
    back = contact_claim_next(caller=caller, call_list=call_list, now=now + timedelta(hours=2))
    assert back.contact == contact


def test_changing_spoke_to_do_not_call_removes_the_answers(
    call_list, script, make_caller, make_contacts, now
):
    (contact,) = make_contacts(1)
    steps = steps_by_label(script)
    caller = make_caller()
    record = call(
        caller,
        call_list,
        now,
        CallResult.SPOKE,
        answers={steps["Agreement"].pk: "Yes", steps["Voting intention"].pk: "Someone else"},
    )

    call_result_change(caller=caller, record=record, result=CallResult.DO_NOT_CALL, now=now)

    assert OpinionAnswer.objects.count() == 0 and CallAnswer.objects.count() == 0
    assert DoNotCall.objects.get(phone=contact.phone).call_record == record


def test_a_change_leaves_another_callers_hold_alone(call_list, make_caller, make_contacts, now):
    make_contacts(1)
    first, second = make_caller(), make_caller()
    record = call(first, call_list, now, CallResult.NO_ANSWER)
    later = now + timedelta(hours=4)
    held = contact_claim_next(caller=second, call_list=call_list, now=later)

    call_result_change(caller=first, record=record, result=CallResult.BUSY, now=later)

    held.refresh_from_db()
    assert (held.status, held.held_by) == (CallAssignment.Status.HELD, second)
    call_result_record(caller=second, assignment=held, result=CallResult.SPOKE, now=later)
