"""Callers racing for contacts (real threads, each on its own PostgreSQL connection):
never one contact with two callers at once, nor with a caller once on the do-not-call
list or once the caller is suspended."""

import threading
import time
from collections import Counter
from datetime import timedelta

import pytest
from django.db import connection, connections, transaction
from django.utils import timezone

from events.phonebank.models import CallAssignment, CallResult, Contact, NumberShown
from events.phonebank.services import (
    CallerNotAllowed,
    call_list_create,
    call_result_record,
    caller_suspend,
    contact_claim_next,
    do_not_call_add,
)
from events.phonebank.services.callers import holds_release
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


class Background:
    """work() in a thread with its own connection; .result or .error once it is done."""

    def __init__(self, work):
        self.result, self.error = None, None

        def run():
            try:
                self.result = work()
            except BaseException as exc:  # noqa: BLE001 - reported by the test
                self.error = exc
            finally:
                connections.close_all()

        self.thread = threading.Thread(target=run)
        self.thread.start()

    def join(self):
        self.thread.join(timeout=30)
        assert not self.thread.is_alive()


def paused_before_commit(work, then=None) -> tuple[Background, threading.Event]:
    """work() in its own transaction, left open (its locks held, its writes unseen by
    others) until the returned event is set; then() runs after that, before the commit."""
    done, go = threading.Event(), threading.Event()

    def run():
        with transaction.atomic():
            outcome = work()
            done.set()
            go.wait(timeout=30)
            if then is not None:
                then()
        return outcome

    background = Background(run)
    assert done.wait(timeout=30)
    return background, go


def blocked_or_done(background: Background) -> None:
    """Return once the thread waits for a row lock (or has finished without waiting)."""
    deadline = time.monotonic() + 20
    while background.thread.is_alive() and time.monotonic() < deadline:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
            if cursor.fetchone()[0]:
                return
        threading.Event().wait(0.02)


def held_numbers() -> list[str]:
    return list(
        CallAssignment.objects.filter(status=CallAssignment.Status.HELD).values_list(
            "contact__phone", flat=True
        )
    )


@pytest.fixture
def one_contact_list():
    now = timezone.now()
    session = phonebank(now)
    call_list = call_list_create(name="DNC race", script=full_script(), sessions=[session])
    AssignmentFactory(call_list=call_list, contact=ContactFactory(phone="+447700900001"))
    return now, session, call_list


def test_a_claim_while_a_number_goes_on_do_not_call_does_not_get_it(postgres, one_contact_list):
    """The do-not-call entry is written but not yet committed when a caller presses Next:
    the claim must not show the number (it would, unseen, and keep it after the commit)."""
    now, session, call_list = one_contact_list
    caller = RsvpFactory(event=session)
    dnc, commit = paused_before_commit(lambda: do_not_call_add(phone="07700 900001", now=now))

    claim = Background(lambda: contact_claim_next(caller=caller, call_list=call_list, now=now))
    blocked_or_done(claim)
    commit.set()
    dnc.join()
    claim.join()

    assert dnc.error is None and claim.error is None
    assert claim.result is None
    assert held_numbers() == []
    assert NumberShown.objects.count() == 0


def test_do_not_call_while_a_claim_commits_ends_the_new_hold(postgres, one_contact_list):
    """The claim has held the number but not yet committed when it goes on the list: the
    do-not-call add waits for it and then takes the contact away from the caller."""
    now, session, call_list = one_contact_list
    caller = RsvpFactory(event=session)
    claim, commit = paused_before_commit(
        lambda: contact_claim_next(caller=caller, call_list=call_list, now=now)
    )

    dnc = Background(lambda: do_not_call_add(phone="07700 900001", now=now))
    blocked_or_done(dnc)
    commit.set()
    claim.join()
    dnc.join()

    assert dnc.error is None and claim.error is None
    assert claim.result is not None  # it was shown, before the number went on the list
    assert held_numbers() == []


def test_do_not_call_while_the_holder_presses_next_again(postgres, one_contact_list):
    """The caller already holds the number and asks for it again as it goes on the list:
    no deadlock, and the caller does not keep it."""
    now, session, call_list = one_contact_list
    caller = RsvpFactory(event=session)
    assert contact_claim_next(caller=caller, call_list=call_list, now=now) is not None
    dnc, commit = paused_before_commit(lambda: do_not_call_add(phone="07700 900001", now=now))

    claim = Background(lambda: contact_claim_next(caller=caller, call_list=call_list, now=now))
    blocked_or_done(claim)
    commit.set()
    dnc.join()
    claim.join()

    assert dnc.error is None and claim.error is None
    assert claim.result is None
    assert held_numbers() == []


def test_the_holders_claim_waits_for_the_contact_before_the_place(postgres, one_contact_list):
    """Taking a contact away (do not call, consent withdrawn) locks the contact, then
    changes its places. The holder pressing Next meanwhile must wait on the contact first:
    holding the place while waiting for the contact would deadlock with the change."""
    now, session, call_list = one_contact_list
    caller = RsvpFactory(event=session)
    held = contact_claim_next(caller=caller, call_list=call_list, now=now)
    contact = held.contact
    taking_away, go_on = paused_before_commit(
        lambda: list(Contact.objects.select_for_update().filter(pk=contact.pk)),
        then=lambda: holds_release(CallAssignment.objects.filter(pk=held.pk)),
    )

    claim = Background(lambda: contact_claim_next(caller=caller, call_list=call_list, now=now))
    blocked_or_done(claim)
    go_on.set()
    taking_away.join()
    claim.join()

    assert taking_away.error is None and claim.error is None


def test_a_claim_from_another_sign_up_while_the_person_is_suspended(postgres):
    """Suspending a caller covers all their sign-ups: a claim made through another of
    them while the suspension is being written waits for it, and is then refused."""
    now = timezone.now()
    first, second = phonebank(now), phonebank(now)
    call_list = call_list_create(name="Suspend", script=full_script(), sessions=[first, second])
    AssignmentFactory(call_list=call_list, contact=ContactFactory(phone="+447700900001"))
    caller = RsvpFactory(event=first)
    other_signup = RsvpFactory(event=second, supporter=caller.supporter)
    suspension, commit = paused_before_commit(
        lambda: caller_suspend(caller=caller, reason="Rude to a contact", now=now)
    )

    claim = Background(
        lambda: contact_claim_next(caller=other_signup, call_list=call_list, now=now)
    )
    blocked_or_done(claim)
    commit.set()
    suspension.join()
    claim.join()

    assert suspension.error is None
    assert isinstance(claim.error, CallerNotAllowed), claim.result
    assert held_numbers() == []


def test_claims_racing_a_tps_file_that_registers_the_numbers(postgres):
    """Callers claiming (some already holding a contact) while a new TPS file registering
    half the list's numbers is loaded: once it is in, none of those numbers is with a caller,
    and none is served again."""
    from events.phonebank.models import CallList, ScreeningFile
    from events.phonebank.services.screening import screening_file_load

    now = timezone.now()
    session = phonebank(now)
    for kind in ScreeningFile.Kind.values:
        screening_file_load(kind=kind, lines=["01332 000001"], now=now - timedelta(days=1))
    call_list = call_list_create(
        name="Constituents",
        script=full_script(),
        sessions=[session],
        basis=CallList.Basis.SCREENED,
    )
    phones = [f"+447700900{n:03d}" for n in range(30)]
    for phone in phones:
        contact = ContactFactory(phone=phone, consent_text="", consent_where="", consent_at=None)
        AssignmentFactory(call_list=call_list, contact=contact)
    registered = set(phones[::2])
    holding = [RsvpFactory(event=session) for _ in range(10)]
    for caller in holding:  # ten callers hold contacts before the file arrives
        assert contact_claim_next(caller=caller, call_list=call_list, now=now) is not None
    assert CallAssignment.objects.filter(status="held", contact__phone__in=registered).exists()
    newcomers = [RsvpFactory(event=session) for _ in range(10)]
    file_lines = [f"0{phone[3:]}\n".encode() for phone in sorted(registered)]

    def work(item):
        if item == "upload":
            return screening_file_load(kind=ScreeningFile.Kind.TPS, lines=file_lines, now=now)
        return contact_claim_next(caller=item, call_list=call_list, now=now)

    _, errors = run_all(work, ["upload", *holding, *newcomers])

    assert errors == []
    with_callers = CallAssignment.objects.filter(status="held", held_until__gte=now)
    assert not with_callers.filter(contact__phone__in=registered).exists()
    served = []
    for caller in [*holding, *newcomers]:
        while (held := contact_claim_next(caller=caller, call_list=call_list, now=now)) is not None:
            served.append(held.contact.phone)
            call_result_record(caller=caller, assignment=held, result=CallResult.SPOKE, now=now)
    assert not set(served) & registered
    done = CallAssignment.objects.filter(status="done").values_list("contact__phone", flat=True)
    assert set(done) == set(phones) - registered
