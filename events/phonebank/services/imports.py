"""Importing contacts from a CSV file: preview first, then the organiser confirms.

A row is refused, with its reason, when it has no name, no number, a number that is not a
valid UK number or one volunteers must not call from their own phones (premium rate,
personal numbers, the Crown dependencies, an extension: see phones.phone_to_e164), no
record of where or when the person agreed to be called, a number that is on the
do-not-call list or already on the list, or the same number as an earlier row.
A number already on file for someone else (another name) is never merged into that
person's record: the preview shows it as a conflict and the organiser chooses, row by row,
to keep the person on file, take the new one (the old record is erased) or skip it.
The preview changes no list; confirming adds the valid rows (checked again at that
moment). Both steps are audited. A 10,000-row file takes one query for the numbers already
known and bulk inserts.
"""

import calendar
import csv
import io
import re
from collections.abc import Mapping
from datetime import date, datetime, time
from typing import IO

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from campaign_site.core.audit import audit_record
from campaign_site.core.models import AuditEvent
from events.ics import LONDON
from events.phonebank.models import (
    CallAssignment,
    CallList,
    Contact,
    ContactConsent,
    ContactImport,
    DoNotCall,
)
from events.phonebank.phones import phone_masked, phone_to_e164
from events.phonebank.services.lists import (
    assignments_add,
    contacts_for_numbers,
    is_same_person,
)
from events.phonebank.services.privacy import contacts_erase_number_passed_on
from volunteers.consent import PHONE_CALLS_LABEL
from volunteers.validators import normalise_postcode

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 50_000

# Header names people use, matched after lower-casing and dropping spaces, _ and -.
COLUMNS = {
    "name": {"name", "fullname"},
    "first_name": {"firstname", "forename", "givenname", "first"},
    "surname": {"surname", "lastname", "familyname", "last"},
    "phone": {"phone", "phonenumber", "number", "mobile", "telephone", "tel", "mobilenumber"},
    "postcode": {"postcode", "postalcode", "zip"},
    "consent": {"consent", "consentsource", "agreed", "whereagreed", "source", "consentwhere"},
    "consent_date": {"consentdate", "dateagreed", "date", "agreedon", "consentwhen", "when"},
}
DATE_FORMATS = ["%Y-%m-%d", "%d/%m/%Y", "%d/%m/%y", "%d %b %Y", "%d %B %Y", "%d-%m-%Y"]
NO_YEAR_FORMATS = ["%d %b", "%d %B", "%d/%m", "%b %d", "%B %d"]

# What a kept row is: its number is not on file, on file for the same person, or on file
# for someone else (a conflict: the organiser chooses one of CHOICES for it).
NEW, SAME, CONFLICT = "new", "same", "conflict"
KEEP_OLD, TAKE_NEW, SKIP = "keep", "new", "skip"
CHOICES = (KEEP_OLD, TAKE_NEW, SKIP)
CHANGED = "The number's record changed since the check: import this row again"


class ImportFileError(ValidationError):
    """The file as a whole cannot be read (not CSV, too big, no phone column)."""


def _key(header: str) -> str:
    return re.sub(r"[\s_\-]", "", (header or "").strip().lower())


def _columns(headers: list[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for index, header in enumerate(headers):
        key = _key(header)
        for column, names in COLUMNS.items():
            if key in names and column not in found:
                found[column] = index
    if "phone" not in found:
        raise ImportFileError(
            "The file needs a header row with a phone column (and name, postcode, consent "
            "source and date). See the example on this page."
        )
    if "name" not in found and "first_name" not in found:
        raise ImportFileError("The file needs a name (or first name) column.")
    if "consent" not in found:
        raise ImportFileError(
            "The file needs a column saying where each person agreed to be called "
            '(e.g. "street stall"), with the date in it or in its own column.'
        )
    return found


def _text(file: IO[bytes] | IO[str] | str | bytes) -> str:
    raw = file if isinstance(file, str | bytes) else file.read()
    if len(raw) > MAX_BYTES:
        raise ImportFileError(f"The file is over {MAX_BYTES // (1024 * 1024)} MB.")
    text = raw if isinstance(raw, str) else _decoded(raw)
    if "\x00" in text:
        # PostgreSQL cannot store it, and a CSV file saved from a spreadsheet never has one:
        # a UTF-16 or Excel file, or a damaged one.
        line = text.count("\n", 0, text.index("\x00")) + 1
        raise ImportFileError(
            f"The file has a NUL character in it (line {line}), so it is not a plain CSV "
            'file. Save it from your spreadsheet as "CSV UTF-8" and try again.'
        )
    return text.lstrip("\ufeff")


def _decoded(raw: bytes) -> str:
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ImportFileError("The file is not text (save it from your spreadsheet as CSV).")


def consent_date_parse(value: str, *, today: date) -> date | None:
    """'14 Nov', '14 November 2025', '14/11/2025', '2025-11-14' -> a date, never in the
    future: a day and month without a year is the latest such day up to today. None when
    not understood. '29 Feb' is this year's or last year's; when neither has been (the
    last was years ago, more likely a slip), ValidationError asks for the year."""
    value = re.sub(r"\s+", " ", (value or "").strip().rstrip("."))
    if not value:
        return None
    for fmt in DATE_FORMATS:
        try:
            return datetime.strptime(value, fmt).date()  # noqa: DTZ007 - a date, no time
        except ValueError:
            continue
    for fmt in NO_YEAR_FORMATS:
        try:
            # Read in a leap year, so that 29 February is understood whatever today is.
            day = datetime.strptime(f"{value} 2000", f"{fmt} %Y").date()  # noqa: DTZ007
        except ValueError:
            continue
        return _latest_up_to(today, month=day.month, day=day.day)
    return None


def _latest_up_to(today: date, *, month: int, day: int) -> date:
    """This year's day-month if it is not after today, otherwise last year's."""
    for year in (today.year, today.year - 1):
        try:
            candidate = date(year, month, day)
        except ValueError:  # 29 February in a year that has none
            continue
        if candidate <= today:
            return candidate
    # Only 29 February gets here, when neither this year nor last year had one up to today.
    last = next(y for y in range(today.year - 2, today.year - 9, -1) if calendar.isleap(y))
    raise ValidationError(
        f"29 Feb without a year: the last one was in {last}, years ago. "
        f"Write the year (like 29 Feb {last})",
        code="consent_date",
    )


def _consent_parts(row: list[str], columns: dict[str, int], *, today: date):
    where = _cell(row, columns.get("consent"))
    when_text = _cell(row, columns.get("consent_date"))
    if not when_text and "," in where:
        head, _, tail = where.rpartition(",")
        try:
            is_date = consent_date_parse(tail, today=today) is not None
        except ValidationError:  # a date, but one to ask about: _row_parse says why
            is_date = True
        if is_date:
            where, when_text = head.strip(), tail.strip()
    return where, when_text


def _cell(row: list[str], index: int | None) -> str:
    if index is None or index >= len(row):
        return ""
    return row[index].strip()


@transaction.atomic
def contacts_import_preview(
    *,
    call_list: CallList,
    file: IO[bytes] | IO[str] | str | bytes,
    filename: str = "",
    consent_wording: str = PHONE_CALLS_LABEL,
    actor=None,
    now: datetime | None = None,
) -> ContactImport:
    """Read the file and keep its valid rows, waiting for the organiser to confirm.

    Raises ImportFileError (a ValidationError) when the file as a whole cannot be used."""
    now = now or timezone.now()
    today = timezone.localdate(now, timezone=LONDON)
    reader = csv.reader(io.StringIO(_text(file)))
    try:
        headers = next(reader)
    except StopIteration:
        raise ImportFileError("The file is empty.") from None
    except csv.Error:
        raise ImportFileError("The file is not a CSV file.") from None
    columns = _columns(headers)
    valid: list[dict] = []
    refused: list[dict] = []
    by_phone: dict[str, int] = {}
    try:
        rows = list(reader)
    except csv.Error as exc:
        raise ImportFileError(f"The file is not a CSV file ({exc}).") from None
    if len(rows) > MAX_ROWS:
        raise ImportFileError(f"The file has over {MAX_ROWS:,} rows; split it into parts.")
    for line, row in enumerate(rows, start=2):
        if not any(cell.strip() for cell in row):
            continue
        parsed, reason = _row_parse(row, columns, today=today, wording=consent_wording)
        shown = (parsed or {}).get("first_name") or _cell(row, columns.get("name"))
        if reason is None and parsed is not None and parsed["phone"] in by_phone:
            reason = f"Same number as line {by_phone[parsed['phone']]}"
        if reason is not None or parsed is None:
            number = (parsed or {}).get("phone") or ""
            refused.append(
                {
                    "line": line,
                    "reason": reason or "Not a usable row",
                    "name": shown[:60],
                    "phone": phone_masked(number),
                }
            )
            continue
        by_phone[parsed["phone"]] = line
        valid.append({**parsed, "line": line})
    valid, refused_known = _sort_known(call_list=call_list, rows=valid)
    refused = sorted(refused + refused_known, key=lambda row: row["line"])
    contact_import = ContactImport.objects.create(
        call_list=call_list,
        filename=filename.replace("\x00", "")[:200],
        rows_total=len(valid) + len(refused),
        rows_valid=len(valid),
        rows_refused=len(refused),
        pending_rows=valid,
        refused=refused,
        uploaded_by=actor,
        uploaded_at=now,
    )
    audit_record(
        actor=actor,
        action=AuditEvent.Action.IMPORT,
        what=f"Contacts file read for call list {call_list}: {len(refused)} rows refused "
        f"(import #{contact_import.pk}, not yet added)",
        rows=contact_import.rows_total,
    )
    return contact_import


def _row_parse(row, columns, *, today: date, wording: str) -> tuple[dict | None, str | None]:
    first_name = _cell(row, columns.get("first_name"))
    surname = _cell(row, columns.get("surname"))
    if not first_name:
        first, _, rest = _cell(row, columns.get("name")).partition(" ")
        first_name, surname = first, surname or rest.strip()
    phone_text = _cell(row, columns.get("phone"))
    if not first_name:
        return None, "No name"
    if not phone_text:
        return None, "No phone number"
    try:
        phone = phone_to_e164(phone_text)
    except ValidationError as error:
        if error.code == "phone_refused":  # a UK number volunteers must not call: say why
            return None, error.messages[0]
        return None, "Not a valid UK phone number"
    where, when_text = _consent_parts(row, columns, today=today)
    result = {"first_name": first_name[:60], "surname": surname[:60], "phone": phone}
    if not where:
        return result, "No consent source (where they agreed to be called)"
    if not when_text:
        return result, "No date for when they agreed to be called"
    try:
        when = consent_date_parse(when_text, today=today)
    except ValidationError as error:
        return result, error.messages[0]
    if when is None:
        return result, f'Date "{when_text[:20]}" not understood (write it like 14 Nov 2025)'
    if when > today:
        return result, "The date they agreed is in the future"
    try:
        postcode = normalise_postcode(_cell(row, columns.get("postcode")))
    except ValidationError:
        return result, "Postcode not recognised (leave it blank or correct it)"
    return {
        **result,
        "postcode": postcode,
        "consent_text": wording,
        "consent_where": where[:200],
        "consent_at": datetime.combine(when, time(12), tzinfo=LONDON).isoformat(),
    }, None


def _refused(row: dict, reason: str) -> dict:
    return {
        "line": row["line"],
        "reason": reason,
        "name": row["first_name"],
        "phone": phone_masked(row["phone"]),
    }


def _sort_known(*, call_list: CallList, rows: list[dict]) -> tuple[list[dict], list[dict]]:
    """Drop rows whose number is on the do-not-call list or belongs to a supporter who
    withdrew their agreement, or is already on this list for the same person; mark the
    others "new" (number not on file), "same" (on file for the same person: their
    agreement in this file is kept as a ContactConsent) or "conflict"
    (on file for someone else: the organiser chooses). One query each, for the whole file."""
    phones = [row["phone"] for row in rows]
    blocked = set(DoNotCall.objects.filter(phone__in=phones).values_list("phone", flat=True))
    on_file = {
        contact.phone: contact
        for contact in Contact.objects.filter(phone__in=phones, erased_at__isnull=True)
        .select_related("supporter")
        .only("first_name", "surname", "phone", "supporter_id", "supporter__phone_consent_at")
    }
    on_list = set(
        CallAssignment.objects.filter(
            call_list=call_list, contact__in=[c.pk for c in on_file.values()]
        ).values_list("contact_id", flat=True)
    )
    valid, refused = [], []
    for row in rows:
        contact = on_file.get(row["phone"])
        if row["phone"] in blocked:
            refused.append(_refused(row, "On the do-not-call list"))
        elif contact is None:
            valid.append({**row, "kind": NEW, "existing_id": None})
        elif contact.supporter is not None and contact.supporter.phone_consent_at is None:
            refused.append(_refused(row, "This person withdrew their agreement to be phoned"))
        elif not is_same_person(contact, row):
            # The other person's name is not copied here: it is looked up when shown
            # (import_conflicts), so erasing them leaves nothing of theirs in the import.
            valid.append({**row, "kind": CONFLICT, "existing_id": contact.pk})
        elif contact.pk in on_list:
            refused.append(_refused(row, "Already on this list"))
        else:
            valid.append({**row, "kind": SAME, "existing_id": contact.pk})
    return valid, refused


def import_counts(contact_import: ContactImport) -> dict[str, int]:
    """What confirming the import would do: rows "new" to the campaign, "same" person
    already on file, and "conflict" (the number is on file for someone else)."""
    counts = {NEW: 0, SAME: 0, CONFLICT: 0}
    for row in contact_import.pending_rows:
        counts[row.get("kind", NEW)] += 1
    return counts


def import_conflicts(contact_import: ContactImport) -> list[dict]:
    """The rows of a preview whose number is on file for someone else, each with
    `existing`: that person's name as it is now (one query)."""
    rows = [row for row in contact_import.pending_rows if row.get("kind") == CONFLICT]
    names = {
        contact.pk: f"{contact.first_name} {contact.surname}".strip()
        for contact in Contact.objects.filter(
            pk__in=[row["existing_id"] for row in rows], erased_at__isnull=True
        )
    }
    return [{**row, "existing": names.get(row["existing_id"], "(erased)")} for row in rows]


@transaction.atomic
def contacts_import_confirm(
    *,
    contact_import: ContactImport,
    choices: Mapping[int, str] | None = None,
    actor=None,
    now: datetime | None = None,
) -> int:
    """Add the import's valid rows to its list. Numbers that went on the do-not-call list
    (or onto the list) since the preview are left out.

    A row whose number is on file for someone else ("conflict") needs a choice, by line:
    KEEP_OLD puts the person on file on the list (the row's person and their agreement are
    not added), TAKE_NEW erases the old record (privacy.contacts_erase_number_passed_on)
    and adds the row's person with their agreement, SKIP leaves the row out. Raises
    ValidationError (nothing changed) when a conflict has no choice. A row that became a
    conflict, or stopped being one, since the preview is refused: import it again.
    Returns how many contacts were added to the list."""
    now = now or timezone.now()
    choices = choices or {}
    contact_import = ContactImport.objects.select_for_update().get(pk=contact_import.pk)
    if contact_import.status != ContactImport.Status.PREVIEW:
        raise ValidationError("This import was already confirmed or cancelled.")
    undecided = [
        row["line"]
        for row in contact_import.pending_rows
        if row.get("kind") == CONFLICT and choices.get(row["line"]) not in CHOICES
    ]
    if undecided:
        lines = ", ".join(str(line) for line in undecided)
        raise ValidationError(
            f"Choose what to do with each number already on file for someone else "
            f"(line {lines}): nothing has been added yet."
        )
    call_list = contact_import.call_list
    previewed = {row["line"]: row for row in contact_import.pending_rows}
    rows, late_refused = _sort_known(call_list=call_list, rows=contact_import.pending_rows)
    create, kept, passed_on = [], [], []
    for row in rows:
        before = previewed[row["line"]]
        if (row["kind"] == CONFLICT or before.get("kind") == CONFLICT) and (
            row["kind"],
            row["existing_id"],
        ) != (before.get("kind"), before.get("existing_id")):
            late_refused.append(_refused(row, CHANGED))
            continue
        row["consent_at"] = datetime.fromisoformat(row["consent_at"])
        if row["kind"] != CONFLICT:
            create.append(row)
            continue
        choice = choices[row["line"]]
        if choice == TAKE_NEW:
            passed_on.append(row["existing_id"])
            create.append(row)
        elif choice == KEEP_OLD:
            kept.append(row["existing_id"])
            late_refused.append(_refused(row, "Kept the person on file for this number"))
        else:
            late_refused.append(_refused(row, "Skipped: the number is on file for someone else"))
    contacts_erase_number_passed_on(contact_ids=passed_on, now=now)
    contacts = contacts_for_numbers(rows=create, now=now, import_batch=contact_import)
    _further_consents_keep(
        rows=[row for row in create if row["kind"] == SAME],
        contacts=contacts,
        contact_import=contact_import,
        now=now,
    )
    contacts += list(Contact.objects.filter(pk__in=kept, erased_at__isnull=True))
    added = assignments_add(call_list=call_list, contacts=contacts, now=now)
    contact_import.status = ContactImport.Status.CONFIRMED
    contact_import.pending_rows = []
    contact_import.refused = sorted(
        contact_import.refused + late_refused, key=lambda row: row["line"]
    )
    contact_import.rows_refused = len(contact_import.refused)
    contact_import.rows_imported = added
    contact_import.confirmed_by, contact_import.confirmed_at = actor, now
    contact_import.save()
    replaced = f", {len(passed_on)} earlier records erased for a new owner" if passed_on else ""
    audit_record(
        actor=actor,
        action=AuditEvent.Action.IMPORT,
        what=f"Contacts imported to call list {call_list} (import #{contact_import.pk}{replaced})",
        rows=added,
    )
    return added


def _further_consents_keep(
    *, rows: list[dict], contacts: list[Contact], contact_import: ContactImport, now: datetime
) -> None:
    """The agreement on each row for a person already on file is kept beside theirs
    (unless it is the same evidence again, as when one sheet is imported to two lists)."""
    by_phone = {contact.phone: contact for contact in contacts}
    rows = [row for row in rows if row["phone"] in by_phone]
    known = {
        (c.contact_id, c.consent_text, c.consent_where, c.consent_at)
        for c in ContactConsent.objects.filter(contact__in=[by_phone[r["phone"]] for r in rows])
    }
    known |= {(c.pk, c.consent_text, c.consent_where, c.consent_at) for c in contacts}
    further = []
    for row in rows:
        contact = by_phone[row["phone"]]
        evidence = (contact.pk, row["consent_text"], row["consent_where"], row["consent_at"])
        if evidence not in known:
            known.add(evidence)
            further.append(
                ContactConsent(
                    contact=contact,
                    consent_text=row["consent_text"],
                    consent_where=row["consent_where"],
                    consent_at=row["consent_at"],
                    import_batch=contact_import,
                    created_at=now,
                )
            )
    ContactConsent.objects.bulk_create(further, batch_size=2000)


@transaction.atomic
def contacts_import_cancel(*, contact_import: ContactImport, actor=None) -> None:
    """Drop a preview: nothing was added, and the rows it kept are deleted."""
    contact_import = ContactImport.objects.select_for_update().get(pk=contact_import.pk)
    if contact_import.status != ContactImport.Status.PREVIEW:
        raise ValidationError("This import was already confirmed or cancelled.")
    contact_import.status = ContactImport.Status.CANCELLED
    contact_import.pending_rows = []
    contact_import.save(update_fields=["status", "pending_rows"])
