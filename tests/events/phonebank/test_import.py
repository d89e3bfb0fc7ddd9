"""Importing contacts: refused rows with reasons, nothing changes before confirmation,
do-not-call wins after a re-import, audited, and a 10,000-row file in seconds."""

import time
from datetime import date, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from campaign_site.core.models import AuditEvent
from events.ics import LONDON
from events.phonebank.import_file import consent_date_parse
from events.phonebank.models import CallAssignment, Contact, ContactImport
from events.phonebank.phones import phone_to_e164
from events.phonebank.services import (
    ImportFileError,
    call_list_add_supporters,
    call_list_create,
    call_result_record,
    contact_claim_next,
    contacts_import_cancel,
    contacts_import_confirm,
    contacts_import_preview,
    do_not_call_add,
)
from tests.events.phonebank.factories import AssignmentFactory, ContactFactory
from volunteers.models import Consent, Supporter

pytestmark = pytest.mark.django_db

HEADER = "name,phone,postcode,consent\n"


def test_valid_rows_wait_for_confirmation_and_refused_ones_say_why(call_list, admin_user, now):
    AssignmentFactory(
        call_list=call_list, contact=ContactFactory(first_name="Mo", phone="+447700900009")
    )
    do_not_call_add(phone="07700 900008")
    csv_text = HEADER + "\n".join(
        [
            'Sam Jones,07700 900001,DE22 1AA,"street stall, 14 Nov"',  # 2 valid
            "Ali,+44 7700 900002,,doorstep 3 Oct",  # 3 no date
            'Jo,07700 123,DE22 1AA,"street stall, 14 Nov"',  # 4 bad number
            ',07700 900003,DE22 1AA,"street stall, 14 Nov"',  # 5 no name
            "Kim,07700 900004,DE22 1AA,",  # 6 no consent
            'Lee,07700900001,DE22 1AA,"stall, 15 Nov"',  # 7 same number as line 2
            'Mo,07700 900009,DE22 1AA,"stall, 15 Nov"',  # 8 already on the list
            'Nia,07700 900008,DE22 1AA,"stall, 15 Nov"',  # 9 do not call
            'Ola,+33 1 23 45 67 89,,"stall, 15 Nov"',  # 10 not UK
            'Pip,01332 000000,NOT A PC,"stall, 15 Nov"',  # 11 bad postcode
            'Quin,020 7946 0000,de221aa,"Festival stand, 01/09/2025"',  # 12 valid
        ]
    )

    preview = contacts_import_preview(
        call_list=call_list, file=csv_text.encode(), filename="stall.csv", actor=admin_user, now=now
    )

    reasons = {row["line"]: row["reason"] for row in preview.refused}
    assert reasons == {
        3: "No date for when they agreed to be called",
        4: "Not a valid UK phone number",
        5: "No name",
        6: "No consent source (where they agreed to be called)",
        7: "Same number as line 2",
        8: "Already on this list",
        9: "On the do-not-call list",
        10: "Not a valid UK phone number",
        11: "Postcode not recognised (leave it blank or correct it)",
    }
    assert (preview.rows_total, preview.rows_valid, preview.rows_refused) == (11, 2, 9)
    assert all("900" not in row["phone"][5:10] for row in preview.refused)  # masked
    # Nothing is on the list yet.
    assert CallAssignment.objects.filter(call_list=call_list).count() == 1
    assert Contact.objects.count() == 1

    added = contacts_import_confirm(contact_import=preview, actor=admin_user, now=now)

    assert added == 2
    sam = Contact.objects.get(phone="+447700900001")
    assert (sam.first_name, sam.surname, sam.postcode) == ("Sam", "Jones", "DE22 1AA")
    assert sam.consent_where == "street stall"
    assert timezone_date(sam.consent_at).day == 14 and sam.consent_at.month == 11
    assert sam.consent_text == "The campaign may phone me about the election"
    assert sam.import_batch == preview
    quin = Contact.objects.get(phone="+442079460000")
    assert (quin.postcode, timezone_date(quin.consent_at)) == ("DE22 1AA", date(2025, 9, 1))
    preview.refresh_from_db()
    assert preview.status == ContactImport.Status.CONFIRMED and preview.pending_rows == []
    audits = list(AuditEvent.objects.filter(action=AuditEvent.Action.IMPORT).order_by("pk"))
    assert [(a.actor, a.rows) for a in audits] == [(admin_user, 11), (admin_user, 2)]


def timezone_date(moment: datetime) -> date:
    return moment.astimezone(LONDON).date()


def test_confirming_twice_or_after_cancelling_changes_nothing(call_list, admin_user):
    preview = contacts_import_preview(
        call_list=call_list, file=HEADER + 'Sam,07700 900001,,"stall, 1 Nov 2025"\n'
    )
    contacts_import_confirm(contact_import=preview, actor=admin_user)
    with pytest.raises(ValidationError):
        contacts_import_confirm(contact_import=preview, actor=admin_user)
    other = contacts_import_preview(
        call_list=call_list, file=HEADER + 'Ali,07700 900002,,"stall, 1 Nov 2025"\n'
    )
    contacts_import_cancel(contact_import=other)
    with pytest.raises(ValidationError):
        contacts_import_confirm(contact_import=other)
    assert CallAssignment.objects.count() == 1


def test_a_number_put_on_do_not_call_after_the_preview_is_left_out(call_list):
    preview = contacts_import_preview(
        call_list=call_list,
        file=HEADER
        + 'Sam,07700 900001,,"stall, 1 Nov 2025"\nAli,07700 900002,,"stall, 1 Nov 2025"\n',
    )
    do_not_call_add(phone="+447700900002")

    assert contacts_import_confirm(contact_import=preview) == 1
    preview.refresh_from_db()
    assert preview.refused[-1]["reason"] == "On the do-not-call list"


def test_do_not_call_holds_across_lists_and_after_a_later_import(
    session, script, call_list, make_caller, now
):
    contacts_import_confirm(
        contact_import=contacts_import_preview(
            call_list=call_list, file=HEADER + 'Sam,07700 900001,,"stall, 1 Nov 2025"\n'
        ),
        now=now - timedelta(minutes=1),
    )
    caller = make_caller()
    held = contact_claim_next(caller=caller, call_list=call_list, now=now)
    call_result_record(caller=caller, assignment=held, result="do_not_call", now=now)

    # A new list, and a fresh file with the same number (and fresh "consent"):
    fresh = call_list_create(name="Second list", script=script, sessions=[session])
    preview = contacts_import_preview(
        call_list=fresh, file=HEADER + 'Sam,+447700900001,,"doorstep, 3 Dec 2025"\n'
    )
    assert preview.refused[0]["reason"] == "On the do-not-call list"
    assert contacts_import_confirm(contact_import=preview) == 0
    # Even a contact put on the new list by other means is not served.
    AssignmentFactory(call_list=fresh, contact=Contact.objects.get(phone="+447700900001"))
    assert contact_claim_next(caller=caller, call_list=fresh, now=now + timedelta(days=1)) is None


def test_a_known_number_on_another_list_joins_this_one(session, script, call_list):
    existing = ContactFactory(first_name="Sam", phone="+447700900001")  # the same Sam
    AssignmentFactory(contact=existing)
    preview = contacts_import_preview(
        call_list=call_list, file=HEADER + 'Sam,07700 900001,,"stall, 1 Nov 2025"\n'
    )
    assert contacts_import_confirm(contact_import=preview) == 1
    assert CallAssignment.objects.get(call_list=call_list).contact == existing


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty"),
        ("name,postcode,consent\nSam,DE22 1AA,stall\n", "phone column"),
        ("phone,consent\n07700 900001,stall\n", "name"),
        ("name,phone\nSam,07700 900001\n", "agreed"),
    ],
)
def test_a_file_that_cannot_be_used_says_why(call_list, text, message):
    with pytest.raises(ImportFileError, match=message):
        contacts_import_preview(call_list=call_list, file=text)
    assert ContactImport.objects.count() == 0


def test_separate_columns_excel_encoding_and_loose_headers(call_list):
    text = "First Name;Surname\n"  # not a CSV with our columns: refused as a whole below
    with pytest.raises(ImportFileError):
        contacts_import_preview(call_list=call_list, file=text)
    text = "First name,Last name,Mobile,Post code,Consent source,Consent date\r\n"
    text += "Zoë,Brontë,07700 900001,DE22 1AA,Café stall,14/11/2025\r\n"
    preview = contacts_import_preview(call_list=call_list, file=text.encode("cp1252"))
    assert preview.rows_valid == 1
    assert preview.pending_rows[0]["first_name"] == "Zoë"
    assert preview.pending_rows[0]["consent_where"] == "Café stall"


def test_consent_dates_are_never_in_the_future():
    today = date(2025, 11, 20)
    assert consent_date_parse("14 Nov", today=today) == date(2025, 11, 14)
    assert consent_date_parse("14 Dec", today=today) == date(2024, 12, 14)
    assert consent_date_parse("2025-11-14", today=today) == date(2025, 11, 14)
    assert consent_date_parse("14 November 2025", today=today) == date(2025, 11, 14)
    assert consent_date_parse("soon", today=today) is None


def test_ten_thousand_rows_in_seconds(session, script, capsys):
    """A big file: bulk inserts, one query for the numbers already known."""
    call_list = call_list_create(name="Big", script=script, sessions=[session])
    lines = [HEADER.strip()]
    # Real-looking (valid) Derby landline numbers, invented: 01332 2xxxxx.
    for n in range(10_000):
        lines.append(f'Person{n} Example,01332 2{n:05d},DE22 1AA,"street stall, 14 Nov 2025"')
    text = "\n".join(lines).encode()

    started = time.perf_counter()
    with CaptureQueriesContext(connection) as preview_queries:
        preview = contacts_import_preview(call_list=call_list, file=text)
    previewed = time.perf_counter()
    with CaptureQueriesContext(connection) as confirm_queries:
        added = contacts_import_confirm(contact_import=preview)
    finished = time.perf_counter()

    assert preview.rows_valid == 10_000 and added == 10_000
    assert CallAssignment.objects.filter(call_list=call_list).count() == 10_000
    with capsys.disabled():
        print(
            f"\n10,000-row import: preview {previewed - started:.2f}s "
            f"({len(preview_queries)} queries), confirm {finished - previewed:.2f}s "
            f"({len(confirm_queries)} queries)"
        )
    assert finished - started < 15
    assert len(preview_queries) < 15
    # Bulk inserts: 2,000 rows a statement on PostgreSQL; SQLite (`make run`) takes at most
    # 999 values a statement, so about a hundred rows.
    assert len(confirm_queries) < (30 if connection.vendor == "postgresql" else 300)


@pytest.mark.parametrize(
    ("number", "reason"),
    [
        ("0906 123 4567", "0906 numbers are premium rate: volunteers would pay to call them"),
        ("0871 123 4567", "0871 numbers carry a service charge: volunteers would pay"),
        ("0845 123 4567", "0845 numbers carry a service charge"),
        ("070 1234 5678", "070 numbers are personal numbers that cost callers a lot"),
        ("07624 123456", "07624 is an Isle of Man mobile: calls to it cost volunteers more"),
        ("01534 123456", "01534 is a Jersey number"),
        ("076 2345 6789", "076 numbers are pagers"),
        ("07700 900219 ext 22", "Has an extension: callers cannot dial one"),
        ("07700 900219 x22", "Has an extension"),
        ("07700 900219 #22", "Has an extension"),
        ("=07700 900219", "Written as a spreadsheet formula (it starts with =)"),
        ('="07700900219"', "Written as a spreadsheet formula"),
    ],
)
def test_numbers_volunteers_must_not_call_are_refused_with_the_reason(call_list, number, reason):
    text = HEADER + f'Sam,"{number.replace(chr(34), chr(34) * 2)}",,"stall, 1 Nov 2025"\n'

    preview = contacts_import_preview(call_list=call_list, file=text)

    assert preview.rows_valid == 0
    assert preview.refused[0]["reason"].startswith(reason)


@pytest.mark.parametrize(
    ("number", "e164"),
    [
        ("07700 900219", "+447700900219"),  # Ofcom drama range, as in the demo and tests
        ("0300 123 4567", "+443001234567"),  # 03: charged as a geographic call
        ("0345 123 4567", "+443451234567"),
        ("0800 123 4567", "+448001234567"),  # freephone
        ("01332 200000", "+441332200000"),
        ("+44 20 7946 0000", "+442079460000"),
    ],
)
def test_uk_mobiles_landlines_03_and_freephone_numbers_are_taken(number, e164):
    assert phone_to_e164(number) == e164


def test_supporters_with_numbers_volunteers_must_not_call_stay_off_the_list(call_list, now):
    for n, phone in enumerate(["+447700900001", "+447624123456", "+449061234567"]):
        supporter = Supporter.objects.create(
            email=f"s{n}@example.org", name=f"Sam{n} Jones", phone=phone, phone_consent_at=now
        )
        Consent.objects.create(
            supporter=supporter,
            wants_phone_calls=True,
            wording="The campaign may phone me about the election",
            page="/join/",
            confirmed_at=now,
        )

    assert call_list_add_supporters(call_list=call_list, now=now) == 1

    assert list(Contact.objects.values_list("phone", flat=True)) == ["+447700900001"]


@pytest.mark.parametrize(
    "content",
    [
        HEADER.encode() + b'Sam,07700 900001,,"stall, 1 Nov 2025"\x00\n',
        HEADER.encode() + b'Sa\x00m,07700 900001,,"stall, 1 Nov 2025"\n',
        b"\x00" + HEADER.encode(),
        (HEADER + 'Sam,07700 900001,,"stall, 1 Nov 2025"\n').encode("utf-16"),
        HEADER + 'Sam,07700 900001,,"stall\x00, 1 Nov 2025"\n',
    ],
)
def test_a_file_with_a_nul_character_is_refused_and_nothing_is_stored(call_list, content):
    with pytest.raises(ImportFileError, match="NUL character"):
        contacts_import_preview(call_list=call_list, file=content)
    assert ContactImport.objects.count() == 0


@pytest.mark.parametrize(
    ("text", "today", "expected"),
    [
        ("29 Feb", date(2028, 3, 10), date(2028, 2, 29)),
        ("29 Feb", date(2028, 2, 29), date(2028, 2, 29)),
        ("29/02", date(2029, 1, 10), date(2028, 2, 29)),  # last year's
        ("29 February", date(2029, 12, 31), date(2028, 2, 29)),
        ("28 Feb", date(2028, 1, 15), date(2027, 2, 28)),
        ("1 Mar", date(2028, 2, 29), date(2027, 3, 1)),
    ],
)
def test_a_day_and_month_is_the_latest_such_day_up_to_today(text, today, expected):
    assert consent_date_parse(text, today=today) == expected


@pytest.mark.parametrize("today", [date(2028, 1, 1), date(2028, 2, 28), date(2027, 6, 1)])
def test_29_february_years_ago_asks_for_the_year(today):
    with pytest.raises(ValidationError, match=r"Write the year \(like 29 Feb 2024\)"):
        consent_date_parse("29 Feb", today=today)


def test_29_february_in_january_of_a_leap_year_is_refused_not_a_crash(call_list):
    text = HEADER + 'Sam,07700 900001,,"stall, 29 Feb"\nAli,07700 900002,,"stall, 2 Jan"\n'
    now = datetime(2028, 1, 15, 12, tzinfo=LONDON)

    preview = contacts_import_preview(call_list=call_list, file=text, now=now)

    assert preview.rows_valid == 1 and preview.pending_rows[0]["first_name"] == "Ali"
    assert preview.refused[0]["reason"].startswith("29 Feb without a year: the last one was")
