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

from donations.models import Donation
from donations.services import GiftDetails, checkout_session_apply, donation_create
from donations.services.ledger import charge_refunds_record

NAMESPACE = uuid.UUID("6f1b6a52-3c1e-4c57-9a53-2b8a4f9d0e11")

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
        for key, name, email, pence, kind, address, postcode, days, outcome in GIFTS:
            line1, _, town = address.partition(", ")
            token = uuid.uuid5(NAMESPACE, key)
            if Donation.objects.filter(form_token=token).exists():
                continue
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
                    )
                )
            if outcome == "pending":
                continue
            when = int((now - timedelta(days=days)).timestamp())
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
                session=session, event_type="checkout.session.completed", at=when
            )
            if outcome == "refunded":
                charge_refunds_record(
                    payment_intent_id=f"pi_demo_{key}",
                    charge_id=f"ch_demo_{key}",
                    amount_refunded_pence=pence,
                )
        count = Donation.objects.filter(email__endswith=".demo@example.org").count()
        self.stdout.write(f"Demo donations: {count}")
