"""The money ledger: payments and refunds in, a donation's status and totals out.

Every change to money goes through here. A donation's status and totals are always
recomputed from the ledger rows (payments, refunds by id, the highest refunded total
Stripe reported per charge), never nudged step by step, so events applied in any order,
or twice, end in the same state.
"""

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Sum
from django.urls import reverse

from campaign_site.core.outbox import outbox_enqueue
from campaign_site.core.pagecache import public_pages_invalidate
from donations.models import (
    CHECK_DAYS,
    ChargeRefundTotal,
    Donation,
    Payment,
    Refund,
)
from donations.money import pence_to_text
from donations.selectors import PROGRESS_CACHE_KEY
from donations.tokens import stop_monthly_token

logger = logging.getLogger(__name__)


def progress_invalidate() -> None:
    """Drop the cached progress totals once the transaction that changed money commits,
    and the cached pages that show them."""
    transaction.on_commit(lambda: cache.delete(PROGRESS_CACHE_KEY))
    public_pages_invalidate(topics=("donations",))


def donation_lock(*, donation_id: int) -> Donation | None:
    return Donation.objects.select_for_update().filter(pk=donation_id).first()


def payment_record(
    *,
    donation: Donation,
    stripe_key: str,
    amount_pence: int,
    received_at: datetime,
    payment_intent_id: str = "",
) -> Payment:
    """Record money received (once per payment intent or invoice), then recompute.

    The caller holds the donation's row lock (`donation_lock`)."""
    payment, created = Payment.objects.get_or_create(
        stripe_key=stripe_key,
        defaults={
            "donation": donation,
            "amount_pence": amount_pence,
            "received_at": received_at,
            "stripe_payment_intent_id": payment_intent_id,
        },
    )
    if not created and payment_intent_id and not payment.stripe_payment_intent_id:
        payment.stripe_payment_intent_id = payment_intent_id
        payment.save(update_fields=["stripe_payment_intent_id"])
    if payment.donation_id != donation.pk:
        logger.error("Payment %s belongs to donation %s", stripe_key, payment.donation_id)
        return payment
    donation_recompute(donation=donation)
    return payment


@transaction.atomic
def charge_refunds_record(
    *,
    payment_intent_id: str,
    charge_id: str,
    amount_refunded_pence: int,
    refunds: list[tuple[str, int]],
) -> None:
    """Record what Stripe says was refunded on a charge: its cumulative refunded amount
    (kept only if higher than what we knew) and each refund it lists, once by id.

    Works before the payment itself is known: the payment picks the refunds up later.
    """
    total, _ = ChargeRefundTotal.objects.get_or_create(
        stripe_payment_intent_id=payment_intent_id, defaults={"stripe_charge_id": charge_id}
    )
    ChargeRefundTotal.objects.filter(
        pk=total.pk, amount_refunded_pence__lt=amount_refunded_pence
    ).update(amount_refunded_pence=amount_refunded_pence, stripe_charge_id=charge_id)
    for refund_id, amount in refunds:
        refund_known(refund_id=refund_id, payment_intent_id=payment_intent_id, amount_pence=amount)
    donation_ids = set(
        Payment.objects.filter(stripe_payment_intent_id=payment_intent_id).values_list(
            "donation_id", flat=True
        )
    )
    for donation_id in sorted(donation_ids):
        donation = donation_lock(donation_id=donation_id)
        if donation is not None:
            donation_recompute(donation=donation)


def refund_known(*, refund_id: str, payment_intent_id: str, amount_pence: int) -> None:
    Refund.objects.get_or_create(
        stripe_refund_id=refund_id,
        defaults={"stripe_payment_intent_id": payment_intent_id, "amount_pence": amount_pence},
    )


def donation_recompute(*, donation: Donation) -> Donation:
    """Derive refunds per payment, totals, status and the agent's check from the ledger.

    The caller holds the donation's row lock. Sends a receipt for each payment newly
    received and kept, and refreshes the progress bar when the money changed.
    """
    payments = list(donation.payments.all())
    intents = [p.stripe_payment_intent_id for p in payments if p.stripe_payment_intent_id]
    by_id = dict(
        Refund.objects.filter(stripe_payment_intent_id__in=intents)
        .values("stripe_payment_intent_id")
        .annotate(total=Sum("amount_pence"))
        .values_list("stripe_payment_intent_id", "total")
    )
    by_charge = dict(
        ChargeRefundTotal.objects.filter(stripe_payment_intent_id__in=intents).values_list(
            "stripe_payment_intent_id", "amount_refunded_pence"
        )
    )
    for payment in payments:
        intent = payment.stripe_payment_intent_id
        refunded = min(payment.amount_pence, max(by_id.get(intent, 0), by_charge.get(intent, 0)))
        if intent and refunded != payment.refunded_pence:
            payment.refunded_pence = refunded
            payment.save(update_fields=["refunded_pence"])

    before = (donation.received_pence, donation.refunded_pence, donation.status)
    donation.received_pence = sum(p.amount_pence for p in payments)
    donation.refunded_pence = sum(p.refunded_pence for p in payments)
    donation.first_received_at = min((p.received_at for p in payments), default=None)
    donation.status = _status(donation)
    if donation.first_received_at and not donation.check_status:
        if donation.needs_permissibility_check:
            donation.check_status = Donation.Check.TO_CHECK
            donation.check_deadline = donation.first_received_at + timedelta(days=CHECK_DAYS)
        else:
            donation.check_status = Donation.Check.NOT_NEEDED
    donation.save()
    if before[:2] != (donation.received_pence, donation.refunded_pence):
        progress_invalidate()
    for payment in payments:
        if payment.refunded_pence < payment.amount_pence:
            receipt_send(donation=donation, payment=payment)
    return donation


def _status(donation: Donation) -> str:
    Status = Donation.Status
    if donation.received_pence > 0:
        if donation.refunded_pence >= donation.received_pence:
            return Status.REFUNDED
        if donation.kind == Donation.Kind.MONTHLY and donation.stopped_at:
            return Status.STOPPED
        return Status.RECEIVED
    if donation.payment_failed_at:
        return Status.FAILED
    if donation.checkout_completed_at:
        return Status.PROCESSING
    if donation.checkout_expired_at:
        return Status.EXPIRED
    if donation.stopped_at:
        return Status.STOPPED
    return Status.PENDING


def receipt_send(*, donation: Donation, payment: Payment) -> None:
    """Queue the receipt for one payment (the outbox key makes it once per payment)."""
    context = {
        "name": donation.name,
        "amount": pence_to_text(payment.amount_pence),
        "monthly": donation.kind == Donation.Kind.MONTHLY,
        "received_at": payment.received_at,
        "reference": f"D{donation.pk}",
        "checked": donation.needs_permissibility_check,
    }
    if donation.kind == Donation.Kind.MONTHLY and not donation.stopped_at:
        token = stop_monthly_token(donation_id=donation.pk)
        context["stop_url"] = settings.SITE_URL + reverse(
            "donations:stop_monthly", kwargs={"token": token}
        )
    outbox_enqueue(
        key=f"donation-receipt:{payment.stripe_key}",
        to=donation.email,
        template="donations/email/receipt",
        context=context,
        person=donation.donor,
        about=donation,
    )
