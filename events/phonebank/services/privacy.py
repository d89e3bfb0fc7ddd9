"""Privacy: consent withdrawn, a supporter erased, and the campaign's retention end.

Political-opinion answers go first: on the retention date itself. Everything else the
phonebank holds about the people called (names, numbers, postcodes, consent evidence,
answers, notes, import files) goes the day after, with the rest of volunteer data; counts of
calls and results stay. The do-not-call list keeps the numbers of people who objected (so
they are never called again); numbers listed only as wrong or not in use are dropped.
"""

from datetime import datetime

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from campaign_site.core.audit import audit_record
from campaign_site.core.models import AuditEvent
from campaign_site.core.selectors import campaign_settings_get
from events.ics import LONDON
from events.phonebank.models import (
    CallAnswer,
    CallAssignment,
    CallerSuspension,
    CallRecord,
    Contact,
    ContactConsent,
    ContactImport,
    DoNotCall,
    OpinionAnswer,
)
from events.phonebank.services.lists import CONSENT_WITHDRAWN
from volunteers.models import Supporter

ERASED = "(erased)"
CHUNK = 1000


def _take_off_lists(contacts: QuerySet, *, reason: str) -> int:
    return CallAssignment.objects.filter(
        contact__in=contacts,
        status__in=[CallAssignment.Status.WAITING, CallAssignment.Status.HELD],
    ).update(
        status=CallAssignment.Status.REMOVED,
        removed_reason=reason,
        held_by=None,
        held_since=None,
        held_until=None,
    )


@transaction.atomic
def contacts_remove_for_supporter(
    *, supporter_id: int, reason: str = CONSENT_WITHDRAWN, now: datetime | None = None
) -> int:
    """The supporter withdrew their agreement to be phoned (or it moved to another number):
    every contact of theirs without consent behind it leaves every list at once, even if a
    caller holds it. Returns the places on lists taken away."""
    supporter = Supporter.objects.get(pk=supporter_id)
    contacts = Contact.objects.filter(supporter_id=supporter_id, erased_at__isnull=True)
    if supporter.phone_consent_at is not None and supporter.phone:
        contacts = contacts.exclude(phone=supporter.phone)
    return _take_off_lists(contacts, reason=reason)


def _contacts_erase(contacts: QuerySet, *, now: datetime, reason: str = "Erased") -> int:
    ids = list(contacts.filter(erased_at__isnull=True).values_list("pk", flat=True))
    if not ids:
        return 0
    contacts = Contact.objects.filter(pk__in=ids)
    _take_off_lists(contacts, reason=reason)
    OpinionAnswer.objects.filter(record__contact_id__in=ids).delete()
    ContactConsent.objects.filter(contact_id__in=ids).delete()
    CallAnswer.objects.filter(record__contact_id__in=ids).delete()
    CallRecord.objects.filter(contact_id__in=ids).exclude(notes="").update(notes="")
    return contacts.update(
        first_name=ERASED,
        surname="",
        phone="",
        postcode="",
        supporter=None,
        consent_text="",
        consent_where="",
        source="",
        phone_hash=None,
        erased_at=now,
    )


@transaction.atomic
def contacts_erase_for_supporter(*, supporter_id: int, now: datetime | None = None) -> int:
    """A supporter's data is erased: so is every contact of theirs, with the answers and
    notes from calls to them. Their number stays on the do-not-call list only if they asked
    not to be called."""
    now = now or timezone.now()
    contacts = Contact.objects.filter(supporter_id=supporter_id)
    phones = list(contacts.exclude(phone="").values_list("phone", flat=True))
    DoNotCall.objects.filter(phone__in=phones).exclude(
        reason__in=[DoNotCall.Reason.ASKED, DoNotCall.Reason.ORGANISER]
    ).delete()
    return _contacts_erase(contacts, now=now)


NUMBER_PASSED_ON = "The number now belongs to someone else"


@transaction.atomic
def contacts_erase_number_passed_on(*, contact_ids: list[int], now: datetime) -> int:
    """The organiser says these contacts' numbers now belong to someone else (an import,
    "take the new person"): the old records are erased as on a supporter's erasure (off
    every list, answers and notes about them gone, the number free for its new owner),
    so nobody is called by the old person's name or with their agreement. The counts of
    calls made stay. Returns the contacts erased."""
    return _contacts_erase(
        Contact.objects.filter(pk__in=contact_ids), now=now, reason=NUMBER_PASSED_ON
    )


def _retention_date(now: datetime):
    until = campaign_settings_get().volunteer_data_retained_until
    return until, timezone.localdate(now, timezone=LONDON)


def opinion_answers_erase_due(*, now: datetime | None = None) -> int:
    """On the retention date itself (a day before the rest): every political-opinion
    answer is deleted."""
    now = now or timezone.now()
    until, today = _retention_date(now)
    if until is None or today < until:
        return 0
    erased, _ = OpinionAnswer.objects.all().delete()
    if erased:
        audit_record(
            actor=None,
            action=AuditEvent.Action.RETENTION,
            what="Phonebank: political-opinion answers erased on the retention date",
            rows=erased,
        )
    return erased


def phonebank_retention_erase_due(*, now: datetime | None = None) -> int:
    """Once the retention date has passed: the people called, their answers and the notes
    about them are erased, in chunks (a run cut short resumes). Returns contacts erased."""
    now = now or timezone.now()
    opinion_answers_erase_due(now=now)
    until, today = _retention_date(now)
    if until is None or today <= until:
        return 0
    erased = 0
    while True:
        with transaction.atomic():
            chunk = list(
                Contact.objects.select_for_update(skip_locked=True)
                .filter(erased_at__isnull=True)
                .order_by("pk")
                .values_list("pk", flat=True)[:CHUNK]
            )
            erased += _contacts_erase(Contact.objects.filter(pk__in=chunk), now=now)
        if len(chunk) < CHUNK:
            break
    with transaction.atomic():
        answers, _ = CallAnswer.objects.all().delete()
        CallRecord.objects.exclude(notes="").update(notes="")
        ContactImport.objects.exclude(pending_rows=[], refused=[]).update(
            pending_rows=[], refused=[]
        )
        DoNotCall.objects.filter(
            reason__in=[DoNotCall.Reason.WRONG_PERSON, DoNotCall.Reason.NOT_IN_USE]
        ).delete()
        CallerSuspension.objects.exclude(reason=ERASED).update(reason=ERASED)
    if erased or answers:
        audit_record(
            actor=None,
            action=AuditEvent.Action.RETENTION,
            what="Phonebank: people called, their answers and call notes erased at the end "
            "of the retention period",
            rows=erased,
        )
    return erased
