"""Call lists: made by organisers, filled from consented supporters or from imports."""

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import OuterRef, Q, Subquery
from django.utils import timezone

from events.models import Event
from events.phonebank.models import CallAssignment, CallList, Contact, DoNotCall, Script
from events.phonebank.phones import phone_to_e164
from events.phonebank.tps import phone_hasher
from volunteers.models import Consent, Supporter

# The reason privacy.contacts_remove_for_supporter() gives; a new agreement undoes it.
CONSENT_WITHDRAWN = "Agreement to be phoned withdrawn"
SUPPORTER_INTERESTS = ("wants_updates", "wants_canvass_alerts", "wants_phonebank_alerts")


@transaction.atomic
def call_list_create(
    *,
    name: str,
    script: Script,
    sessions: Iterable[Event] = (),
    retry_delay: timedelta = timedelta(hours=4),
    max_tries: int = 3,
    basis: str = CallList.Basis.CONSENTED,
    actor=None,
) -> CallList:
    call_list = CallList(
        name=name.strip(),
        basis=basis,
        script=script,
        retry_delay=retry_delay,
        max_tries=max_tries,
        created_by=actor,
    )
    return call_list_save(call_list=call_list, sessions=sessions, actor=actor)


@transaction.atomic
def call_list_save(*, call_list: CallList, sessions: Iterable[Event], actor=None) -> CallList:
    """Save a new or changed list (admin's form) with the phonebank sessions it serves."""
    sessions = list(sessions)
    not_phonebanks = [event for event in sessions if event.kind != Event.Kind.PHONEBANK]
    if not_phonebanks:
        raise ValidationError(
            {"sessions": f"Only phonebank sessions can have a call list: {not_phonebanks[0]}."}
        )
    if call_list.pk is None and call_list.created_by is None:
        call_list.created_by = actor
    call_list.name = call_list.name.strip()
    call_list.full_clean()
    call_list.save()
    call_list.sessions.set(sessions)
    return call_list


def is_callable_number(e164: str) -> bool:
    """A supporter's number (the sign-up forms take any +44 number) that volunteers may call
    from their own phones: the same rule as imports (phones.phone_to_e164)."""
    try:
        return phone_to_e164(e164) == e164
    except ValidationError:
        return False


def postcode_district(postcode: str) -> str:
    """'DE22 1AA' -> 'DE22'; 'de22' -> 'DE22'."""
    return (postcode or "").strip().upper().split(" ")[0]


@transaction.atomic
def call_list_add_supporters(
    *,
    call_list: CallList,
    postcode_districts: Sequence[str] = (),
    interests: Sequence[str] = (),
    actor=None,
    now: datetime | None = None,
) -> int:
    """Put every supporter who agreed to be phoned (and has a number) on the list, narrowed
    to some postcode districts and/or to people with some interest ticked. The consent
    evidence on each contact is the supporter's own Consent record. Returns how many
    joined the list; people already on it, whose number is on the do-not-call list, is
    not one volunteers may call (premium rate, Crown dependencies: is_callable_number) or
    is on file for someone else, are left out."""
    now = now or timezone.now()
    unknown = [interest for interest in interests if interest not in SUPPORTER_INTERESTS]
    if unknown:
        raise ValidationError(f"Unknown interest: {unknown[0]}")
    supporters = Supporter.objects.filter(
        phone_consent_at__isnull=False, erased_at__isnull=True
    ).exclude(phone="")
    districts = {postcode_district(d) for d in postcode_districts if d.strip()}
    if districts:
        where = Q()
        for district in districts:
            where |= Q(postcode__startswith=f"{district} ")
        supporters = supporters.filter(where)
    if interests:
        wanted = Q()
        for interest in interests:
            wanted |= Q(**{interest: True})
        supporters = supporters.filter(wanted)
    latest = Consent.objects.filter(
        supporter=OuterRef("pk"), wants_phone_calls=True, confirmed_at__isnull=False
    ).order_by("-confirmed_at", "-pk")
    supporters = supporters.exclude(phone__in=DoNotCall.objects.values("phone")).annotate(
        consent_wording=Subquery(latest.values("wording")[:1]),
        consent_page=Subquery(latest.values("page")[:1]),
        consent_at=Subquery(latest.values("confirmed_at")[:1]),
    )
    rows = [
        s for s in supporters.order_by("pk") if s.consent_wording and is_callable_number(s.phone)
    ]
    contacts = contacts_for_numbers(
        rows=[
            {
                "phone": s.phone,
                "first_name": (s.name.split(" ")[0] if s.name else "")[:60],
                "surname": " ".join(s.name.split(" ")[1:])[:60],
                "postcode": s.postcode,
                "supporter_id": s.pk,
                "consent_text": s.consent_wording,
                "consent_where": s.consent_page,
                "consent_at": s.consent_at,
            }
            for s in rows
        ],
        now=now,
    )
    # People who withdrew and have now agreed again come back onto the list.
    revived = CallAssignment.objects.filter(
        call_list=call_list,
        contact__in=contacts,
        status=CallAssignment.Status.REMOVED,
        removed_reason=CONSENT_WITHDRAWN,
    ).update(status=CallAssignment.Status.WAITING, removed_reason="", next_try_at=now)
    return revived + assignments_add(call_list=call_list, contacts=contacts, now=now)


def name_key(name: str) -> str:
    """How two spellings of a name are compared: case and spacing do not count."""
    return " ".join((name or "").split()).casefold()


def is_same_person(contact: Contact, row: dict) -> bool:
    """Is the row (first_name, surname, supporter_id) the person already on file for its
    number? The same supporter, or the same first name and surname; a surname missing on
    either side does not count against them."""
    if row.get("supporter_id") and contact.supporter_id == row["supporter_id"]:
        return True
    if name_key(contact.first_name) != name_key(row.get("first_name", "")):
        return False
    surnames = name_key(contact.surname), name_key(row.get("surname", ""))
    return surnames[0] == surnames[1] or not all(surnames)


def contacts_for_numbers(*, rows: list[dict], now: datetime, import_batch=None) -> list[Contact]:
    """The contact for each row's number (a row of a screened list's import has no consent
    but a source): the existing one if it is the same person (a
    supporter is linked to it if it had none) or a new one, created in bulk. A row whose
    number is on file for someone else is left out: never merged into the other person's
    record (an import asks the organiser first, see imports.py). One query finds the
    existing numbers."""
    phones = [row["phone"] for row in rows]
    existing = {
        contact.phone: contact
        for contact in Contact.objects.filter(phone__in=phones, erased_at__isnull=True)
    }
    digest = phone_hasher()
    new, link, found = [], [], {}
    for row in rows:
        contact = existing.get(row["phone"])
        if contact is None:
            contact = Contact(
                first_name=row["first_name"] or "",
                surname=row.get("surname", ""),
                phone=row["phone"],
                postcode=row.get("postcode", ""),
                supporter_id=row.get("supporter_id"),
                import_batch=import_batch,
                consent_text=row.get("consent_text", ""),
                consent_where=row.get("consent_where", ""),
                consent_at=row.get("consent_at"),
                source=row.get("source", ""),
                source_date=row.get("source_date"),
                phone_hash=digest(row["phone"]),
                created_at=now,
            )
            existing[row["phone"]] = contact
            new.append(contact)
        elif not is_same_person(contact, row):
            continue
        elif row.get("supporter_id") and contact.supporter_id is None:
            contact.supporter_id = row["supporter_id"]
            link.append(contact)
        found[row["phone"]] = contact
    Contact.objects.bulk_create(new, batch_size=2000)
    if link:
        Contact.objects.bulk_update(link, ["supporter_id"], batch_size=2000)
    return list(found.values())


def assignments_add(*, call_list: CallList, contacts: list[Contact], now: datetime) -> int:
    """Put contacts on the list (a contact already on it stays as it is). Returns how many
    were added."""
    on_list = set(
        CallAssignment.objects.filter(
            call_list=call_list, contact_id__in=[c.pk for c in contacts]
        ).values_list("contact_id", flat=True)
    )
    new = [
        CallAssignment(call_list=call_list, contact=contact, next_try_at=now, added_at=now)
        for contact in contacts
        if contact.pk not in on_list
    ]
    CallAssignment.objects.bulk_create(new, batch_size=2000, ignore_conflicts=True)
    return len(new)
