"""Callers racing for contacts (real threads, each on its own PostgreSQL connection):
never one contact with two callers at once."""

import threading
from collections import Counter
from datetime import timedelta

import pytest
from django.db import connection, connections
from django.utils import timezone

from events.phonebank.models import CallAssignment, CallResult, NumberShown
from events.phonebank.services import call_list_create, call_result_record, contact_claim_next
from tests.conftest import require
from tests.events.factories import EventFactory, RsvpFactory
from tests.events.phonebank.factories import AssignmentFactory, ContactFactory, full_script


@pytest.fixture
def postgres(transactional_db):
    require(connection.vendor == "postgresql", "PostgreSQL (DATABASE_URL) for SKIP LOCKED")


def run_all(work, items) -> tuple[list, list[BaseException]]:
    """Run work(item) for every item in its own thread and connection, all at once."""
    barrier = threading.Barrier(len(items))
    results, errors = [], []
    lock = threading.Lock()

    def run(item):
        try:
            barrier.wait(timeout=20)
            outcome = work(item)
            with lock:
                results.append(outcome)
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(item,)) for item in items]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results, errors


def phonebank(now):
    return EventFactory(
        phonebank=True, starts_at=now - timedelta(minutes=10), ends_at=now + timedelta(hours=2)
    )


def test_fifty_callers_twenty_contacts(postgres):
    now = timezone.now()
    session = phonebank(now)
    call_list = call_list_create(name="Race", script=full_script(), sessions=[session])
    for n in range(20):
        AssignmentFactory(call_list=call_list, contact=ContactFactory(phone=f"+447700900{n:03d}"))
    callers = [RsvpFactory(event=session) for _ in range(50)]

    results, errors = run_all(
        lambda caller: (caller.pk, contact_claim_next(caller=caller, call_list=call_list, now=now)),
        callers,
    )

    assert errors == []
    claimed = [(caller_id, a.contact_id) for caller_id, a in results if a is not None]
    assert len(claimed) == 20
    assert len({contact_id for _, contact_id in claimed}) == 20  # no contact twice
    assert sum(1 for _, a in results if a is None) == 30
    held = CallAssignment.objects.filter(status=CallAssignment.Status.HELD)
    assert held.count() == 20
    assert {(a.held_by_id, a.contact_id) for a in held} == set(claimed)
    assert NumberShown.objects.count() == 20


def test_callers_working_through_a_list_in_rounds(postgres):
    """Each of 50 callers keeps claiming and recording until nobody is left: every contact
    is called exactly once, and no two callers ever held the same one."""
    now = timezone.now()
    session = phonebank(now)
    call_list = call_list_create(name="Rounds", script=full_script(), sessions=[session])
    for n in range(20):
        AssignmentFactory(call_list=call_list, contact=ContactFactory(phone=f"+447700900{n:03d}"))
    callers = [RsvpFactory(event=session) for _ in range(50)]

    def work(caller):
        called = []
        while (held := contact_claim_next(caller=caller, call_list=call_list, now=now)) is not None:
            call_result_record(caller=caller, assignment=held, result=CallResult.SPOKE, now=now)
            called.append(held.contact_id)
        return called

    results, errors = run_all(work, callers)

    assert errors == []
    called = Counter(contact_id for batch in results for contact_id in batch)
    assert len(called) == 20 and set(called.values()) == {1}
    assert CallAssignment.objects.filter(status=CallAssignment.Status.DONE).count() == 20


def test_two_lists_sharing_contacts(postgres):
    """The same 20 people on two lists, 25 callers on each: each person with one caller."""
    now = timezone.now()
    script = full_script()
    sessions = [phonebank(now), phonebank(now)]
    lists = [
        call_list_create(name=f"List {n}", script=script, sessions=[s])
        for n, s in enumerate(sessions)
    ]
    for n in range(20):
        contact = ContactFactory(phone=f"+447700900{n:03d}")
        for call_list in lists:
            AssignmentFactory(call_list=call_list, contact=contact)
    callers = [
        (RsvpFactory(event=s), call_list)
        for s, call_list in zip(sessions, lists, strict=True)
        for _ in range(25)
    ]

    results, errors = run_all(
        lambda pair: contact_claim_next(caller=pair[0], call_list=pair[1], now=now), callers
    )

    assert errors == []
    claimed = [a.contact_id for a in results if a is not None]
    assert len(claimed) == 20 and len(set(claimed)) == 20
