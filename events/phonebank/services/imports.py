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

from collections.abc import Mapping
from datetime import date, datetime
from typing import IO

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from campaign_site.core.audit import audit_record
from campaign_site.core.models import AuditEvent
from events.ics import LONDON
from events.phonebank.import_file import ImportFileError, file_rows_read
from events.phonebank.models import (
    CallAssignment,
    CallList,
    Contact,
    ContactConsent,
    ContactImport,
    DoNotCall,
    TpsNumber,
)
from events.phonebank.phones import phone_masked
from events.phonebank.services.lists import (
    assignments_add,
    contacts_for_numbers,
    is_same_person,
)
from events.phonebank.services.privacy import contacts_erase_number_passed_on
from events.phonebank.tps import phone_hasher
from volunteers.consent import PHONE_CALLS_LABEL

# What a kept row is: its number is not on file, on file for the same person, or on file
# for someone else (a conflict: the organiser chooses one of CHOICES for it).
NEW, SAME, CONFLICT = "new", "same", "conflict"
KEEP_OLD, TAKE_NEW, SKIP = "keep", "new", "skip"
CHOICES = (KEEP_OLD, TAKE_NEW, SKIP)
CHANGED = "The number's record changed since the check: import this row again"
REGISTERED = "Registered with the TPS or Corporate TPS: not called unless they agree to our calls"


@transaction.atomic
def contacts_import_preview(
    *,
    call_list: CallList,
    file: IO[bytes] | IO[str] | str | bytes,
    filename: str = "",
    consent_wording: str = PHONE_CALLS_LABEL,
    source: str = "",
    source_date: date | None = None,
    actor=None,
    now: datetime | None = None,
) -> ContactImport:
    """Read the file and keep its valid rows, waiting for the organiser to confirm.

    A screened list's import has no consent column but a `source` (where the numbers came
    from: "our doorstep records", a supplier) and its `source_date`; each row gets them.
    Raises ImportFileError (a ValidationError) when the file as a whole cannot be used."""
    now = now or timezone.now()
    today = timezone.localdate(now, timezone=LONDON)
    source = source.strip()[:200]
    if call_list.is_screened:
        if not source or source_date is None:
            raise ImportFileError(
                "Say where these numbers came from (our doorstep records, or the supplier) "
                "and as of when."
            )
        if source_date > today:
            raise ImportFileError("The source's date is in the future.")
    else:
        source, source_date = "", None
    valid, refused = file_rows_read(
        file, today=today, wording=consent_wording, needs_consent=not call_list.is_screened
    )
    if source_date is not None:
        valid = [{**row, "source": source, "source_date": source_date.isoformat()} for row in valid]
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
        source=source,
        source_date=source_date,
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
    (on file for someone else: the organiser chooses). On a screened list, a number
    registered with the TPS or Corporate TPS is refused unless the person on file agreed
    to our calls (claims check the files in force again, each time). One query each, for
    the whole file."""
    phones = [row["phone"] for row in rows]
    blocked = set(DoNotCall.objects.filter(phone__in=phones).values_list("phone", flat=True))
    on_file = {
        contact.phone: contact
        for contact in Contact.objects.filter(phone__in=phones, erased_at__isnull=True)
        .select_related("supporter")
        .only(
            "first_name",
            "surname",
            "phone",
            "consent_text",
            "supporter_id",
            "supporter__phone_consent_at",
        )
    }
    registered: set[str] = set()
    if call_list.is_screened:
        digest = phone_hasher()
        by_hash = {digest(phone): phone for phone in phones}
        registered = {
            by_hash[bytes(h)]
            for h in TpsNumber.objects.filter(number_hash__in=list(by_hash)).values_list(
                "number_hash", flat=True
            )
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
        elif row["phone"] in registered and (contact is None or not contact.consent_text):
            refused.append(_refused(row, REGISTERED))
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
        if row.get("consent_at"):
            row["consent_at"] = datetime.fromisoformat(row["consent_at"])
        if row.get("source_date"):
            row["source_date"] = date.fromisoformat(row["source_date"])
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
        rows=[row for row in create if row["kind"] == SAME and row.get("consent_text")],
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
    known: set[tuple[int, str, str, datetime | None]] = {
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
