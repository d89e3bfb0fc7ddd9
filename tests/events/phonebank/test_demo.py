"""`make run`'s demo: each phonebank session gets a call list of made-up people on drama
numbers, with the sample script; running it again adds nothing."""

import io

import pytest
from django.core.management import call_command

from events.models import Event
from events.phonebank.models import CallList, Contact, ScriptStep
from events.phonebank.phones import is_drama_number

pytestmark = pytest.mark.django_db


def test_demo_phonebanks_get_call_lists_of_drama_numbers():
    call_command("demo_events", stdout=io.StringIO())
    phonebanks = Event.objects.filter(kind=Event.Kind.PHONEBANK)
    lists = CallList.objects.count()
    contacts = Contact.objects.count()

    call_command("demo_events", stdout=io.StringIO())

    assert lists == phonebanks.count() > 0
    assert (CallList.objects.count(), Contact.objects.count()) == (lists, contacts)
    assert all(is_drama_number(phone) for phone in Contact.objects.values_list("phone", flat=True))
    for session in phonebanks:
        assert session.call_lists.get().assignments.count() == 20
    steps = list(CallList.objects.first().script.steps.order_by("position"))
    kinds = [step.kind for step in steps]
    political = next(step for step in steps if step.records_political_opinion)
    assert kinds.index(ScriptStep.Kind.AGREEMENT) < steps.index(political)
    assert political.short_label == "Voting intention"
    assert any("take your number off" in step.text for step in steps)  # the privacy line
    assert any(step.short_label == "Volunteering" for step in steps)
