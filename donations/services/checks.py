"""The agent's checks of gifts over £50: accept, or return (refunding through Stripe)."""

import logging

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from donations import stripe_gateway
from donations.models import Donation
from donations.services.ledger import (
    donation_found,
    donation_ledger_lock,
    donation_lock,
    donation_recompute,
    ledger_lock,
    progress_invalidate,
    refund_known,
)
from donations.services.monthly import payment_intent_resolve

logger = logging.getLogger(__name__)

RETURN_BY_STRIPE = "stripe"


def permissibility_problems(donation: Donation) -> list[str]:
    """What is missing before a gift over £50 can be accepted (`donations.permissibility`)."""
    return [missing.what for missing in donation.permissibility_missing()]


def donation_accept(*, donation_id: int, user, note: str = "") -> Donation:
    """Mark a checked gift as accepted. Refused while details the law needs are missing,
    or if the gift was already returned."""
    with transaction.atomic():
        donation = donation_found(donation_lock(donation_id=donation_id), donation_id=donation_id)
        if donation.check_status == Donation.Check.RETURNED:
            raise ValidationError("This gift was returned; it cannot be accepted now.")
        if donation.first_received_at is None:
            raise ValidationError("No money has been received for this gift yet.")
        problems = permissibility_problems(donation)
        if problems:
            raise ValidationError(
                "This gift cannot be accepted without " + ", ".join(problems) + "."
            )
        donation.check_status = Donation.Check.ACCEPTED
        donation.checked_at = timezone.now()
        donation.checked_by = user
        donation.check_note = note or donation.check_note
        donation.save()
    logger.info("Donation %s accepted", donation.pk)
    return donation


def donation_return(*, donation_id: int, user, method: str, note: str = "") -> Donation:
    """Return a gift that cannot be accepted.

    With `method` "stripe", whatever is still held is refunded through Stripe, payment by
    payment (an idempotency key per payment, so a retry never refunds twice). Any other
    method (a cheque, say) is recorded as given. Either way a monthly gift is stopped at
    Stripe: a gift the campaign could not accept would not be acceptable next month either.
    """
    donation = Donation.objects.get(pk=donation_id)
    if donation.check_status == Donation.Check.RETURNED:
        return donation
    if donation.first_received_at is None:
        raise ValidationError("No money has been received for this gift yet.")
    how = method.strip()
    still_paying = (
        donation.kind == Donation.Kind.MONTHLY
        and bool(donation.stripe_subscription_id)
        and donation.stopped_at is None
    )
    if not stripe_gateway.stripe_configured():
        if method == RETURN_BY_STRIPE:
            raise ValidationError(
                "Stripe is not set up on this site: refund the gift another way and record how."
            )
        if still_paying:
            raise ValidationError(
                "This monthly gift is still being paid through Stripe, which is not set up on "
                "this site: cancel it in Stripe's dashboard first, then record the return."
            )
    if method == RETURN_BY_STRIPE:
        refunds = _refund_all(donation)
        how = (
            "Refunded through Stripe (" + ", ".join(refunds) + ")"
            if refunds
            else "Already refunded in Stripe"
        )
    elif not how:
        raise ValidationError("Say how the gift was returned.")
    if still_paying:
        stripe_gateway.subscription_cancel(subscription_id=donation.stripe_subscription_id)
    with transaction.atomic():
        donation = donation_found(
            donation_ledger_lock(donation_id=donation_id), donation_id=donation_id
        )
        if donation.kind == Donation.Kind.MONTHLY:
            donation.stopped_at = donation.stopped_at or timezone.now()
        donation.check_status = Donation.Check.RETURNED
        donation.checked_at = timezone.now()
        donation.checked_by = user
        donation.return_method = how[:200]
        donation.check_note = note or donation.check_note
        donation_recompute(donation=donation)
        progress_invalidate()  # a returned gift no longer counts, refunded or not
    logger.info("Donation %s returned", donation.pk)
    return donation


def _refund_all(donation: Donation) -> list[str]:
    refund_ids = []
    for payment in donation.payments.all():
        if payment.amount_pence - payment.refunded_pence <= 0:
            continue
        if not payment.stripe_payment_intent_id:
            # A monthly payment: its invoice names no payment intent, its payments do.
            payment_intent_resolve(payment=payment)
            payment.refresh_from_db()
        if not payment.stripe_payment_intent_id:
            raise ValidationError(
                f"Stripe has no paid payment for {payment.stripe_key} yet, so it cannot be "
                "refunded; try again in a few minutes."
            )
        remaining = payment.amount_pence - payment.refunded_pence
        if remaining <= 0:
            continue
        refund = stripe_gateway.refund_create(
            payment_intent_id=payment.stripe_payment_intent_id,
            amount_pence=remaining,
            idempotency_key=f"donation-return-{payment.stripe_key}",
        )
        with transaction.atomic():
            ledger_lock(payment_intent_ids=[payment.stripe_payment_intent_id])
            refund_known(
                refund_id=refund["id"],
                payment_intent_id=payment.stripe_payment_intent_id,
                amount_pence=int(refund["amount"]),
            )
            locked = donation_found(donation_lock(donation_id=donation.pk), donation_id=donation.pk)
            donation_recompute(donation=locked)
        refund_ids.append(refund["id"])
    return refund_ids


DETAIL_FIELDS = ["name", "address_line1", "address_line2", "town", "postcode", "check_note"]


def donation_details_update(*, donation: Donation) -> Donation:
    """The agent corrects a donor's details (a typo in an address, say). The rules for
    gifts over £50 still hold: full name, home address and source stay required."""
    donation.full_clean(exclude=["donor", "checked_by"], validate_unique=False)
    donation.save(update_fields=[*DETAIL_FIELDS, "permissible_source", "updated_at"])
    return donation
