"""Reads for the mailing list: signed links in emails, and the people they lead to."""

from collections.abc import Iterator, Sequence

from django.conf import settings
from django.core import signing
from django.db.models import F, Func, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.urls import reverse

from campaign_site.core.models import DeliveryEvent, OutboundEmail
from campaign_site.core.outbox import outbox_link_label
from campaign_site.core.suppression import suppressed_count
from volunteers.models import Consent, Supporter, Suppression, Update, suppression_hash

PREFERENCES_SALT = "volunteers.preferences"
UNSUBSCRIBE_SALT = "volunteers.unsubscribe"
CONFIRM_SALT = "volunteers.confirm"
CONFIRM_MAX_AGE_SECONDS = 7 * 24 * 60 * 60
DATA_COPY_SALT = "volunteers.data-copy"
DATA_COPY_MAX_AGE_SECONDS = 7 * 24 * 60 * 60


def _absolute(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


def supporter_preferences_token(supporter: Supporter) -> str:
    return signing.Signer(salt=PREFERENCES_SALT).sign(supporter.manage_token)


def supporter_unsubscribe_token(supporter: Supporter) -> str:
    return signing.Signer(salt=UNSUBSCRIBE_SALT).sign(supporter.manage_token)


def supporter_email_links(supporter: Supporter) -> dict[str, str]:
    """Absolute links for the foot of an email: change preferences, and unsubscribe.

    The tokens are signed random values (no id, no address), and never expire: an
    unsubscribe link must work in an old email too.
    """
    return {
        "preferences_url": _absolute(
            reverse(
                "volunteers:preferences",
                kwargs={"token": supporter_preferences_token(supporter)},
            )
        ),
        "unsubscribe_url": _absolute(
            reverse(
                "volunteers:unsubscribe",
                kwargs={"token": supporter_unsubscribe_token(supporter)},
            )
        ),
    }


def supporter_list_unsubscribe_headers(
    supporter: Supporter, links: dict[str, str] | None = None
) -> dict[str, str]:
    """RFC 8058 one-click unsubscribe headers for updates and alerts."""
    links = links or supporter_email_links(supporter)
    return {
        "List-Unsubscribe": f"<{links['unsubscribe_url']}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }


def supporters_bulk_copies(
    supporters: Sequence[Supporter],
) -> Iterator[tuple[Supporter, dict[str, str], dict[str, str]]]:
    """For a chunk of a bulk send (an update, an alert digest): each supporter with their
    footer links and one-click unsubscribe headers, leaving out any whose address is
    suppressed by an earlier erasure (one query for the chunk)."""
    hashes = {supporter.pk: suppression_hash(supporter.email) for supporter in supporters}
    suppressed = set(
        Suppression.objects.filter(email_hash__in=hashes.values()).values_list(
            "email_hash", flat=True
        )
    )
    for supporter in supporters:
        if hashes[supporter.pk] in suppressed:
            continue
        links = supporter_email_links(supporter)
        yield supporter, links, supporter_list_unsubscribe_headers(supporter, links)


def consent_confirm_url(consent: Consent) -> str:
    token = signing.TimestampSigner(salt=CONFIRM_SALT).sign(consent.token)
    return _absolute(reverse("volunteers:confirm", kwargs={"token": token}))


def _supporter_for(token: str, salt: str) -> Supporter | None:
    try:
        manage_token = signing.Signer(salt=salt).unsign(token)
    except signing.BadSignature:
        return None
    return Supporter.objects.filter(manage_token=manage_token, erased_at__isnull=True).first()


def supporter_from_preferences_token(token: str) -> Supporter | None:
    return _supporter_for(token, PREFERENCES_SALT)


def supporter_from_unsubscribe_token(token: str) -> Supporter | None:
    return _supporter_for(token, UNSUBSCRIBE_SALT)


def consent_from_confirm_token(token: str) -> Consent | None:
    """The sign-up a confirmation link is for.

    Raises signing.SignatureExpired when the link is older than 7 days; returns None
    when it was tampered with or its sign-up no longer exists.
    """
    try:
        consent_token = signing.TimestampSigner(salt=CONFIRM_SALT).unsign(
            token, max_age=CONFIRM_MAX_AGE_SECONDS
        )
    except signing.SignatureExpired:
        raise
    except signing.BadSignature:
        return None
    return (
        Consent.objects.select_related("supporter")
        .filter(token=consent_token, supporter__erased_at__isnull=True)
        .first()
    )


def data_copy_url(supporter: Supporter) -> str:
    """The link to a copy of the supporter's data: signed, and good for 7 days."""
    token = signing.TimestampSigner(salt=DATA_COPY_SALT).sign(supporter.manage_token)
    return _absolute(reverse("volunteers:data_copy", kwargs={"token": token}))


def supporter_from_data_copy_token(token: str) -> Supporter | None:
    """Raises signing.SignatureExpired when the link is older than 7 days; None when it was
    tampered with or its supporter has been erased."""
    try:
        manage_token = signing.TimestampSigner(salt=DATA_COPY_SALT).unsign(
            token, max_age=DATA_COPY_MAX_AGE_SECONDS
        )
    except signing.SignatureExpired:
        raise
    except signing.BadSignature:
        return None
    return Supporter.objects.filter(manage_token=manage_token, erased_at__isnull=True).first()


def bulk_audience_size(supporters) -> int:
    """How many of these supporters a bulk send would reach: addresses suppressed after a
    hard bounce or a complaint are left out (checked only when there are any)."""
    return supporters.count() - suppressed_count(
        supporters.values_list("email", flat=True).iterator(chunk_size=5000)
    )


def address_is_suppressed(email: str) -> bool:
    return Suppression.objects.filter(email_hash=suppression_hash(email)).exists()


def _outbox_count(*statuses: str):
    counted = (
        OutboundEmail.objects.filter(
            about_type=outbox_link_label(Update),
            about_id=OuterRef("pk"),
            status__in=statuses,
            is_bulk=True,  # not the test copies or notices to staff
        )
        .order_by()
        .annotate(n=Func(F("pk"), function="COUNT"))
        .values("n")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def _delivery_event_count(*kinds: str):
    counted = (
        DeliveryEvent.objects.filter(
            email__about_type=outbox_link_label(Update),
            email__about_id=OuterRef("pk"),
            email__is_bulk=True,
            kind__in=kinds,
        )
        .order_by()
        .annotate(n=Func(F("email"), template="COUNT(DISTINCT %(expressions)s)"))
        .values("n")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def update_delivery_counts_annotate(updates):
    """Queued, sent, failed, held and skipped emails for each update, and how many bounced
    or were reported as spam (from the provider's webhooks), in the same single query."""
    return updates.annotate(
        queued_count=_outbox_count(OutboundEmail.Status.QUEUED, OutboundEmail.Status.SENDING),
        sent_count=_outbox_count(OutboundEmail.Status.SENT),
        failed_count=_outbox_count(OutboundEmail.Status.FAILED),
        held_count=_outbox_count(OutboundEmail.Status.HELD),
        skipped_count=_outbox_count(OutboundEmail.Status.SKIPPED),
        bounced_count=_delivery_event_count(
            DeliveryEvent.Kind.HARD_BOUNCE, DeliveryEvent.Kind.SOFT_BOUNCE
        ),
        complained_count=_delivery_event_count(DeliveryEvent.Kind.COMPLAINT),
    )
