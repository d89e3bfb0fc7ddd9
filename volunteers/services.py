"""Writes for supporters and the mailing list: sign-up, confirmation, preferences,
unsubscribe and erasure. Updates to the list live in volunteers/update_services.py."""

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import CharField, Value
from django.db.models.functions import Cast, Concat
from django.utils import timezone

from campaign_site.core.audit import audit_record
from campaign_site.core.models import AuditEvent, OutboundEmail, SourceCount
from campaign_site.core.outbox import outbox_enqueue, outbox_erase_people, outbox_links
from campaign_site.core.sources import source_credit
from volunteers.consent import PHONE_CALLS_NEEDS_NUMBER, consent_wording, phone_consent_wording
from volunteers.data_copy import DataCopy, supporter_data_copy
from volunteers.models import (
    Consent,
    Supporter,
    Suppression,
    normalise_email,
    suppression_hash,
)
from volunteers.selectors import (
    CONFIRM_MAX_AGE_SECONDS,
    DATA_COPY_MAX_AGE_SECONDS,
    consent_confirm_url,
    data_copy_url,
    supporter_email_links,
)
from volunteers.signals import supporter_erased, supporter_phone_consent_changed
from volunteers.validators import normalise_postcode, normalise_uk_phone

INTEREST_FIELDS = ("wants_updates", "wants_canvass_alerts", "wants_phonebank_alerts")
# Sign-up emails one address may get in an hour, however often it is entered.
SIGNUP_EMAILS_PER_HOUR = 3
# Links to a copy of their data one supporter may be sent in an hour.
DATA_COPY_EMAILS_PER_HOUR = 3


def supporter_get_or_create(
    *, email: str, source: str, name: str = "", phone: str = ""
) -> tuple[Supporter, bool]:
    """Find the supporter with this address (case-blind) or create one.

    Creating a supporter subscribes them to nothing: the mailing list needs consent
    through `supporter_subscribe()`. A name or phone given now fills in blanks only.
    """
    email = normalise_email(email)
    supporter = Supporter.objects.filter(email=email).first()
    created = False
    if supporter is None:
        try:
            with transaction.atomic():
                supporter = Supporter(email=email, name=name, phone=phone, source=source)
                supporter.full_clean(validate_unique=False)
                supporter.save()
                created = True
        except IntegrityError:  # someone else created it a moment ago
            supporter = Supporter.objects.get(email=email)
    changed: list[str] = []
    if name and not supporter.name:
        supporter.name, changed = name, [*changed, "name"]
    if phone and not supporter.phone:
        supporter.phone, changed = phone, [*changed, "phone"]
    if changed:
        supporter.save(update_fields=changed)
    return supporter, created


@transaction.atomic
def supporter_subscribe(
    *,
    email: str,
    source: str,
    page: str,
    name: str = "",
    postcode: str = "",
    phone: str = "",
    wants_updates: bool = True,
    wants_canvass_alerts: bool = False,
    wants_phonebank_alerts: bool = False,
    wants_phone_calls: bool = False,
    source_code: str = "",
) -> Supporter:
    """Record a sign-up to the list and email the address (double opt-in).

    The consent (the exact wording, the page, the time) is stored at once but takes effect
    only when its confirmation link is followed; so does an agreement to be phoned
    (`wants_phone_calls`, which needs `phone`). A supporter already on the list gets a
    "manage your preferences" email instead of a second confirmation. The caller's
    response must not depend on which happened: nobody may learn who is on the list.
    Raises ValidationError for an invalid address, postcode or phone number.
    """
    email = normalise_email(email)
    validate_email(email)
    postcode = normalise_postcode(postcode)
    phone = normalise_uk_phone(phone)
    interests = {
        "wants_updates": wants_updates,
        "wants_canvass_alerts": wants_canvass_alerts,
        "wants_phonebank_alerts": wants_phonebank_alerts,
    }
    if wants_phone_calls and not phone:
        raise ValidationError(PHONE_CALLS_NEEDS_NUMBER)
    if not any(interests.values()) and not wants_phone_calls:
        raise ValidationError("Choose at least one thing you would like to hear about.")
    supporter, _ = supporter_get_or_create(email=email, source=source, name=name, phone=phone)
    if postcode and not supporter.postcode:
        supporter.postcode = postcode
        supporter.save(update_fields=["postcode"])
    consent = Consent.objects.create(
        supporter=supporter,
        source=source,
        page=page[:200],
        wording=_with_phone_wording(consent_wording(source=source, **interests), phone)
        if wants_phone_calls
        else consent_wording(source=source, **interests),
        wants_phone_calls=wants_phone_calls,
        phone=phone if wants_phone_calls else "",
        **interests,
    )
    if source_code and not supporter.is_subscribed and not _waiting_to_confirm(supporter, consent):
        # A new sign-up (not a repeat before confirming), counted for the link it came from.
        source_credit(code=source_code, action=SourceCount.Action.JOIN)
    context: dict[str, Any] = {
        "confirm_url": consent_confirm_url(consent),
        "confirm_days": CONFIRM_MAX_AGE_SECONDS // 86400,
        "chosen": Supporter(**interests).interests,
        "name": supporter.name,
    }
    if _emailed_about_signing_up_lately(supporter):
        # Someone (perhaps not the owner) keeps entering this address: a few emails an hour
        # at most, so the form cannot be used to flood a person's inbox.
        return supporter
    if supporter.is_subscribed:
        context["adds"] = [i for i in context["chosen"] if i not in supporter.interests]
        outbox_enqueue(
            key=f"signup-already-subscribed:{consent.pk}",
            to=supporter.email,
            template="volunteers/email/already_subscribed",
            context={**context, "current": supporter.interests, **supporter_email_links(supporter)},
            person=supporter,
            about=consent,
        )
    else:
        outbox_enqueue(
            key=f"signup-confirm:{consent.pk}",
            to=supporter.email,
            template="volunteers/email/confirm",
            context=context,
            person=supporter,
            about=consent,
        )
    return supporter


def _with_phone_wording(wording: str, phone: str) -> str:
    return f"{phone_consent_wording(phone=phone)}\n{wording}"


def _waiting_to_confirm(supporter: Supporter, consent: Consent) -> bool:
    """Whether an earlier sign-up of this address still waits for its confirmation."""
    since = timezone.now() - timedelta(seconds=CONFIRM_MAX_AGE_SECONDS)
    return (
        supporter.consents.filter(confirmed_at__isnull=True, given_at__gte=since)
        .exclude(pk=consent.pk)
        .exists()
    )


def _emailed_about_signing_up_lately(supporter: Supporter) -> bool:
    recent = OutboundEmail.objects.filter(
        **outbox_links(person=supporter),
        key__startswith="signup-",
        created_at__gte=timezone.now() - timedelta(hours=1),
    )
    return recent.count() >= SIGNUP_EMAILS_PER_HOUR


@transaction.atomic
def consent_confirm(*, consent: Consent) -> Supporter:
    """Follow a confirmation link: the consent takes effect and the supporter is on the list.

    Someone not on the list gets exactly what they chose; someone already on it adds
    the new choices to what they had; an agreement to be phoned takes effect for the
    number given with it. Confirming twice changes nothing. Confirming is
    fresh consent, so it lifts any suppression left by an earlier erasure.
    """
    consent = Consent.objects.select_for_update().select_related("supporter").get(pk=consent.pk)
    supporter = Supporter.objects.select_for_update().get(pk=consent.supporter_id)
    if consent.confirmed_at is not None:
        return supporter
    now = timezone.now()
    for field in INTEREST_FIELDS:
        chosen = getattr(consent, field)
        setattr(supporter, field, chosen or (supporter.is_subscribed and getattr(supporter, field)))
    if supporter.confirmed_at is None:
        supporter.confirmed_at = now
    supporter.unsubscribed_at = None
    phone_fields = []
    if consent.wants_phone_calls and consent.phone:
        moved = supporter.phone != consent.phone
        supporter.phone, supporter.phone_consent_at = consent.phone, now
        phone_fields = ["phone", "phone_consent_at"]
    supporter.save(
        update_fields=[*INTEREST_FIELDS, "confirmed_at", "unsubscribed_at", *phone_fields]
    )
    if phone_fields and moved:
        supporter_phone_consent_changed.send(sender=Supporter, supporter_id=supporter.pk)
    consent.confirmed_at = now
    consent.save(update_fields=["confirmed_at"])
    Suppression.objects.filter(email_hash=suppression_hash(supporter.email)).delete()
    return supporter


@transaction.atomic
def supporter_update_preferences(
    *,
    supporter: Supporter,
    name: str,
    postcode: str,
    wants_updates: bool,
    wants_canvass_alerts: bool,
    wants_phonebank_alerts: bool,
    phone: str | None = None,
    wants_phone_calls: bool | None = None,
) -> Supporter:
    """Save what a supporter chose on their preferences page (reached from their inbox).
    `phone` None leaves the number as it is; "" removes it.

    New or changed interests are recorded as consent with the page's wording; choosing
    nothing at all is unsubscribing (from email). `wants_phone_calls` gives or withdraws
    the agreement to be phoned (None: it stays for the same number, and lapses if the
    number changes or goes); withdrawing takes the person off every call list at once.
    """
    supporter = Supporter.objects.select_for_update().get(pk=supporter.pk)
    previous_phone = supporter.phone
    interests = {
        "wants_updates": wants_updates,
        "wants_canvass_alerts": wants_canvass_alerts,
        "wants_phonebank_alerts": wants_phonebank_alerts,
    }
    supporter.name = name.strip()
    supporter.postcode = normalise_postcode(postcode)
    if phone is not None:
        supporter.phone = normalise_uk_phone(phone)
    supporter.full_clean(exclude=["email"], validate_unique=False)
    if wants_phone_calls and not supporter.phone:
        raise ValidationError({"wants_phone_calls": PHONE_CALLS_NEEDS_NUMBER})
    now = timezone.now()
    before = {field: getattr(supporter, field) for field in INTEREST_FIELDS}
    if not any(interests.values()):
        supporter.save(update_fields=["name", "postcode", "phone"])
        _phone_consent_apply(
            supporter, wants=wants_phone_calls, previous_phone=previous_phone, now=now
        )
        return supporter_unsubscribe(supporter=supporter)
    if interests != before or not supporter.is_subscribed:
        Consent.objects.create(
            supporter=supporter,
            source=Supporter.Source.PREFERENCES,
            page="/preferences/",
            wording=consent_wording(source=Supporter.Source.PREFERENCES, **interests),
            confirmed_at=now,
            **interests,
        )
    for field, value in interests.items():
        setattr(supporter, field, value)
    # The link came from their own inbox, so the address is proven.
    supporter.confirmed_at = supporter.confirmed_at or now
    supporter.unsubscribed_at = None
    supporter.save(
        update_fields=[
            "name",
            "postcode",
            "phone",
            *INTEREST_FIELDS,
            "confirmed_at",
            "unsubscribed_at",
        ]
    )
    _phone_consent_apply(supporter, wants=wants_phone_calls, previous_phone=previous_phone, now=now)
    return supporter


def _phone_consent_apply(
    supporter: Supporter, *, wants: bool | None, previous_phone: str, now
) -> None:
    """The preferences page's phone-call box, after the number itself was saved."""
    consented_to = previous_phone if supporter.phone_consent_at is not None else None
    if wants is None:
        wants = consented_to is not None and consented_to == supporter.phone
    if wants and supporter.phone:
        if consented_to == supporter.phone:
            return
        Consent.objects.create(
            supporter=supporter,
            source=Supporter.Source.PREFERENCES,
            page="/preferences/",
            wording=phone_consent_wording(phone=supporter.phone),
            wants_phone_calls=True,
            phone=supporter.phone,
            given_at=now,
            confirmed_at=now,
        )
        supporter.phone_consent_at = now
        supporter.save(update_fields=["phone_consent_at"])
    elif supporter.phone_consent_at is not None:
        supporter.phone_consent_at = None
        supporter.save(update_fields=["phone_consent_at"])
    else:
        return
    supporter_phone_consent_changed.send(sender=Supporter, supporter_id=supporter.pk)


@transaction.atomic
def supporter_phone_consent_give(
    *, supporter: Supporter, phone: str, source: str, page: str
) -> Consent:
    """Record a tick in the "The campaign may phone me" box of a form that needs no email
    confirmation (the session sign-up). It takes effect for the number we hold; if we hold
    a different one, the agreement is kept as given but not in force (the person's
    preferences page, from their own inbox, can confirm a new number)."""
    phone = normalise_uk_phone(phone)
    if not phone:
        raise ValidationError(PHONE_CALLS_NEEDS_NUMBER)
    supporter = Supporter.objects.select_for_update().get(pk=supporter.pk)
    now = timezone.now()
    in_force = supporter.phone == phone
    consent = Consent.objects.create(
        supporter=supporter,
        source=source,
        page=page[:200],
        wording=phone_consent_wording(phone=phone),
        wants_phone_calls=True,
        phone=phone,
        given_at=now,
        confirmed_at=now if in_force else None,
    )
    if in_force and supporter.phone_consent_at is None:
        supporter.phone_consent_at = now
        supporter.save(update_fields=["phone_consent_at"])
    return consent


def supporter_unsubscribe(*, supporter: Supporter) -> Supporter:
    """Take the supporter off every list at once (one-click unsubscribe). Idempotent."""
    Supporter.objects.filter(pk=supporter.pk, unsubscribed_at__isnull=True).update(
        unsubscribed_at=timezone.now()
    )
    Supporter.objects.filter(pk=supporter.pk).update(**dict.fromkeys(INTEREST_FIELDS, False))
    supporter.refresh_from_db()
    return supporter


@transaction.atomic
def supporter_erase(
    *,
    supporter: Supporter,
    actor=None,
    reason: str = "by the supporter, from their preferences page",
    audit: bool = True,
) -> None:
    """Erase a supporter's personal data at their request (see `supporters_erase()`).

    Audited: `actor` is the organiser who did it (None for the supporter or a periodic
    task), `reason` says why; `audit=False` leaves the record to a caller that audits a
    whole run at once.
    """
    erased = supporters_erase(supporter_ids=[supporter.pk])
    if erased and audit:
        audit_record(
            actor=actor,
            action=AuditEvent.Action.ERASURE,
            what=f"Supporter #{supporter.pk} erased {reason}",
            rows=1,
        )


@transaction.atomic
def supporter_data_copy_send(*, supporter: Supporter, now: datetime | None = None) -> bool:
    """Email the supporter a link to a copy of everything held about them, good for 7 days
    (asked for from their preferences page). Audited as an export of their data. At most a
    few such emails an hour; returns whether one was written."""
    now = now or timezone.now()
    key_prefix = f"data-copy:{supporter.pk}:"
    recent = OutboundEmail.objects.filter(
        key__startswith=key_prefix, created_at__gte=now - timedelta(hours=1)
    )
    if recent.count() >= DATA_COPY_EMAILS_PER_HOUR:
        return False
    copy = supporter_data_copy(supporter=supporter)
    outbox_enqueue(
        key=f"{key_prefix}{int(now.timestamp() * 1000)}",
        to=supporter.email,
        template="volunteers/email/data_copy",
        context={
            "name": supporter.name,
            "data_copy_url": data_copy_url(supporter),
            "days": DATA_COPY_MAX_AGE_SECONDS // 86400,
        },
        person=supporter,
        about=None,
    )
    audit_record(
        actor=None,
        action=AuditEvent.Action.EXPORT,
        what=f"Copy of their data (subject access) for supporter #{supporter.pk}, "
        "emailed at their request",
        rows=copy.record_count,
    )
    return True


def supporter_data_copy_produce(*, supporter: Supporter, actor, reason: str) -> DataCopy:
    """A copy of everything held about the supporter, produced by a Data manager in admin
    (a request that came by post). Audited with `actor` and `reason`."""
    copy = supporter_data_copy(supporter=supporter)
    audit_record(
        actor=actor,
        action=AuditEvent.Action.EXPORT,
        what=f"Copy of their data (subject access) for supporter #{supporter.pk}, {reason}",
        rows=copy.record_count,
    )
    return copy


def supporters_erase(*, supporter_ids: Sequence[int]) -> list[int]:
    """Erase the personal data of these supporters (one, or a chunk of a retention run).

    Each row stays (so session and donation records that point at it still add up) but
    holds nothing personal; only a keyed hash of the address is kept, as a suppression
    record, so the address is not mailed again without fresh consent. Their emails not yet
    sent are dropped and sent ones lose their content, found by the outbox's person link
    (a few statements per chunk, whatever the outbox's size). Other apps erase their own
    copies on the `supporter_erased` signal. Already erased supporters are left alone.
    Returns the ids erased.
    """
    supporters = list(
        Supporter.objects.select_for_update()
        .filter(pk__in=list(supporter_ids), erased_at__isnull=True)
        .order_by("pk")
    )
    if not supporters:
        return []
    ids = [supporter.pk for supporter in supporters]
    addresses = [supporter.email for supporter in supporters]
    Suppression.objects.bulk_create(
        [Suppression(email_hash=suppression_hash(address)) for address in addresses],
        ignore_conflicts=True,
    )
    Consent.objects.filter(supporter_id__in=ids).delete()
    outbox_erase_people(model=Supporter, person_ids=ids, addresses=addresses)
    # One statement for the chunk. The address and the token behind the signed links are
    # replaced by values made from the row's id alone: nothing of the person is left, and
    # old links die (erased rows never match a link anyway).
    Supporter.objects.filter(pk__in=ids).update(
        email=Concat(Value("erased-"), Cast("pk", CharField()), Value("@erased.invalid")),
        manage_token=Concat(Value("erased-"), Cast("pk", CharField())),
        name="",
        postcode="",
        phone="",
        phone_consent_at=None,
        **dict.fromkeys(INTEREST_FIELDS, False),
        unsubscribed_at=timezone.now(),
        erased_at=timezone.now(),
    )
    for supporter_id in ids:
        supporter_erased.send(sender=Supporter, supporter_id=supporter_id)
    return ids
