"""Claiming the next contact: held for one caller, results first, expiry, release,
suspension, and who is never served (do-not-call, no consent)."""

from datetime import timedelta

import pytest

from events.models import Rsvp
from events.phonebank.models import CallAssignment, CallList, CallResult, Contact, NumberShown
from events.phonebank.selectors import caller_call_lists, caller_current_hold
from events.phonebank.services import (
    CallerNotAllowed,
    ContactNotHeld,
    call_holds_expire,
    call_list_create,
    call_result_record,
    caller_release_all,
    caller_suspend,
    caller_suspension_lift,
    contact_claim_next,
    do_not_call_add,
)
from tests.events.factories import EventFactory, RsvpFactory
from tests.events.phonebank.factories import AssignmentFactory, ContactFactory

pytestmark = pytest.mark.django_db


def test_a_claim_holds_the_contact_for_this_caller_for_15_minutes(
    call_list, make_caller, make_contacts, now
):
    first, _ = make_contacts(2)
    caller = make_caller()

    claimed = contact_claim_next(caller=caller, call_list=call_list, now=now)

    assert claimed.contact == first  # the longest waiting first
    claimed.refresh_from_db()
    assert claimed.status == CallAssignment.Status.HELD
    assert claimed.held_by == caller
    assert claimed.held_until == now + timedelta(minutes=15)
    shown = NumberShown.objects.get()
    assert (shown.contact, shown.caller, shown.shown_at) == (first, caller, now)


def test_the_result_comes_before_the_next_contact(call_list, make_caller, make_contacts, now):
    make_contacts(3)
    caller = make_caller()
    first = contact_claim_next(caller=caller, call_list=call_list, now=now)

    again = contact_claim_next(caller=caller, call_list=call_list, now=now + timedelta(minutes=2))

    assert again.pk == first.pk
    assert CallAssignment.objects.filter(status=CallAssignment.Status.HELD).count() == 1
    assert NumberShown.objects.count() == 2  # shown twice, logged twice
    call_result_record(
        caller=caller, assignment=again, result=CallResult.NO_ANSWER, now=now + timedelta(minutes=3)
    )
    following = contact_claim_next(
        caller=caller, call_list=call_list, now=now + timedelta(minutes=3)
    )
    assert following.contact != first.contact


def test_two_callers_get_different_contacts_and_run_out(call_list, make_caller, make_contacts, now):
    make_contacts(2)
    one, two, three = make_caller(), make_caller(), make_caller()

    a = contact_claim_next(caller=one, call_list=call_list, now=now)
    b = contact_claim_next(caller=two, call_list=call_list, now=now)

    assert a.contact != b.contact
    assert contact_claim_next(caller=three, call_list=call_list, now=now) is None


def test_a_contact_on_two_lists_is_never_with_two_callers(session, script, make_caller, now):
    other_session = EventFactory(
        phonebank=True, starts_at=now - timedelta(minutes=5), ends_at=now + timedelta(hours=1)
    )
    list_a = call_list_create(name="A", script=script, sessions=[session])
    list_b = call_list_create(name="B", script=script, sessions=[other_session])
    from tests.events.phonebank.factories import AssignmentFactory, ContactFactory

    shared = ContactFactory(phone="+447700900500")
    AssignmentFactory(call_list=list_a, contact=shared)
    AssignmentFactory(call_list=list_b, contact=shared)
    caller_a = make_caller()
    caller_b = RsvpFactory(event=other_session)

    assert contact_claim_next(caller=caller_a, call_list=list_a, now=now).contact == shared
    assert contact_claim_next(caller=caller_b, call_list=list_b, now=now) is None


def test_a_hold_runs_out_and_the_contact_returns_to_the_pool(
    call_list, make_caller, make_contacts, now
):
    (contact,) = make_contacts(1)
    slow, other = make_caller(), make_caller()
    held = contact_claim_next(caller=slow, call_list=call_list, now=now)

    assert (
        contact_claim_next(caller=other, call_list=call_list, now=now + timedelta(minutes=14))
        is None
    )
    later = contact_claim_next(caller=other, call_list=call_list, now=now + timedelta(minutes=16))

    assert later.pk == held.pk and later.contact == contact
    later.refresh_from_db()
    assert later.held_by == other
    with pytest.raises(ContactNotHeld):
        call_result_record(
            caller=slow, assignment=held, result=CallResult.SPOKE, now=now + timedelta(minutes=17)
        )


def test_a_caller_may_still_record_after_the_hold_ran_out_if_nobody_took_it(
    call_list, make_caller, make_contacts, now
):
    make_contacts(1)
    caller = make_caller()
    held = contact_claim_next(caller=caller, call_list=call_list, now=now)

    record = call_result_record(
        caller=caller, assignment=held, result=CallResult.BUSY, now=now + timedelta(minutes=20)
    )

    assert record.result == CallResult.BUSY


def test_the_tidy_up_frees_holds_long_past_their_time(call_list, make_caller, make_contacts, now):
    make_contacts(2)
    caller, other = make_caller(), make_caller()
    old = contact_claim_next(caller=caller, call_list=call_list, now=now - timedelta(minutes=31))
    contact_claim_next(caller=other, call_list=call_list, now=now - timedelta(minutes=31))
    # Still on the page ten minutes ago: the hold was renewed.
    fresh = contact_claim_next(caller=other, call_list=call_list, now=now - timedelta(minutes=10))

    assert call_holds_expire(now=now) == 1

    old.refresh_from_db()
    fresh.refresh_from_db()
    assert (old.status, old.held_by) == (CallAssignment.Status.WAITING, None)
    assert fresh.status == CallAssignment.Status.HELD


def test_done_for_today_releases_everything_the_caller_holds(
    call_list, make_caller, make_contacts, now
):
    make_contacts(1)
    caller, other = make_caller(), make_caller()
    held = contact_claim_next(caller=caller, call_list=call_list, now=now)

    assert caller_release_all(caller=caller, now=now) == 1

    assert caller_current_hold(caller=caller) is None
    assert contact_claim_next(caller=other, call_list=call_list, now=now).pk == held.pk


def test_a_suspended_caller_loses_what_they_hold_and_cannot_go_on(
    call_list, make_caller, make_contacts, now, admin_user
):
    make_contacts(2)
    caller, other = make_caller(), make_caller()
    held = contact_claim_next(caller=caller, call_list=call_list, now=now)

    suspension = caller_suspend(caller=caller, reason="Complaint from a voter", actor=admin_user)

    held.refresh_from_db()
    assert (held.status, held.held_by) == (CallAssignment.Status.WAITING, None)
    assert caller_call_lists(caller=caller).count() == 0
    with pytest.raises(CallerNotAllowed, match="paused"):
        contact_claim_next(caller=caller, call_list=call_list, now=now)
    with pytest.raises(CallerNotAllowed):
        call_result_record(caller=caller, assignment=held, result=CallResult.SPOKE, now=now)
    # The suspension follows the person to their other sessions.
    elsewhere = RsvpFactory(supporter=caller.supporter)
    with pytest.raises(CallerNotAllowed):
        contact_claim_next(caller=elsewhere, call_list=call_list, now=now)
    assert contact_claim_next(caller=other, call_list=call_list, now=now).pk == held.pk

    caller_suspension_lift(suspension=suspension, actor=admin_user)
    assert caller_call_lists(caller=caller).count() == 1


def test_only_callers_going_to_a_session_of_an_open_list(
    call_list, make_caller, make_contacts, now
):
    make_contacts(1)
    cancelled = make_caller(status=Rsvp.Status.CANCELLED)
    elsewhere = RsvpFactory(event=EventFactory(phonebank=True))
    with pytest.raises(CallerNotAllowed):
        contact_claim_next(caller=cancelled, call_list=call_list, now=now)
    with pytest.raises(CallerNotAllowed, match="not for your session"):
        contact_claim_next(caller=elsewhere, call_list=call_list, now=now)
    call_list.status = CallList.Status.PAUSED
    call_list.save()
    with pytest.raises(CallerNotAllowed, match="not open"):
        contact_claim_next(caller=make_caller(), call_list=call_list, now=now)


def test_a_number_on_the_do_not_call_list_is_never_served(
    call_list, make_caller, make_contacts, now
):
    blocked, allowed = make_contacts(2)
    do_not_call_add(phone="07700 900000", note="Rang the office")

    claimed = contact_claim_next(caller=make_caller(), call_list=call_list, now=now)

    assert claimed.contact == allowed
    assert contact_claim_next(caller=make_caller(), call_list=call_list, now=now) is None


def test_do_not_call_takes_a_held_number_away_from_its_caller(
    call_list, make_caller, make_contacts, now
):
    make_contacts(1)
    caller = make_caller()
    held = contact_claim_next(caller=caller, call_list=call_list, now=now)

    do_not_call_add(phone=held.contact.phone)

    with pytest.raises(ContactNotHeld):
        call_result_record(caller=caller, assignment=held, result=CallResult.SPOKE, now=now)
    assert contact_claim_next(caller=caller, call_list=call_list, now=now) is None


def test_no_number_is_served_without_consent_behind_it(call_list, make_caller, make_contacts, now):
    make_contacts(1, consent_text="")
    assert contact_claim_next(caller=make_caller(), call_list=call_list, now=now) is None


def test_call_backs_that_are_due_come_first(call_list, make_caller, make_contacts, now):
    first, second = make_contacts(2)
    caller = make_caller()
    held = contact_claim_next(caller=caller, call_list=call_list, now=now)
    assert held.contact == first
    call_result_record(
        caller=caller,
        assignment=held,
        result=CallResult.CALL_BACK,
        callback_at=now + timedelta(hours=1),
        now=now,
    )
    # Before the time: the next one.
    nxt = contact_claim_next(caller=caller, call_list=call_list, now=now + timedelta(minutes=1))
    assert nxt.contact == second
    caller_release_all(caller=caller)
    # After it: the call-back, ahead of the contact waiting longer.
    due = contact_claim_next(caller=caller, call_list=call_list, now=now + timedelta(hours=1))
    assert due.contact == first


def test_a_second_look_keeps_the_time_a_hold_began(call_list, make_caller, make_contacts, now):
    make_contacts(2)
    caller, other = make_caller(), make_caller()
    first = contact_claim_next(caller=caller, call_list=call_list, now=now)

    again = contact_claim_next(caller=caller, call_list=call_list, now=now + timedelta(minutes=5))
    again.refresh_from_db()

    assert again.pk == first.pk
    assert again.held_since == now  # when they were first given the contact
    assert again.held_until == now + timedelta(minutes=20)
    later = now + timedelta(minutes=21)  # their 15 minutes have run out
    taken = contact_claim_next(caller=other, call_list=call_list, now=later)
    taken.refresh_from_db()
    assert (taken.pk, taken.held_by, taken.held_since) == (first.pk, other, later)


def test_a_held_contact_who_may_no_longer_be_called_is_let_go(
    call_list, make_caller, make_contacts, now
):
    first, second = make_contacts(2)
    caller = make_caller()
    contact_claim_next(caller=caller, call_list=call_list, now=now)
    # The consent behind the number is gone (a correction in the database, not a service
    # that would take the contact away itself).
    Contact.objects.filter(pk=first.pk).update(consent_text="")

    nxt = contact_claim_next(caller=caller, call_list=call_list, now=now + timedelta(minutes=1))

    assert nxt.contact == second
    held = CallAssignment.objects.filter(status=CallAssignment.Status.HELD)
    assert list(held.values_list("contact", "held_by")) == [(second.pk, caller.pk)]


def test_a_contact_now_with_a_caller_on_another_list_is_passed_over(
    session, script, make_caller, now
):
    """The second look under the lock: the claim lets go of a place whose contact is with
    someone on another list, and serves the next contact instead."""
    mine = call_list_create(name="Mine", script=script, sessions=[session])
    theirs = call_list_create(name="Theirs", script=script, sessions=[session])
    shared, waiting = ContactFactory(), ContactFactory()
    on_mine = AssignmentFactory(call_list=mine, contact=shared)
    on_theirs = AssignmentFactory(call_list=theirs, contact=shared)
    AssignmentFactory(call_list=mine, contact=waiting)
    caller, other = make_caller(), make_caller()
    held = {"status": CallAssignment.Status.HELD, "held_since": now}
    until = now + timedelta(minutes=10)
    # As a race leaves it: each caller holding the same person, on a different list.
    CallAssignment.objects.filter(pk=on_mine.pk).update(held_by=caller, held_until=until, **held)
    CallAssignment.objects.filter(pk=on_theirs.pk).update(held_by=other, held_until=until, **held)

    claimed = contact_claim_next(caller=caller, call_list=mine, now=now)

    assert claimed.contact == waiting
    on_mine.refresh_from_db()
    assert on_mine.status == CallAssignment.Status.WAITING and on_mine.held_by is None
    assert not NumberShown.objects.filter(contact=shared).exists()
