"""What organisers see: counts, result mix, answers per question, call-backs, calls per
caller with implausible-caller flags; and the CSV export behind its own permission."""

import csv
import io
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied

from campaign_site.core.models import AuditEvent
from events.phonebank.models import CallResult
from events.phonebank.selectors import phonebank_results
from events.phonebank.services import (
    call_result_record,
    caller_suspend,
    contact_claim_next,
    phonebank_results_export,
)
from tests.events.phonebank.factories import steps_by_label

pytestmark = pytest.mark.django_db


def work(caller, call_list, results, *, start, gap_seconds=90, answers=None):
    at = start
    for result in results:
        held = contact_claim_next(caller=caller, call_list=call_list, now=at)
        extra = {"callback_at": at + timedelta(hours=1)} if result == CallResult.CALL_BACK else {}
        call_result_record(
            caller=caller,
            assignment=held,
            result=result,
            answers=answers if result == CallResult.SPOKE else None,
            now=at,
            **extra,
        )
        at += timedelta(seconds=gap_seconds)
    return at


def test_counts_mix_answers_and_callbacks(call_list, script, make_caller, make_contacts, now):
    make_contacts(8)
    steps = steps_by_label(script)
    caller = make_caller(first_name="Aisha")
    start = now - timedelta(hours=1)
    work(
        caller,
        call_list,
        [CallResult.SPOKE, CallResult.SPOKE, CallResult.NO_ANSWER, CallResult.CALL_BACK],
        start=start,
        answers={
            steps["Agreement"].pk: "Yes",
            steps["Voting intention"].pk: "Chris",
            steps["Help"].pk: ["Leaflets", "Phoning"],
            steps["Note"].pk: "Keen",
        },
    )
    contact_claim_next(caller=make_caller(), call_list=call_list, now=now)

    results = phonebank_results(call_list=call_list, now=now + timedelta(minutes=10))

    assert (results.calls_made, results.people_reached) == (4, 2)
    mix = {value: n for value, _, n in results.result_mix}
    assert mix["spoke"] == 2 and mix["no_answer"] == 1 and mix["call_back"] == 1
    assert mix["busy"] == 0
    assert results.callbacks_due == 1  # asked for an hour after the call, 5 minutes ago
    assert results.with_callers == 1
    assert results.finished == 2
    # 8 people: 2 done, 1 with a caller, 1 not answering (tried again later): 3 fresh and
    # the call-back that is due.
    assert results.to_call_now == 4
    answers = {tally.step.short_label: tally for tally in results.answers}
    assert dict(answers["Voting intention"].options) == {"Chris": 2, "Someone else": 0}
    assert dict(answers["Help"].options) == {"Leaflets": 2, "Phoning": 2, "No": 0}
    assert answers["Note"].notes == 2
    (tally,) = results.callers
    assert (tally.name, tally.calls, tally.spoke, tally.flags) == ("Aisha", 4, 2, [])


def test_implausible_callers_are_flagged(call_list, script, make_caller, make_contacts, now):
    make_contacts(24)
    steps = steps_by_label(script)
    same = {steps["Agreement"].pk: "Yes", steps["Voting intention"].pk: "Chris"}
    keen, honest = make_caller(first_name="Keen"), make_caller(first_name="Honest")
    start = now - timedelta(minutes=30)
    # Keen: 12 calls, 10 "spoke", 8 seconds apart, the same answers every time.
    work(
        keen,
        call_list,
        [CallResult.SPOKE] * 10 + [CallResult.NO_ANSWER] * 2,
        start=start,
        gap_seconds=8,
        answers=same,
    )
    # Honest: 12 calls, 3 spoke, two minutes apart.
    work(
        honest,
        call_list,
        [CallResult.SPOKE] * 3 + [CallResult.NO_ANSWER] * 9,
        start=start,
        gap_seconds=120,
        answers={steps["Agreement"].pk: "No"},
    )
    caller_suspend(caller=keen, reason="Results look made up")

    results = phonebank_results(call_list=call_list, now=now)

    flags = {tally.name: tally.flags for tally in results.callers}
    assert flags["Honest"] == []
    assert len(flags["Keen"]) == 3
    assert "Spoke to 10 of 12 people (83%)" in flags["Keen"][0]
    assert "11 results recorded less than 20 seconds" in flags["Keen"][1]
    assert "same answers in all 10 conversations" in flags["Keen"][2]
    assert [tally.name for tally in results.flagged] == ["Keen"]
    assert {tally.name: tally.suspended for tally in results.callers} == {
        "Keen": True,
        "Honest": False,
    }


def test_results_for_one_session(session, call_list, make_caller, make_contacts, now):
    from tests.events.factories import EventFactory, RsvpFactory

    other = EventFactory(
        phonebank=True, starts_at=now - timedelta(hours=1), ends_at=now + timedelta(hours=1)
    )
    call_list.sessions.add(other)
    make_contacts(3)
    work(make_caller(), call_list, [CallResult.SPOKE], start=now)
    work(RsvpFactory(event=other), call_list, [CallResult.BUSY, CallResult.BUSY], start=now)

    assert phonebank_results(session=session, now=now).calls_made == 1
    assert phonebank_results(session=other, now=now).calls_made == 2
    assert phonebank_results(call_list=call_list, now=now).calls_made == 3


def test_export_needs_its_permission_and_is_audited(
    call_list, script, make_caller, make_contacts, now, django_user_model
):
    make_contacts(2)
    steps = steps_by_label(script)
    work(
        make_caller(first_name="Ben"),
        call_list,
        [CallResult.SPOKE, CallResult.DO_NOT_CALL],
        start=now,
        answers={
            steps["Agreement"].pk: "Yes",
            steps["Voting intention"].pk: "Chris",
            steps["Help"].pk: ["Leaflets"],
            steps["Note"].pk: "=cmd|' /C calc'!A0",
        },
    )
    organiser = django_user_model.objects.create_user("org", is_staff=True)
    organiser.groups.add(Group.objects.get(name="Organiser"))
    with pytest.raises(PermissionDenied):
        phonebank_results_export(call_list=call_list, actor=organiser)
    data = django_user_model.objects.create_user("data", is_staff=True)
    data.groups.add(Group.objects.get(name="Data manager"))

    text = phonebank_results_export(call_list=call_list, actor=data)

    rows = list(csv.reader(io.StringIO(text)))
    header = rows[0]
    assert "Voting intention" not in header and "phone" not in " ".join(header).lower()
    assert header[-4:] == ["Agreement", "Help", "Note", "notes"]
    assert rows[1][8] == "Spoke to them" and rows[1][4] == "Ben"
    assert header[:2] == ["list basis", "screened against the TPS on"]
    assert rows[1][:2] == ["Consented to our calls", ""]
    assert rows[1][-2].startswith("'=")  # no formula in a spreadsheet
    assert "+44" not in text and "Example" not in text  # no numbers, no surnames
    audit = AuditEvent.objects.get(action=AuditEvent.Action.EXPORT)
    assert (audit.actor, audit.rows) == (data, 2)


def test_question_labels_in_the_export_header_cannot_run_as_formulas(
    call_list, script, make_caller, make_contacts, now, django_user_model
):
    make_contacts(1)
    steps = steps_by_label(script)
    steps["Help"].short_label = "=HYPERLINK(A1)"
    steps["Help"].save(update_fields=["short_label"])
    steps["Note"].short_label = "@SUM(A1)"
    steps["Note"].save(update_fields=["short_label"])
    work(make_caller(), call_list, [CallResult.NO_ANSWER], start=now)
    data = django_user_model.objects.create_user("data", is_staff=True)
    data.groups.add(Group.objects.get(name="Data manager"))

    text = phonebank_results_export(call_list=call_list, actor=data)

    header = next(csv.reader(io.StringIO(text)))
    assert header[-3:] == ["'=HYPERLINK(A1)", "'@SUM(A1)", "notes"]
