"""Demo donations for `make run`: gifts in every state the agent and organisers will meet.

Idempotent: each demo gift has a fixed form token and fixed (fake) Stripe ids, and goes
through the same services as real ones, so running it again changes nothing. The names
and addresses are invented; the streets are real Derby North streets.
"""

import uuid
from datetime import timedelta

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from campaign_site.core.demo import demo_logging_quiet
from donations.models import Donation
from donations.selectors import check_queue_counts
from donations.services import GiftDetails, checkout_session_apply, donation_create
from donations.services.ledger import charge_refunds_record, donation_lock, payment_record

NAMESPACE = uuid.UUID("6f1b6a52-3c1e-4c57-9a53-2b8a4f9d0e11")
FORM_TO_PAYMENT_MINUTES = 4
MONTH_DAYS = 30

# (key, name, email, pence, kind, address, postcode, days ago, outcome)
GIFTS = [
    ("a", "Priya Sharma", "priya.demo@example.org", 1_000, "one_off", "", "", 12, "paid"),
    ("b", "Tom Whitworth", "tom.demo@example.org", 2_500, "one_off", "", "", 10, "paid"),
    ("c", "Aisha Khan", "aisha.demo@example.org", 500, "monthly", "", "", 40, "paid"),
    ("d", "Gareth Price", "gareth.demo@example.org", 5_000, "one_off", "", "", 8, "paid"),
    ("e", "Helen Morley", "helen.demo@example.org", 2_000, "one_off", "", "", 6, "refunded"),
    (
        "f",
        "Marek Nowak",
        "marek.demo@example.org",
        10_000,
        "one_off",
        "27 Kedleston Road, Derby",
        "DE22 1FW",
        35,
        "paid",
    ),
    (
        "g",
        "Joan Bradshaw",
        "joan.demo@example.org",
        25_000,
        "one_off",
        "4 Duffield Road, Derby",
        "DE22 1AA",
        5,
        "paid",
    ),
    (
        "h",
        "Sunil Patel",
        "sunil.demo@example.org",
        7_500,
        "monthly",
        "15 Kingsway, Derby",
        "DE22 3FA",
        20,
        "paid",
    ),
    ("i", "Ruth Ellis", "ruth.demo@example.org", 2_500, "one_off", "", "", 1, "pending"),
    ("j", "Priya Sharma", "priya.demo@example.org", 2_500, "one_off", "", "", 2, "paid"),
]


class Command(BaseCommand):
    help = "Add demo donations (idempotent)."

    def handle(self, *args, **options):
        now = timezone.now()
        added = 0
        with demo_logging_quiet(verbosity=options["verbosity"]):
            for gift in GIFTS:
                added += self._gift(*gift, now=now)
        demo = Donation.objects.filter(email__endswith=".demo@example.org")
        checks = check_queue_counts(now=now)
        self.stdout.write(
            f"Demo donations: {added} added ({demo.count()} in all; {checks['to_check']} over "
            f"£50 to check, {checks['overdue']} of them overdue)"
        )

    def _gift(self, key, name, email, pence, kind, address, postcode, days, outcome, *, now):
        """One demo gift, dated as a real one would be: the form (and the donor's
        declaration) a few minutes before the payment, the 30-day check counted from the
        payment, and a monthly gift paid once for each month it has run."""
        line1, _, town = address.partition(", ")
        token = uuid.uuid5(NAMESPACE, key)
        if Donation.objects.filter(form_token=token).exists():
            return 0
        paid_at = now - timedelta(days=days)
        with transaction.atomic():
            donation, _ = donation_create(
                gift=GiftDetails(
                    form_token=token,
                    kind=kind,
                    amount_pence=pence,
                    name=name,
                    email=email,
                    address_line1=line1,
                    town=town,
                    postcode=postcode,
                    permissible_source=Donation.Source.ELECTOR if address else "",
                    declared=bool(address),
                ),
                now=paid_at - timedelta(minutes=FORM_TO_PAYMENT_MINUTES),
            )
        if outcome == "pending":
            return 1
        monthly = kind == Donation.Kind.MONTHLY
        session = {
            "id": f"cs_demo_{key}",
            "mode": "subscription" if monthly else "payment",
            "metadata": {"donation_id": str(donation.pk)},
            "payment_status": "paid",
            "amount_total": pence,
            "payment_intent": None if monthly else f"pi_demo_{key}",
            "invoice": f"in_demo_{key}" if monthly else None,
            "subscription": f"sub_demo_{key}" if monthly else None,
        }
        checkout_session_apply(
            session=session, event_type="checkout.session.completed", at=int(paid_at.timestamp())
        )
        month = 1
        while monthly and days - MONTH_DAYS * month >= 0:
            # Each month the subscription has run since, its invoice was paid.
            with transaction.atomic():
                payment_record(
                    donation=donation_lock(donation_id=donation.pk),
                    stripe_key=f"in_demo_{key}_{month}",
                    amount_pence=pence,
                    received_at=paid_at + timedelta(days=MONTH_DAYS * month),
                )
            month += 1
        if outcome == "refunded":
            charge_refunds_record(
                payment_intent_id=f"pi_demo_{key}",
                charge_id=f"ch_demo_{key}",
                amount_refunded_pence=pence,
            )
        return 1
