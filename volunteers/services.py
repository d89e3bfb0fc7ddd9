"""Writes for supporters and the mailing list: sign-up, confirmation, preferences,
unsubscribe and erasure. Updates to the list live in volunteers/update_services.py."""

from collections.abc import Sequence
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import CharField, Value
from django.db.models.functions import Cast, Concat
from django.utils import timezone

from campaign_site.core.audit import audit_record
from campaign_site.core.models import AuditEvent, OutboundEmail
from campaign_site.core.outbox import outbox_enqueue, outbox_erase_people, outbox_links
from volunteers.consent import consent_wording
from volunteers.models import (
    Consent,
    Supporter,
    Suppression,
    normalise_email,
    suppression_hash,
)
from volunteers.selectors import (
    CONFIRM_MAX_AGE_SECONDS,
    consent_confirm_url,
    supporter_email_links,
)
from volunteers.signals import supporter_erased
from volunteers.validators import normalise_postcode, normalise_uk_phone

INTEREST_FIELDS = ("wants_updates", "wants_canvass_alerts", "wants_phonebank_alerts")
# Sign-up emails one address may get in an hour, however often it is entered.
SIGNUP_EMAILS_PER_HOUR = 3


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
    changed = []
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
) -> Supporter:
    """Record a sign-up to the list and email the address (double opt-in).

    The consent (the exact wording, the page, the time) is stored at once but takes effect
    only when its confirmation link is followed. A supporter already on the list gets a
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
    if not any(interests.values()):
        raise ValidationError("Choose at least one thing you would like to hear about.")
    supporter, _ = supporter_get_or_create(email=email, source=source, name=name, phone=phone)
    if postcode and not supporter.postcode:
        supporter.postcode = postcode
        supporter.save(update_fields=["postcode"])
    consent = Consent.objects.create(
        supporter=supporter,
        source=source,
        page=page[:200],
        wording=consent_wording(source=source, **interests),
        **interests,
    )
    context = {
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
    the new choices to what they had. Confirming twice changes nothing. Confirming is
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
    supporter.save(update_fields=[*INTEREST_FIELDS, "confirmed_at", "unsubscribed_at"])
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
) -> Supporter:
    """Save what a supporter chose on their preferences page (reached from their inbox).
    `phone` None leaves the number as it is; "" removes it.

    New or changed interests are recorded as consent with the page's wording; choosing
    nothing at all is unsubscribing.
    """
    supporter = Supporter.objects.select_for_update().get(pk=supporter.pk)
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
    now = timezone.now()
    before = {field: getattr(supporter, field) for field in INTEREST_FIELDS}
    if not any(interests.values()):
        supporter.save(update_fields=["name", "postcode", "phone"])
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
    return supporter


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
        **dict.fromkeys(INTEREST_FIELDS, False),
        unsubscribed_at=timezone.now(),
        erased_at=timezone.now(),
    )
    for supporter_id in ids:
        supporter_erased.send(sender=Supporter, supporter_id=supporter_id)
    return ids
