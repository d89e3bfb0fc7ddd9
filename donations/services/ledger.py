"""The money ledger: payments and refunds in, a donation's status and totals out.

Every change to money goes through here. A donation's status and totals are always
recomputed from the ledger rows (payments, refunds we made, known by id, and the highest
refunded total Stripe reported per charge), never nudged step by step, so events applied
in any order, or twice, end in the same state.

Locking, the one order every path follows (so no overlap loses a write and no two paths
wait on each other in a circle):

1. the ledger lock of the payment intent being written (`ledger_lock`), or, on a path that
   only recomputes a gift, of every intent the gift has, in sorted order, taken together
   (`donation_ledger_lock`);
2. then the donation's row lock (`donation_lock`); no ledger lock is taken after it.

A payment and the refund of the same payment intent therefore never overlap: a refund
that arrives first is stored by intent and kept, and the payment, which reads the refunds
under the same lock, applies it; a refund that arrives second finds the payment. Under
READ COMMITTED each waits for the other's commit and then sees its rows.
"""

import hashlib
import logging
from collections.abc import Iterable
from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import Sum
from django.urls import reverse

from campaign_site.core.models import SourceCount
from campaign_site.core.money import pence_to_text
from campaign_site.core.outbox import outbox_enqueue
from campaign_site.core.pagecache import public_pages_invalidate
from campaign_site.core.sources import source_credit
from donations.models import (
    CHECK_DAYS,
    ChargeRefundTotal,
    Donation,
    Payment,
    Refund,
)
from donations.selectors import PROGRESS_CACHE_KEY, donation_settings_get
from donations.tokens import stop_monthly_token

logger = logging.getLogger(__name__)


def progress_invalidate() -> None:
    """Drop the cached progress totals once the transaction that changed money commits,
    and the cached pages that show them."""
    transaction.on_commit(lambda: cache.delete(PROGRESS_CACHE_KEY))
    public_pages_invalidate(topics=("donations",))


def ledger_lock(*, payment_intent_ids: Iterable[str]) -> None:
    """Take the ledger lock of each payment intent (sorted; blanks skipped) until the
    transaction ends. Take them first, before any donation's row lock, and all at once.

    On PostgreSQL a transaction-scoped advisory lock per intent (a hash collision only makes
    two intents wait for each other). SQLite, the one-process first run, has no such locks
    and needs none: it lets one transaction write at a time and refuses a transaction whose
    reads are stale, so an overlap fails (and Stripe retries) rather than losing a refund.
    """
    keys = sorted({intent for intent in payment_intent_ids if intent})
    if not keys:
        return
    if not connection.in_atomic_block:
        raise RuntimeError("ledger_lock() needs a transaction")
    for key in keys:
        advisory_lock(namespace="ledger", key=key)


def advisory_lock(*, namespace: str, key: str) -> None:
    """A PostgreSQL advisory lock on (namespace, key) until the transaction ends; nothing
    on SQLite, which lets one transaction write at a time anyway."""
    if connection.vendor != "postgresql":
        return
    digest = hashlib.blake2b(f"donations:{namespace}:{key}".encode(), digest_size=8).digest()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock(%s)", [int.from_bytes(digest, "big", signed=True)]
        )


def donation_lock(*, donation_id: int) -> Donation | None:
    """The donation's row lock: taken after the ledger locks the path needs."""
    return Donation.objects.select_for_update().filter(pk=donation_id).first()


def donation_found(donation: Donation | None, *, donation_id: int) -> Donation:
    """For paths where the gift must exist (the agent's actions, a stop page): a gift that
    has gone is an error, not something to skip."""
    if donation is None:
        raise Donation.DoesNotExist(f"No donation {donation_id}")
    return donation


def donation_ledger_lock(*, donation_id: int, payment_intent_id: str = "") -> Donation | None:
    """Every lock a write to this gift needs, in the one order: the ledger locks of the
    intents it has (and of `payment_intent_id`, about to be recorded on it), then its row
    lock. For a path that holds no ledger lock yet."""
    intents = set(
        Payment.objects.filter(donation_id=donation_id)
        .exclude(stripe_payment_intent_id="")
        .values_list("stripe_payment_intent_id", flat=True)
    )
    ledger_lock(payment_intent_ids=intents | {payment_intent_id})
    return donation_lock(donation_id=donation_id)


def payment_record(
    *,
    donation: Donation,
    stripe_key: str,
    amount_pence: int,
    received_at: datetime,
    payment_intent_id: str = "",
) -> Payment:
    """Record money received (once per payment intent or invoice), then recompute.

    The caller holds the ledger lock of `payment_intent_id`, then the donation's row lock
    (`donation_ledger_lock(donation_id=..., payment_intent_id=...)` takes both)."""
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
) -> None:
    """Record what Stripe says was refunded on a charge: its cumulative refunded amount,
    kept only if higher than what we knew (so a late, older event never undoes a newer one).

    Works before the payment itself is known: the payment picks the refund up later.
    """
    ledger_lock(payment_intent_ids=[payment_intent_id])
    total, _ = ChargeRefundTotal.objects.get_or_create(
        stripe_payment_intent_id=payment_intent_id, defaults={"stripe_charge_id": charge_id}
    )
    ChargeRefundTotal.objects.filter(
        pk=total.pk, amount_refunded_pence__lt=amount_refunded_pence
    ).update(amount_refunded_pence=amount_refunded_pence, stripe_charge_id=charge_id)
    donation_ids = set(
        Payment.objects.filter(stripe_payment_intent_id=payment_intent_id).values_list(
            "donation_id", flat=True
        )
    )
    for donation_id in sorted(donation_ids):
        donation = donation_lock(donation_id=donation_id)
        if donation is not None:
            donation_recompute(donation=donation)


@transaction.atomic
def payment_intent_attach(*, stripe_key: str, payment_intent_id: str) -> Payment | None:
    """Name the payment intent behind a payment recorded without one (a monthly payment,
    keyed by its invoice), then recompute, so refunds already known for that intent count.
    Returns None if no payment has that key yet."""
    ledger_lock(payment_intent_ids=[payment_intent_id])
    found = Payment.objects.filter(stripe_key=stripe_key).first()
    if found is None:
        return None
    donation = donation_found(
        donation_lock(donation_id=found.donation_id), donation_id=found.donation_id
    )
    payment = Payment.objects.get(pk=found.pk)
    if payment.stripe_payment_intent_id:
        if payment.stripe_payment_intent_id != payment_intent_id:
            logger.error(
                "Payment %s is %s, not %s",
                stripe_key,
                payment.stripe_payment_intent_id,
                payment_intent_id,
            )
        return payment
    payment.stripe_payment_intent_id = payment_intent_id
    payment.save(update_fields=["stripe_payment_intent_id"])
    donation_recompute(donation=donation)
    return payment


def refund_known(*, refund_id: str, payment_intent_id: str, amount_pence: int) -> None:
    """Keep a refund we made, by id. The caller holds the intent's ledger lock."""
    Refund.objects.get_or_create(
        stripe_refund_id=refund_id,
        defaults={"stripe_payment_intent_id": payment_intent_id, "amount_pence": amount_pence},
    )


def donation_recompute(*, donation: Donation) -> Donation:
    """Derive refunds per payment, totals, status and the agent's check from the ledger.

    The caller holds the gift's locks (see the module's docstring). Sends a receipt for
    each payment newly received and kept, and refreshes the progress bar when the money
    changed.
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
    first_payment = donation.first_received_at is None
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
    if first_payment and donation.first_received_at and donation.source_code:
        # Counted once, with the first payment; then the gift keeps no trace of the link.
        source_credit(
            code=donation.source_code,
            action=SourceCount.Action.GIFT,
            amount_pence=donation.received_pence,
        )
        donation.source_code = ""
    donation.save()
    if before[:2] != (donation.received_pence, donation.refunded_pence):
        progress_invalidate()
    kept = [payment for payment in payments if payment.refunded_pence < payment.amount_pence]
    running = kept and donation.kind == Donation.Kind.MONTHLY and not donation.stopped_at
    ends_on = donation_settings_get().monthly_end_date if running else None
    for payment in kept:
        receipt_send(donation=donation, payment=payment, ends_on=ends_on)
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


def receipt_send(*, donation: Donation, payment: Payment, ends_on: date | None = None) -> None:
    """Queue the receipt for one payment (the outbox key makes it once per payment); a
    running monthly gift's says when it ends (`ends_on`, the campaign's end date)."""
    context = {
        "name": donation.name,
        "amount": pence_to_text(payment.amount_pence),
        "monthly": donation.kind == Donation.Kind.MONTHLY,
        "received_at": payment.received_at,
        "reference": f"D{donation.pk}",
        "checked": donation.needs_permissibility_check,
    }
    if donation.kind == Donation.Kind.MONTHLY and not donation.stopped_at:
        context["ends_on"] = ends_on
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
