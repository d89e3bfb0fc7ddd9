"""Loading a TPS or Corporate TPS file: its numbers kept only as keyed hashes.

The file is read line by line and its hashes inserted in batches (COPY on PostgreSQL), so
a file of millions of lines never sits in memory. The new file replaces the last one of
its kind in the same transaction: claims see the old file until this one commits, then
only the new one. Each claim matches its contact against the files in force, so every
screened list is screened again at once; a contact a caller holds right now whose number
the new file registers (and who never agreed to our calls) is taken back from them.
"""

import io
from collections.abc import Iterable
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone

from campaign_site.core.audit import audit_record
from campaign_site.core.models import AuditEvent
from events.phonebank.models import (
    CallAssignment,
    CallList,
    Contact,
    ScreeningFile,
    TpsNumber,
)
from events.phonebank.services.callers import holds_release
from events.phonebank.tps import key_check, phone_hasher, screening_line_to_e164

BATCH = 20_000
MAX_LINE = 64  # a number with spaces and quotes is far shorter: anything longer is not one


@transaction.atomic
def screening_file_load(
    *,
    kind: str,
    lines: Iterable[bytes | str],
    filename: str = "",
    actor=None,
    now: datetime | None = None,
) -> ScreeningFile:
    """Load a TPS or CTPS file (one number a line, national or +44; blank lines and lines
    that are not a UK number are skipped and counted) in place of the last one of its kind.
    Raises ValidationError, nothing changed, for an unknown kind or a file with no numbers."""
    now = now or timezone.now()
    if kind not in ScreeningFile.Kind.values:
        raise ValidationError(f"Unknown screening file kind: {kind}")
    # One upload of a kind at a time: the second waits and then replaces the first.
    previous = list(
        ScreeningFile.objects.select_for_update()
        .filter(kind=kind, replaced_at__isnull=True)
        .values_list("pk", flat=True)
    )
    screening_file = ScreeningFile.objects.create(
        kind=kind,
        filename=filename.replace("\x00", "")[:200],
        uploaded_at=now,
        uploaded_by=actor,
        key_check=key_check(),
    )
    read = kept = 0
    digest = phone_hasher()
    batch: list[bytes] = []
    for raw in lines:
        read += 1
        text = raw.decode("latin-1") if isinstance(raw, bytes) else raw
        e164 = screening_line_to_e164(text) if len(text) <= MAX_LINE else None
        if e164 is None:
            continue
        batch.append(digest(e164))
        if len(batch) >= BATCH:
            kept += _hashes_insert(screening_file.pk, batch)
            batch = []
    kept += _hashes_insert(screening_file.pk, batch)
    if connection.vendor == "postgresql":
        # Fresh statistics, or the planner takes a million new rows for none and joins
        # the contacts to them by walking the whole table (27s for 100,000 rows, not 0.1s).
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {TpsNumber._meta.db_table}")
    if kept == 0:
        raise ValidationError("The file has no UK phone numbers in it: nothing was changed.")
    TpsNumber.objects.filter(screening_file_id__in=previous).delete()
    ScreeningFile.objects.filter(pk__in=previous).update(replaced_at=now)
    screening_file.lines_read, screening_file.numbers_kept = read, kept
    screening_file.lines_skipped = read - kept
    screening_file.save(update_fields=["lines_read", "numbers_kept", "lines_skipped"])
    contacts_rehash()
    taken_back = _holds_of_registered_release(screening_file)
    audit_record(
        actor=actor,
        action=AuditEvent.Action.IMPORT,
        what=f"{screening_file.get_kind_display()} file loaded (#{screening_file.pk}): "
        f"{kept} numbers kept as hashes, {read - kept} lines skipped, "
        f"{taken_back} contacts taken back from callers",
        rows=kept,
    )
    return screening_file


def _hashes_insert(file_id: int, hashes: list[bytes]) -> int:
    if not hashes:
        return 0
    if connection.vendor == "postgresql":
        # COPY's text format: a bytea value is \x<hex>, its backslash escaped.
        data = io.StringIO("".join(f"{file_id}\t\\\\x{h.hex()}\n" for h in hashes))
        with connection.cursor() as cursor:
            cursor.copy_expert(
                f"COPY {TpsNumber._meta.db_table} (screening_file_id, number_hash) FROM STDIN",
                data,
            )
    else:
        TpsNumber.objects.bulk_create(
            [TpsNumber(screening_file_id=file_id, number_hash=h) for h in hashes],
            batch_size=2000,
        )
    return len(hashes)


def contacts_rehash() -> int:
    """Make every contact's phone_hash match its number under the current key (none change
    unless SECRET_KEY did, or a row was written without one). Returns how many changed."""
    digest = phone_hasher()
    stale = []
    for pk, phone, known in (
        Contact.objects.filter(erased_at__isnull=True)
        .exclude(phone="")
        .values_list("pk", "phone", "phone_hash")
        .iterator(chunk_size=5000)
    ):
        wanted = digest(phone)
        if known is None or bytes(known) != wanted:
            stale.append(Contact(pk=pk, phone_hash=wanted))
    Contact.objects.bulk_update(stale, ["phone_hash"], batch_size=2000)
    return len(stale)


def _holds_of_registered_release(screening_file: ScreeningFile) -> int:
    """Contacts a caller holds on a screened list whose number this file registers, and who
    never agreed to our calls, go back (not to be served again while registered).

    Their rows are locked first, the lock a claim takes on the contact it picks (as
    do_not_call_add does): a claim under way has it and this waits, then ends the hold the
    claim made; a later claim passes over them (SKIP LOCKED) until this commits, and then
    finds the number registered."""
    registered = Contact.objects.filter(
        erased_at__isnull=True,
        consent_text="",
        phone_hash__in=TpsNumber.objects.filter(screening_file=screening_file).values(
            "number_hash"
        ),
    )
    ids = list(registered.select_for_update().order_by("pk").values_list("pk", flat=True))
    return holds_release(
        CallAssignment.objects.filter(
            contact_id__in=ids,
            status=CallAssignment.Status.HELD,
            call_list__basis=CallList.Basis.SCREENED,
        )
    )
