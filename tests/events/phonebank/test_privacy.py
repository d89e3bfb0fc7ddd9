"""Retention and erasure: political opinions go first, then numbers, answers and notes;
a supporter's erasure takes their contact, answers and notes with it."""

from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from campaign_site.core.models import AuditEvent
from campaign_site.core.selectors import campaign_settings_get
from campaign_site.core.services import campaign_settings_update
from events.ics import LONDON
from events.phonebank.models import (
    CallAnswer,
    CallAssignment,
    CallRecord,
    CallResult,
    Contact,
    ContactImport,
    DoNotCall,
    OpinionAnswer,
)
from events.phonebank.services import (
    call_result_record,
    contact_claim_next,
    contacts_import_preview,
    phonebank_retention_erase_due,
)
from events.phonebank.tasks import phonebank_retention_task
from tests.events.phonebank.factories import steps_by_label
from volunteers.models import Supporter
from volunteers.services import supporter_erase

pytestmark = pytest.mark.django_db


def retain_until(day):
    campaign = campaign_settings_get()
    campaign.volunteer_data_retained_until = day
    campaign_settings_update(campaign=campaign)


def at_noon(day) -> datetime:
    return datetime(day.year, day.month, day.day, 12, tzinfo=LONDON)


@pytest.fixture
def calls_made(call_list, script, make_caller, make_contacts, now):
    """Three conversations with answers and notes, and two do-not-call numbers."""
    make_contacts(5)
    steps = steps_by_label(script)
    caller = make_caller()
    answers = {
        steps["Agreement"].pk: "Yes",
        steps["Voting intention"].pk: "Chris",
        steps["Help"].pk: ["Leaflets"],
        steps["Note"].pk: "Lives on Duffield Road",
    }
    for result in [CallResult.SPOKE] * 3 + [CallResult.DO_NOT_CALL, CallResult.WRONG_PERSON]:
        held = contact_claim_next(caller=caller, call_list=call_list, now=now)
        call_result_record(
            caller=caller,
            assignment=held,
            result=result,
            answers=answers,
            notes="Said to ring after six",
            now=now,
        )
    contacts_import_preview(call_list=call_list, file="name,phone,consent\nSam,07700 900999,x\n")
    return caller


def test_nothing_goes_before_the_retention_date(calls_made):
    today = timezone.localdate(timezone=LONDON)
    retain_until(today + timedelta(days=1))

    assert phonebank_retention_erase_due(now=at_noon(today)) == 0

    assert OpinionAnswer.objects.count() == 3
    assert Contact.objects.filter(erased_at__isnull=True).count() == 5


def test_political_opinions_go_first_on_the_retention_date_itself(calls_made):
    today = timezone.localdate(timezone=LONDON)
    retain_until(today)

    phonebank_retention_erase_due(now=at_noon(today))

    assert OpinionAnswer.objects.count() == 0
    assert CallAnswer.objects.count() == 9  # the rest waits a day
    assert Contact.objects.filter(erased_at__isnull=True).count() == 5
    audit = AuditEvent.objects.get(action=AuditEvent.Action.RETENTION)
    assert "political-opinion" in audit.what and audit.rows == 3


def test_after_the_retention_date_numbers_answers_and_notes_go(calls_made):
    today = timezone.localdate(timezone=LONDON)
    retain_until(today - timedelta(days=1))

    erased = phonebank_retention_task()

    assert erased == 5
    assert OpinionAnswer.objects.count() == 0 and CallAnswer.objects.count() == 0
    assert not Contact.objects.exclude(phone="").exists()
    assert set(Contact.objects.values_list("first_name", flat=True)) == {"(erased)"}
    assert not CallRecord.objects.exclude(notes="").exists()
    assert CallRecord.objects.count() == 5  # counts stay
    assert not CallAssignment.objects.filter(status__in=["waiting", "held"]).exists()
    # Objections stay, so they are never called again; a wrong number does not.
    assert list(DoNotCall.objects.values_list("reason", flat=True)) == ["asked"]
    assert ContactImport.objects.get().refused == []
    assert phonebank_retention_erase_due() == 0  # a second run does nothing


def test_a_supporters_erasure_takes_their_contact_answers_and_notes(
    call_list, script, make_caller, now
):
    supporter = Supporter.objects.create(
        email="sam@example.org", phone="+447700900001", phone_consent_at=now
    )
    contact = Contact.objects.create(
        first_name="Sam",
        phone="+447700900001",
        supporter=supporter,
        consent_text="x",
        consent_where="/join/",
        consent_at=now,
    )
    other = Contact.objects.create(
        first_name="Ali", phone="+447700900002", consent_text="x", consent_where="y", consent_at=now
    )
    for person in (contact, other):
        CallAssignment.objects.create(
            call_list=call_list, contact=person, next_try_at=now - timedelta(minutes=1)
        )
    steps = steps_by_label(script)
    caller = make_caller()
    for _ in range(2):
        held = contact_claim_next(caller=caller, call_list=call_list, now=now)
        call_result_record(
            caller=caller,
            assignment=held,
            result=CallResult.SPOKE,
            answers={steps["Agreement"].pk: "Yes", steps["Voting intention"].pk: "Chris"},
            notes="Note about them",
            now=now,
        )

    supporter_erase(supporter=supporter)

    contact.refresh_from_db()
    assert (contact.first_name, contact.phone, contact.supporter) == ("(erased)", "", None)
    assert OpinionAnswer.objects.filter(record__contact=contact).count() == 0
    assert CallAnswer.objects.filter(record__contact=contact).count() == 0
    assert CallRecord.objects.get(contact=contact).notes == ""
    # Someone else's data is untouched.
    assert OpinionAnswer.objects.filter(record__contact=other).count() == 1
    assert CallRecord.objects.get(contact=other).notes == "Note about them"


def test_the_privacy_notice_says_what_phonebanking_keeps_and_why(client):
    page = client.get("/privacy/").content.decode()
    section = page[page.index('id="phonebanking"') :]
    for words in [
        "The campaign may phone me about the election",
        "not registered with the Telephone Preference Service",
        "own records of people we spoke to on the doorstep",
        "a data supplier",
        "each number's source and its date",
        "at least every 28 days",
        "whichever way we got your number",
        "first half of your postcode",
        "May we note your answer?",
        "erased first",
        "do-not-call list",
        "retention date",
    ]:
        assert words in section, words
