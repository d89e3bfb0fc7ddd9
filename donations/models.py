"""Donations: money in integer pence (GBP), a ledger of payments and refunds from Stripe.

A Donation is what a donor asked for on /donate/ (a one-off gift or a monthly one). Money
actually received is a Payment (one per one-off charge or monthly invoice); refunds are
recorded per Stripe payment intent. A donation's status and totals are derived from that
ledger by `donations.services.ledger`, so the order in which Stripe's events arrive does
not change the outcome.
"""

import uuid

from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from donations.permissibility import (
    PERMISSIBILITY_THRESHOLD_PENCE,
    permissibility_missing,
    permissibility_needed,
)

CHECK_DAYS = 30


class DonationSettings(models.Model):
    """The one row of organiser-set limits for gifts made on /donate/."""

    min_pence = models.PositiveIntegerField(
        "smallest gift (pence)",
        default=100,
        validators=[MinValueValidator(100)],
        help_text="The smallest gift the form accepts, in pence (£1 is 100).",
    )
    max_pence = models.PositiveIntegerField(
        "largest gift (pence)",
        default=250_000,
        validators=[MinValueValidator(100)],
        help_text="The largest single gift (or monthly amount) the form accepts, in pence "
        "(£2,500 is 250000). Larger gifts can be arranged with the agent.",
    )
    monthly_end_date = models.DateField(
        "monthly gifts end on",
        null=True,
        blank=True,
        help_text="The last day of the campaign's monthly gifts: set it to a few days after "
        "polling day. No monthly payment is taken after this day (UK time): every monthly "
        "gift, those already running too, is set to end at Stripe, and donors are told the "
        "date on the form, in their receipt and on the page that stops a gift. Until it is "
        "set, monthly gifts run until each donor stops them.",
    )

    class Meta:
        verbose_name = "donation settings"
        verbose_name_plural = "donation settings"
        constraints = [
            models.CheckConstraint(condition=Q(pk=1), name="donation_settings_single_row"),
            models.CheckConstraint(
                condition=Q(max_pence__gte=models.F("min_pence")),
                name="donation_settings_max_not_below_min",
            ),
        ]

    def __str__(self) -> str:
        return "Donation settings"

    def clean(self):
        super().clean()
        if self.monthly_end_date is None:
            return
        stored = (
            DonationSettings.objects.filter(pk=self.pk or 1)
            .values_list("monthly_end_date", flat=True)
            .first()
        )
        if self.monthly_end_date != stored and self.monthly_end_date <= timezone.localdate():
            raise ValidationError(
                {
                    "monthly_end_date": "Choose a day after today: monthly gifts end at the "
                    "end of that day, and Stripe cannot end them in the past."
                }
            )


class Donor(models.Model):
    """Everyone who gave from one email address, so repeat gifts are seen together."""

    email = models.EmailField(max_length=254, unique=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.email


class DonationQuerySet(models.QuerySet):
    def received(self):
        return self.filter(first_received_at__isnull=False)

    def to_check(self):
        return self.received().filter(check_status=Donation.Check.TO_CHECK)

    def overdue(self, now=None):
        return self.to_check().filter(check_deadline__lt=now or timezone.now())


class Donation(models.Model):
    class Kind(models.TextChoices):
        ONE_OFF = "one_off", "One-off"
        MONTHLY = "monthly", "Monthly"

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for checkout"
        PROCESSING = "processing", "Payment processing"
        RECEIVED = "received", "Received"
        STOPPED = "stopped", "Monthly gift stopped"
        REFUNDED = "refunded", "Refunded"
        FAILED = "failed", "Payment failed"
        EXPIRED = "expired", "Checkout abandoned"

    class Check(models.TextChoices):
        NOT_NEEDED = "not_needed", "No check needed (£50 or less)"
        TO_CHECK = "to_check", "To check"
        ACCEPTED = "accepted", "Accepted"
        RETURNED = "returned", "Returned"

    class Source(models.TextChoices):
        ELECTOR = "elector", "On a UK electoral register"
        OTHER = "other", "Another permissible source"

    donor = models.ForeignKey(Donor, on_delete=models.PROTECT, related_name="donations")
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.ONE_OFF)
    amount_pence = models.PositiveIntegerField(
        help_text="The gift in pence; for a monthly gift, the amount each month."
    )
    name = models.CharField(max_length=150)
    email = models.EmailField(max_length=254)
    address_line1 = models.CharField("address", max_length=150, blank=True)
    address_line2 = models.CharField("address line 2", max_length=150, blank=True)
    town = models.CharField(max_length=80, blank=True)
    postcode = models.CharField(max_length=8, blank=True)
    permissible_source = models.CharField(max_length=10, choices=Source.choices, blank=True)
    declared_at = models.DateTimeField(
        null=True, blank=True, help_text="When the donor made the permissibility declaration."
    )
    form_token = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # The link's source code the donor arrived with, only until the first payment adds the
    # gift to that code's totals (campaign_site.core.sources); then it is blanked. Never
    # shown or exported.
    source_code = models.CharField(max_length=50, blank=True, editable=False)

    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PENDING)
    received_pence = models.PositiveIntegerField(default=0)
    refunded_pence = models.PositiveIntegerField(default=0)
    first_received_at = models.DateTimeField(null=True, blank=True)

    stripe_checkout_session_id = models.CharField(max_length=255, blank=True, db_index=True)
    checkout_url = models.URLField(max_length=2000, blank=True)
    stripe_subscription_id = models.CharField(max_length=255, blank=True, db_index=True)
    stripe_customer_id = models.CharField(max_length=255, blank=True)
    checkout_completed_at = models.DateTimeField(null=True, blank=True)
    payment_failed_at = models.DateTimeField(null=True, blank=True)
    checkout_expired_at = models.DateTimeField(null=True, blank=True)
    stopped_at = models.DateTimeField("monthly gift stopped", null=True, blank=True)
    stripe_cancel_at = models.DateTimeField(
        "monthly gift ends at Stripe",
        null=True,
        blank=True,
        help_text="When Stripe was last told to end this monthly gift's subscription.",
    )

    check_status = models.CharField(max_length=12, choices=Check.choices, blank=True)
    check_deadline = models.DateTimeField(null=True, blank=True)
    checked_at = models.DateTimeField("accepted or returned", null=True, blank=True)
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    return_method = models.CharField("how it was returned", max_length=200, blank=True)
    check_note = models.TextField(blank=True)

    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    objects = DonationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        permissions = [
            ("check_donation", "Can accept or return donations"),
            ("export_donation", "Can export donations for the spending return"),
        ]
        indexes = [models.Index(fields=["check_status", "check_deadline"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount_pence__gte=1), name="donation_amount_positive"
            ),
            models.CheckConstraint(
                condition=Q(amount_pence__lte=PERMISSIBILITY_THRESHOLD_PENCE)
                | (
                    ~Q(address_line1="")
                    & ~Q(town="")
                    & ~Q(postcode="")
                    & ~Q(permissible_source="")
                    & Q(declared_at__isnull=False)
                ),
                name="donation_over_50_has_permissibility_details",
            ),
        ]

    def __str__(self) -> str:
        return f"Donation D{self.pk}"

    def clean(self):
        """A gift over £50 keeps the details its permissibility check needs (the rule is
        `donations.permissibility`)."""
        super().clean()
        errors = {}
        for missing in self.permissibility_missing():
            field = NON_FIELD_ERRORS if missing.field == "declaration" else missing.field
            errors.setdefault(field, []).append(f"A gift over £50 needs {missing.what}.")
        if errors:
            raise ValidationError(errors)

    def permissibility_missing(self):
        return permissibility_missing(
            amount_pence=self.amount_pence,
            name=self.name,
            address_line1=self.address_line1,
            town=self.town,
            postcode=self.postcode,
            permissible_source=self.permissible_source,
            declared=self.declared_at is not None,
        )

    @property
    def needs_permissibility_check(self) -> bool:
        return permissibility_needed(self.amount_pence)

    @property
    def net_pence(self) -> int:
        return self.received_pence - self.refunded_pence

    @property
    def is_returned(self) -> bool:
        return self.check_status == self.Check.RETURNED

    @property
    def kept_pence(self) -> int:
        """What the campaign keeps: nothing of a gift the agent returned, however it went
        back (a Stripe refund, or a cheque that Stripe never sees)."""
        return 0 if self.is_returned else self.net_pence

    @property
    def returned_another_way(self) -> bool:
        """Returned by the agent outside Stripe: Stripe still shows the money as paid."""
        return self.is_returned and self.refunded_pence < self.received_pence

    @property
    def is_overdue(self) -> bool:
        return (
            self.check_status == self.Check.TO_CHECK
            and self.check_deadline is not None
            and self.check_deadline < timezone.now()
        )

    @property
    def address(self) -> str:
        parts = [self.address_line1, self.address_line2, self.town, self.postcode]
        return ", ".join(part for part in parts if part)


class PaymentQuerySet(models.QuerySet):
    def missing_intent(self):
        """Monthly payments (keyed by invoice) whose payment intent Stripe has not named yet:
        their refunds cannot be matched, nor can they be returned, until it is found."""
        return self.filter(stripe_payment_intent_id="", donation__kind=Donation.Kind.MONTHLY)


class Payment(models.Model):
    """Money received: one per one-off charge (keyed by payment intent) or paid invoice."""

    donation = models.ForeignKey(Donation, on_delete=models.PROTECT, related_name="payments")
    stripe_key = models.CharField(
        max_length=255, unique=True, help_text="The payment intent (one-off) or invoice id."
    )
    stripe_payment_intent_id = models.CharField(max_length=255, blank=True, db_index=True)
    amount_pence = models.PositiveIntegerField()
    refunded_pence = models.PositiveIntegerField(default=0)
    received_at = models.DateTimeField()

    objects = PaymentQuerySet.as_manager()

    class Meta:
        ordering = ["received_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(refunded_pence__lte=models.F("amount_pence")),
                name="payment_refund_not_above_amount",
            )
        ]

    def __str__(self) -> str:
        return self.stripe_key


class Refund(models.Model):
    """One Stripe refund we know by id (one we made, or one listed on a charge)."""

    stripe_refund_id = models.CharField(max_length=255, unique=True)
    stripe_payment_intent_id = models.CharField(max_length=255, db_index=True)
    amount_pence = models.PositiveIntegerField()
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.stripe_refund_id


class ChargeRefundTotal(models.Model):
    """The highest `amount_refunded` Stripe has told us for a charge: it only grows, so an
    older event arriving late can never undo a newer one."""

    stripe_payment_intent_id = models.CharField(max_length=255, unique=True)
    stripe_charge_id = models.CharField(max_length=255, blank=True)
    amount_refunded_pence = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return self.stripe_payment_intent_id


class StripeEvent(models.Model):
    """Each webhook event id, stored once in the transaction that applied it."""

    event_id = models.CharField(max_length=255, unique=True)
    type = models.CharField(max_length=100)
    object_id = models.CharField(max_length=255, blank=True)
    stripe_created_at = models.DateTimeField(null=True, blank=True)
    received_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-received_at"]

    def __str__(self) -> str:
        return f"{self.type} {self.event_id}"


class DonationToCheck(Donation):
    """The agent's queue: received gifts over £50 waiting to be accepted or returned."""

    class Meta:
        proxy = True
        verbose_name = "gift to check"
        verbose_name_plural = "gifts to check (over £50)"


# The spending ledger's models live in their own module; Django finds them through this one.
from donations.spending_models import SpendingItem, SpendingSettings  # noqa: E402

__all__ = [
    "ChargeRefundTotal",
    "Donation",
    "DonationSettings",
    "DonationToCheck",
    "Donor",
    "Payment",
    "Refund",
    "SpendingItem",
    "SpendingSettings",
    "StripeEvent",
]
