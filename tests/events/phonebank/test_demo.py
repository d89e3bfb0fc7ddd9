"""`make run`'s demo: each phonebank session gets a call list of made-up people on drama
numbers, with the sample script; running it again adds nothing."""

import io

import pytest
from django.core.management import call_command

from events.models import Event
from events.phonebank.demo import CONSTITUENTS, ON_CTPS, ON_TPS
from events.phonebank.models import CallList, CallResult, Contact, ScreeningFile, ScriptStep
from events.phonebank.phones import is_drama_number
from events.phonebank.services import call_result_record, contact_claim_next
from tests.events.factories import RsvpFactory

pytestmark = pytest.mark.django_db


def test_demo_phonebanks_get_call_lists_of_drama_numbers():
    call_command("demo_events", stdout=io.StringIO())
    phonebanks = Event.objects.filter(kind=Event.Kind.PHONEBANK)
    lists = CallList.objects.count()
    contacts = Contact.objects.count()

    call_command("demo_events", stdout=io.StringIO())

    assert lists == phonebanks.count() + 1 > 1
    assert (CallList.objects.count(), Contact.objects.count()) == (lists, contacts)
    assert all(is_drama_number(phone) for phone in Contact.objects.values_list("phone", flat=True))
    for session in phonebanks:
        consented = session.call_lists.get(basis=CallList.Basis.CONSENTED)
        assert consented.assignments.count() == 20
    steps = list(consented.script.steps.order_by("position"))
    kinds = [step.kind for step in steps]
    political = next(step for step in steps if step.records_political_opinion)
    assert kinds.index(ScriptStep.Kind.AGREEMENT) < steps.index(political)
    assert political.short_label == "Voting intention"
    assert any("take your number off" in step.text for step in steps)  # the privacy line
    assert any(step.short_label == "Volunteering" for step in steps)


def test_the_demo_s_constituents_list_leaves_out_the_numbers_on_its_tps_files():
    call_command("demo_events", stdout=io.StringIO())
    screened = CallList.objects.get(basis=CallList.Basis.SCREENED)
    session = screened.sessions.get()
    on_files = {f"+441632960{n:03d}" for n in (*ON_TPS, *ON_CTPS)}
    caller = RsvpFactory(event=session)
    now = session.starts_at

    served = []
    while (held := contact_claim_next(caller=caller, call_list=screened, now=now)) is not None:
        served.append(held.contact.phone)
        call_result_record(caller=caller, assignment=held, result=CallResult.SPOKE, now=now)

    assert len(served) == CONSTITUENTS - len(on_files) and not set(served) & on_files
    assert all(is_drama_number(phone) for phone in served)
    assert set(ScreeningFile.objects.values_list("kind", flat=True)) == {"tps", "ctps"}
    call_command("demo_events", stdout=io.StringIO())
    assert ScreeningFile.objects.count() == 2
