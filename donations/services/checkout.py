"""A donor's side: starting a gift, coming back from Checkout, stopping a monthly gift."""

import logging
import uuid
from dataclasses import dataclass, replace
from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from campaign_site.core.pagecache import public_pages_invalidate
from campaign_site.core.selectors import campaign_settings_get
from campaign_site.core.workers import enqueue_after_commit
from donations import stripe_gateway
from donations.models import Donation, DonationSettings, Donor
from donations.permissibility import permissibility_needed
from donations.services.monthly import MONTHLY_GIFTS_END_TASK
from donations.services.stripe_events import checkout_session_apply
from volunteers.models import normalise_email

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class GiftDetails:
    """What the donor entered on /donate/, already validated by the form."""

    form_token: uuid.UUID
    kind: str
    amount_pence: int
    name: str
    email: str
    address_line1: str = ""
    address_line2: str = ""
    town: str = ""
    postcode: str = ""
    permissible_source: str = ""
    declared: bool = False
    source_code: str = ""  # the link's code this visit came with (counted on payment)


def donation_create(*, gift: GiftDetails, now: datetime | None = None) -> tuple[Donation, bool]:
    """Write the pending donation, once per form: a double submit finds the first one
    (and returns False, so nothing else is done twice). `now` is when the form was sent
    (and the declaration made); the demo content sets it in the past."""
    now = now or timezone.now()
    email = normalise_email(gift.email)
    existing = Donation.objects.filter(form_token=gift.form_token).first()
    if existing is not None:
        same = (existing.kind, existing.amount_pence, existing.email) == (
            gift.kind,
            gift.amount_pence,
            email,
        )
        if same and existing.status == Donation.Status.PENDING:
            return existing, False
        # The form came back (the browser's Back button) for a different or a new gift.
        gift = replace(gift, form_token=uuid.uuid4())
    donor, _ = Donor.objects.get_or_create(email=email, defaults={"created_at": now})
    over_threshold = permissibility_needed(gift.amount_pence)
    donation = Donation(
        donor=donor,
        form_token=gift.form_token,
        kind=gift.kind,
        amount_pence=gift.amount_pence,
        name=gift.name.strip(),
        email=email,
        address_line1=gift.address_line1.strip() if over_threshold else "",
        address_line2=gift.address_line2.strip() if over_threshold else "",
        town=gift.town.strip() if over_threshold else "",
        postcode=gift.postcode if over_threshold else "",
        permissible_source=gift.permissible_source if over_threshold else "",
        declared_at=now if over_threshold and gift.declared else None,
        created_at=now,
        source_code=gift.source_code,
    )
    donation.full_clean(exclude=["donor"], validate_unique=False)
    try:
        with transaction.atomic():
            donation.save()
    except IntegrityError:  # the same form posted twice at once
        return Donation.objects.get(form_token=gift.form_token), False
    return donation, True


def donation_checkout_start(*, donation: Donation, return_base_url: str) -> str:
    """Create (or find again) the donation's Checkout Session and return its URL.

    The idempotency key is per donation, so a double click, a retried request or a
    retry inside the Stripe library all get the same session: never two charges.
    Raises `stripe_gateway.PaymentProviderError` with a message safe to show the donor.
    """
    if donation.checkout_url and donation.status == Donation.Status.PENDING:
        return donation.checkout_url
    campaign = campaign_settings_get()
    monthly = donation.kind == Donation.Kind.MONTHLY
    session = stripe_gateway.checkout_session_create(
        donation_id=donation.pk,
        mode="subscription" if monthly else "payment",
        amount_pence=donation.amount_pence,
        description=(
            f"{'Monthly donation' if monthly else 'Donation'} to {campaign.candidate_name}'s "
            f"campaign in {campaign.constituency}"
        ),
        email=donation.email,
        success_url=f"{return_base_url}/donate/thanks/",
        cancel_url=f"{return_base_url}/donate/?cancelled=1",
        idempotency_key=f"donation-checkout-{donation.form_token}",
    )
    Donation.objects.filter(pk=donation.pk).update(
        stripe_checkout_session_id=session.id, checkout_url=session.url
    )
    donation.stripe_checkout_session_id, donation.checkout_url = session.id, session.url
    return session.url


def donation_refresh_from_stripe(*, donation: Donation) -> Donation:
    """On the thanks page: if the webhook has not arrived yet, ask Stripe about the
    Checkout Session and record what it says (the same code the webhook runs).
    A failure to reach Stripe leaves the donation as it was."""
    if donation.status != Donation.Status.PENDING or not donation.stripe_checkout_session_id:
        return donation
    try:
        session = stripe_gateway.checkout_session_retrieve(
            session_id=donation.stripe_checkout_session_id
        )
    except stripe_gateway.PaymentProviderError:
        return donation
    if session.status == "complete":
        checkout_session_apply(session=session.data, event_type="checkout.session.completed")
    elif session.status == "expired":
        checkout_session_apply(session=session.data, event_type="checkout.session.expired")
    donation.refresh_from_db()
    return donation


@transaction.atomic
def donation_settings_update(*, settings_row: DonationSettings) -> DonationSettings:
    """Save the donation settings. A new or changed end date for monthly gifts is passed on
    to every running monthly gift at Stripe by the workers, after commit."""
    settings_row.pk = 1
    settings_row.full_clean()
    before = (
        DonationSettings.objects.select_for_update()
        .filter(pk=1)
        .values_list("monthly_end_date", flat=True)
        .first()
    )
    settings_row.save()
    if settings_row.monthly_end_date != before:
        enqueue_after_commit(MONTHLY_GIFTS_END_TASK)
    public_pages_invalidate(topics=("donations",))  # /donate/ shows the limits and the end
    return settings_row
