"""The do-not-call list: wins over every list, every import and every consent."""

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from events.phonebank.models import CallAssignment, CallRecord, Contact, DoNotCall
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
    A number already on the list keeps its first reason.

    The contacts with this number are locked first, the lock a claim takes on the contact
    it picks: a claim under way holds it and this waits, then ends the hold the claim made;
    a claim that comes after passes over them (SKIP LOCKED) until the entry is committed,
    and then sees it. Without the lock, a claim could hold the number between this
    entry's insert and its commit, unseen by either side."""
    now = now or timezone.now()
    phone = call_record.contact.phone if call_record is not None else phone_to_e164(phone)
    list(Contact.objects.select_for_update().filter(phone=phone).order_by("pk").values_list("pk"))
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
