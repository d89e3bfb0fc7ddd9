"""The agent's spending ledger against the legal limit (money in integer pence, GBP).

SpendingSettings is the one row the agent fills in from the Acting Returning Officer's
figures: the electorate, the seat's type and the regulated period, then the day the result
was declared. Each SpendingItem is one thing the campaign spent (or was given: notional
spending), proposed by an organiser or the agent and approved by the agent. The arithmetic
of the limit and the deadlines is `donations.spending_rules`.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from donations.invoices import invoice_storage
from donations.permissibility import PERMISSIBILITY_THRESHOLD_PENCE
from donations.spending_rules import SpendingLimit, spending_limit


class SpendingSettings(models.Model):
    """The one row of figures the limit and the deadlines are computed from."""

    class SeatType(models.TextChoices):
        BOROUGH = "borough", "Borough constituency (8p per elector)"
        COUNTY = "county", "County constituency (12p per elector)"

    electorate = models.PositiveIntegerField(
        "electorate",
        null=True,
        blank=True,
        help_text="The number of electors, as the Acting Returning Officer gives it.",
    )
    seat_type = models.CharField(
        "seat type",
        max_length=10,
        choices=SeatType.choices,
        blank=True,
        help_text="Whether the seat is a borough or a county constituency (the Acting "
        "Returning Officer says which).",
    )
    period_start = models.DateField(
        "regulated period starts",
        null=True,
        blank=True,
        help_text="The first day of the short campaign: spending from this day counts.",
    )
    period_end = models.DateField(
        "regulated period ends",
        null=True,
        blank=True,
        help_text="The last day of the regulated period (polling day).",
    )
    declared_on = models.DateField(
        "result declared on",
        null=True,
        blank=True,
        help_text="The day the result was declared. The deadlines for invoices, payments, "
        "the return and the candidate's declaration are counted from it.",
    )

    class Meta:
        verbose_name = "spending limit and dates"
        verbose_name_plural = "spending limit and dates"
        constraints = [
            models.CheckConstraint(condition=Q(pk=1), name="spending_settings_single_row"),
        ]

    def __str__(self) -> str:
        return "Spending limit and dates"

    def clean(self):
        super().clean()
        if self.period_start and self.period_end and self.period_end < self.period_start:
            raise ValidationError(
                {"period_end": "The regulated period cannot end before it starts."}
            )
        if self.declared_on and self.period_end and self.declared_on < self.period_end:
            raise ValidationError(
                {"declared_on": "The result is declared on or after the end of the period."}
            )

    @property
    def limit(self) -> SpendingLimit | None:
        if self.electorate is None or not self.seat_type:
            return None
        return spending_limit(electorate=self.electorate, seat_type=self.seat_type)

    @property
    def period_known(self) -> bool:
        return self.period_start is not None and self.period_end is not None


class SpendingItemQuerySet(models.QuerySet):
    def approved(self):
        return self.filter(status=SpendingItem.Status.APPROVED)

    def proposed(self):
        return self.filter(status=SpendingItem.Status.PROPOSED)

    def paid_for(self):
        """Items the campaign pays (notional spending is given, never paid)."""
        return self.filter(notional=False)


class SpendingItem(models.Model):
    # The Electoral Commission's categories of candidate spending.
    class Category(models.TextChoices):
        ADVERTISING = "advertising", "Advertising (websites and online ads included)"
        UNSOLICITED = "unsolicited", "Unsolicited material to electors (leaflets, emails)"
        TRANSPORT = "transport", "Transport"
        MEETINGS = "meetings", "Public meetings"
        STAFF = "staff", "Agent and staff costs"
        ADMINISTRATION = "administration", "Accommodation and administration"

    class Status(models.TextChoices):
        PROPOSED = "proposed", "Proposed"
        APPROVED = "approved", "Approved by the agent"

    class PaidBy(models.TextChoices):
        AGENT = "agent", "The agent"
        PETTY = "petty", "Petty expense, paid by someone else"

    supplier = models.CharField(max_length=200)
    description = models.CharField(max_length=300)
    category = models.CharField(max_length=20, choices=Category.choices)
    amount_pence = models.PositiveIntegerField(
        "amount (pence)",
        validators=[MinValueValidator(1)],
        help_text="What it cost, or for notional spending what it is worth.",
    )
    incurred_on = models.DateField("date incurred")
    invoice_received_on = models.DateField("invoice received", null=True, blank=True)
    paid_on = models.DateField("paid on", null=True, blank=True)
    paid_by = models.CharField(max_length=10, choices=PaidBy.choices, blank=True)
    paid_by_name = models.CharField(
        "paid by (name)",
        max_length=150,
        blank=True,
        help_text="For a petty expense: who paid it.",
    )
    invoice = models.FileField(
        "invoice or receipt",
        storage=invoice_storage,
        upload_to="%Y/%m/",
        max_length=200,
        blank=True,
    )
    notional = models.BooleanField(
        "notional spending",
        default=False,
        help_text="Goods or services given free or at a discount: the value counts against "
        "the limit, and over £50 it is a donation in kind.",
    )
    donor = models.ForeignKey(
        "donations.Donor",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="notional_items",
        help_text="For notional spending: who gave it (their gifts and checks are together).",
    )
    notes = models.TextField(blank=True)

    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PROPOSED)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    approved_by_name = models.CharField(max_length=150, blank=True, editable=False)
    approved_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    objects = SpendingItemQuerySet.as_manager()

    class Meta:
        ordering = ["incurred_on", "pk"]
        verbose_name = "spending item"
        permissions = [
            ("approve_spendingitem", "Can approve spending items"),
            ("export_spendingitem", "Can export the spending return"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount_pence__gte=1), name="spending_amount_positive"
            ),
            models.CheckConstraint(
                condition=Q(notional=False) | Q(paid_on__isnull=True),
                name="spending_notional_not_paid",
            ),
        ]

    def __str__(self) -> str:
        return f"S{self.pk}" if self.pk else "New spending item"

    @property
    def reference(self) -> str:
        return f"S{self.pk}"

    def clean(self):
        super().clean()
        errors: dict[str, list[str]] = {}

        def add(field: str, message: str) -> None:
            errors.setdefault(field, []).append(message)

        period = SpendingSettings.objects.filter(pk=1).first() or SpendingSettings()
        if self.incurred_on is not None:
            if not period.period_known:
                add(
                    "incurred_on",
                    "The regulated period is not set yet: the agent enters it under "
                    "'Spending limit and dates' first.",
                )
            elif not (period.period_start <= self.incurred_on <= period.period_end):
                add(
                    "incurred_on",
                    f"This date is outside the regulated period "
                    f"({period.period_start:%-d %B %Y} to {period.period_end:%-d %B %Y}): "
                    "spending outside it is not part of this return.",
                )
        if self.paid_on is not None and not self.paid_by:
            add("paid_by", "Say who paid: the agent, or someone else for a petty expense.")
        if self.paid_by and self.paid_on is None:
            add("paid_on", "Enter the day it was paid.")
        if self.paid_by == self.PaidBy.PETTY and not self.paid_by_name.strip():
            add("paid_by_name", "Enter the name of the person who paid this petty expense.")
        if self.notional:
            if self.paid_on is not None or self.paid_by:
                add(
                    "notional",
                    "Notional spending is given, not paid: record any part you paid as an "
                    "item of its own.",
                )
            over_50 = (self.amount_pence or 0) > PERMISSIBILITY_THRESHOLD_PENCE
            if over_50 and self.donor_id is None:
                add(
                    "donor",
                    "Notional spending over £50 is a donation in kind: choose its donor, "
                    "so their permissibility is checked like any gift over £50.",
                )
        elif self.donor_id is not None:
            add("donor", "Only notional spending has a donor.")
        if errors:
            raise ValidationError(errors)

    @property
    def has_invoice(self) -> bool:
        return bool(self.invoice) or self.invoice_received_on is not None

    @property
    def is_paid(self) -> bool:
        return self.paid_on is not None
