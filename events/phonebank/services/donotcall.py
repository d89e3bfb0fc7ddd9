"""The do-not-call list: wins over every list, every import and every consent."""

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from events.phonebank.models import CallAssignment, CallRecord, DoNotCall
from events.phonebank.phones import phone_to_e164


@transaction.atomic
def do_not_call_add(
    *,
    phone: str,
    reason: str = DoNotCall.Reason.ORGANISER,
    note: str = "",
    actor=None,
    call_record: CallRecord | None = None,
    now: datetime | None = None,
) -> DoNotCall:
    """Never serve this number again, from any list (claims check the list every time, so
    a later import or consent cannot bring it back). A caller holding it loses it at once.
    A number already on the list keeps its first reason."""
    now = now or timezone.now()
    phone = call_record.contact.phone if call_record is not None else phone_to_e164(phone)
    entry, _ = DoNotCall.objects.get_or_create(
        phone=phone,
        defaults={
            "reason": DoNotCall.Reason(reason),
            "note": note[:200],
            "added_by": actor,
            "call_record": call_record,
            "created_at": now,
        },
    )
    held = CallAssignment.objects.filter(
        contact__phone=phone, contact__erased_at__isnull=True, status=CallAssignment.Status.HELD
    )
    if call_record is not None:
        held = held.exclude(pk=call_record.assignment_id)
    held.update(
        status=CallAssignment.Status.WAITING, held_by=None, held_since=None, held_until=None
    )
    return entry
