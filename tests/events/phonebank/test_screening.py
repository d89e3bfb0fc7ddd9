"""Screened constituents' lists: TPS and Corporate TPS files loaded as keyed hashes, a
registered number never served without its owner's agreement, a screening over 28 days old
stops the list, and an objection on any list stops the number on every list."""

import html
import io
from datetime import date, time, timedelta

import pytest
from django.core.exceptions import ValidationError

from events.phonebank.hours import phonebank_settings_get
from events.phonebank.models import (
    CallAssignment,
    CallList,
    CallResult,
    Contact,
    ScreeningFile,
    TpsNumber,
)
from events.phonebank.screening import STALE, screening_status
from events.phonebank.services import (
    CallerNotAllowed,
    call_list_create,
    call_result_record,
    caller_claim,
    contact_claim_next,
    contacts_import_confirm,
    contacts_import_preview,
    phonebank_settings_update,
)
from events.phonebank.services.screening import screening_file_load
from events.phonebank.tps import phone_hash
from tests.events.phonebank.factories import AssignmentFactory, ContactFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def all_day():
    """Calling hours around the clock, so the caller's screen is open at any hour."""
    hours = phonebank_settings_get()
    hours.weekday_opens = hours.sunday_opens = time(0)
    hours.weekday_closes = hours.sunday_closes = time(23, 59, 59, 999999)
    phonebank_settings_update(phonebank_settings=hours)


NO_CONSENT = {"consent_text": "", "consent_where": "", "consent_at": None}


def load(kind, numbers, *, now=None, filename="tps.txt"):
    lines = io.BytesIO("".join(f"{n}\n" for n in numbers).encode())
    return screening_file_load(kind=kind, lines=lines, filename=filename, now=now)


@pytest.fixture
def screened(session, script, now):
    """A screened list, with TPS and CTPS files loaded yesterday (none of its numbers)."""
    load(ScreeningFile.Kind.TPS, ["01332 000001"], now=now - timedelta(days=1))
    load(ScreeningFile.Kind.CTPS, ["01332 000002"], now=now - timedelta(days=1))
    return call_list_create(
        name="Allestree constituents",
        script=script,
        sessions=[session],
        basis=CallList.Basis.SCREENED,
    )


def place(call_list, phone, now, **contact):
    contact = ContactFactory(phone=phone, **contact)
    AssignmentFactory(call_list=call_list, contact=contact, next_try_at=now - timedelta(hours=1))
    return contact


def claims(caller, call_list, now):
    """Every contact the caller is given, recording each one's result, until nobody is left."""
    served = []
    while (held := contact_claim_next(caller=caller, call_list=call_list, now=now)) is not None:
        served.append(held.contact.phone)
        call_result_record(caller=caller, assignment=held, result=CallResult.SPOKE, now=now)
    return served


def test_a_tps_registered_number_never_reaches_a_caller(screened, make_caller, now):
    place(screened, "+441332000001", now, **NO_CONSENT)  # on the TPS file
    place(screened, "+441332000002", now, **NO_CONSENT)  # on the Corporate TPS file
    place(screened, "+447700900005", now, **NO_CONSENT)  # on neither

    assert claims(make_caller(), screened, now) == ["+447700900005"]


def test_a_consented_tps_registered_contact_is_still_served(screened, make_caller, now):
    place(screened, "+441332000001", now)  # agreed to our calls (consent on record)

    assert claims(make_caller(), screened, now) == ["+441332000001"]


def test_a_new_file_screens_the_contacts_already_on_a_list(screened, make_caller, now):
    place(screened, "+447700900005", now, **NO_CONSENT)
    place(screened, "+447700900006", now, **NO_CONSENT)
    caller = make_caller()
    first = contact_claim_next(caller=caller, call_list=screened, now=now)
    assert first is not None

    # This month's file registers both: the one with the caller is taken back at once.
    load(ScreeningFile.Kind.TPS, ["07700 900005", "07700900006"], now=now)

    first.refresh_from_db()
    assert first.status == CallAssignment.Status.WAITING
    assert claims(caller, screened, now) == []
    assert claims(make_caller(), screened, now) == []


def test_a_stale_screening_stops_serving(screened, call_list, make_caller, now, all_day):
    place(screened, "+447700900005", now, **NO_CONSENT)
    place(screened, "+447700900006", now)  # consented: the whole list stops all the same
    call_list.status = CallList.Status.CLOSED
    call_list.save()
    caller = make_caller()
    assert screening_status(now=now).is_fresh is True
    over_28_days = now - timedelta(days=28, minutes=1)
    load(ScreeningFile.Kind.TPS, ["01332 000001"], now=over_28_days)

    assert screening_status(now=now).is_fresh is False
    assert contact_claim_next(caller=caller, call_list=screened, now=now) is None
    with pytest.raises(CallerNotAllowed, match=STALE):
        caller_claim(caller=caller, now=now)
    assert STALE in screening_status(now=now).problem
    assert "over 28 days ago" in screening_status(now=now).problem

    load(ScreeningFile.Kind.TPS, ["01332 000001"], now=now)
    assert sorted(claims(caller, screened, now)) == ["+447700900005", "+447700900006"]


def test_without_both_files_a_screened_list_is_not_served(session, script, make_caller, now):
    screened = call_list_create(
        name="Constituents", script=script, sessions=[session], basis=CallList.Basis.SCREENED
    )
    place(screened, "+447700900005", now, **NO_CONSENT)
    load(ScreeningFile.Kind.TPS, ["01332 000001"], now=now)

    assert contact_claim_next(caller=make_caller(), call_list=screened, now=now) is None
    assert "Corporate TPS" in screening_status(now=now).problem


def test_an_objection_on_one_list_blocks_the_number_on_every_list(
    screened, call_list, make_caller, now
):
    contact = place(call_list, "+447700900007", now)  # consented, on both lists
    AssignmentFactory(call_list=screened, contact=contact, next_try_at=now - timedelta(hours=1))
    other = place(screened, "+447700900008", now, **NO_CONSENT)
    caller = make_caller()
    held = contact_claim_next(caller=caller, call_list=call_list, now=now)
    assert held is not None and held.contact == contact

    call_result_record(caller=caller, assignment=held, result=CallResult.DO_NOT_CALL, now=now)

    assert claims(make_caller(), screened, now) == [other.phone]
    assert claims(make_caller(), call_list, now) == []
    for target in (call_list, screened):
        contact_import = contacts_import_preview(
            call_list=target,
            file='name,phone,postcode,consent\nPat Example,07700 900007,,"stall, 1 Nov"\n',
            source="Our doorstep records",
            source_date=now.date(),
            now=now,
        )
        assert [row["reason"] for row in contact_import.refused] == ["On the do-not-call list"]


def test_a_screened_import_needs_a_source_but_no_consent_column(screened, now):
    file = (
        "name,phone,postcode\n"
        "Sam Jones,07700 900010,DE22 1AA\n"
        "Ali Khan,01332 000001,DE22 1AB\n"  # registered with the TPS
        "Jo Bloggs,0909 8790000,DE22 1AC\n"  # premium rate: never a volunteer's cost
        "Lee Smith,not a number,\n"
    )
    with pytest.raises(ValidationError, match="came from"):
        contacts_import_preview(call_list=screened, file=file, now=now)

    contact_import = contacts_import_preview(
        call_list=screened,
        file=file,
        source="Our doorstep records",
        source_date=date(2026, 11, 20),
        now=now,
    )
    reasons = {row["line"]: row["reason"] for row in contact_import.refused}
    assert reasons[3].startswith("Registered with the TPS")
    assert "premium rate" in reasons[4]
    assert reasons[5] == "Not a valid UK phone number"
    assert contacts_import_confirm(contact_import=contact_import, now=now) == 1
    sam = Contact.objects.get(phone="+447700900010")
    assert (sam.consent_text, sam.source, sam.source_date) == (
        "",
        "Our doorstep records",
        date(2026, 11, 20),
    )
    assert bytes(sam.phone_hash) == phone_hash("+447700900010")


def test_a_consented_list_still_needs_the_consent_column(call_list, now):
    with pytest.raises(ValidationError, match="agreed to be called"):
        contacts_import_preview(
            call_list=call_list, file="name,phone\nSam Jones,07700 900010\n", now=now
        )


def test_a_file_is_read_line_by_line_and_replaces_the_last_of_its_kind(now):
    first = load(ScreeningFile.Kind.TPS, ["01332 000001", "01332 000003"], now=now)
    ctps = load(ScreeningFile.Kind.CTPS, ["01332 000009"], now=now)
    lines = [
        "01332000004",
        "",
        "+44 1332 000005",
        "441332000006",
        "garbage",
        "123",
        "0" * 200,
        '"01332 000007"',
    ]

    second = load(ScreeningFile.Kind.TPS, lines, now=now + timedelta(days=1))

    first.refresh_from_db()
    assert first.replaced_at is not None
    assert (second.lines_read, second.numbers_kept, second.lines_skipped) == (8, 4, 4)
    assert TpsNumber.objects.filter(screening_file=first).count() == 0
    assert TpsNumber.objects.filter(screening_file=ctps).count() == 1
    kept = set(
        bytes(h)
        for h in TpsNumber.objects.filter(screening_file=second).values_list(
            "number_hash", flat=True
        )
    )
    assert kept == {phone_hash(f"+44133200000{n}") for n in (4, 5, 6, 7)}
    assert screening_status(now=now + timedelta(days=1)).files["tps"] == second


def test_a_file_without_numbers_changes_nothing(now):
    first = load(ScreeningFile.Kind.TPS, ["01332 000001"], now=now)
    with pytest.raises(ValidationError, match="no UK phone numbers"):
        load(ScreeningFile.Kind.TPS, ["", "hello"], now=now)
    first.refresh_from_db()
    assert first.replaced_at is None
    assert TpsNumber.objects.count() == 1


def test_the_command_loads_a_file_from_disk(tmp_path):
    from django.core.management import call_command

    path = tmp_path / "ctps.txt"
    path.write_text("01332 000001\nrubbish\n")
    out = io.StringIO()

    call_command("phonebank_tps_load", "ctps", str(path), stdout=out)

    assert "1 numbers kept as hashes, 1 lines skipped" in out.getvalue()
    assert ScreeningFile.objects.get().kind == "ctps"


def test_a_constituents_call_gets_its_own_privacy_line(screened, call_list, make_caller, now):
    from django.template.loader import render_to_string

    from events.phonebank.selectors import script_steps

    place(screened, "+447700900005", now, **NO_CONSENT)
    held = contact_claim_next(caller=make_caller(), call_list=screened, now=now)
    steps = script_steps(script=screened.script)

    page = html.unescape(
        render_to_string("events/phonebank/_script.html", {"steps": steps, "hold": held})
    )
    consented = html.unescape(render_to_string("events/phonebank/_script.html", {"steps": steps}))

    assert "We're ringing people across the constituency" in page
    assert "because you told the campaign it could phone you" not in page
    assert "because you told the campaign it could phone you" in consented


def test_a_contact_held_when_the_screening_runs_out_is_not_given_again(screened, make_caller, now):
    place(screened, "+447700900005", now, **NO_CONSENT)
    caller = make_caller()
    held = contact_claim_next(caller=caller, call_list=screened, now=now)
    assert held is not None
    for kind in ScreeningFile.Kind.values:  # the files in force are now 29 days old
        load(kind, ["01332 000001"], now=now - timedelta(days=29))

    assert contact_claim_next(caller=caller, call_list=screened, now=now) is None
    held.refresh_from_db()
    assert held.status == CallAssignment.Status.WAITING
