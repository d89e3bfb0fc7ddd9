"""Reads for donations: progress to target (cached), the agent's queue and exports."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.core.cache import cache
from django.db.models import Count, F, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from campaign_site.core.money import pence_to_text
from campaign_site.core.selectors import campaign_settings_get
from donations.models import Donation, DonationSettings, Donor, Payment
from volunteers.data_copy import DataSection
from volunteers.models import Supporter

PROGRESS_CACHE_KEY = "donations:progress:v1"


@dataclass(frozen=True)
class Totals:
    raised_pence: int
    donors: int


@dataclass(frozen=True)
class Progress:
    raised_pence: int
    donors: int
    target_pence: int

    @property
    def percent(self) -> int:
        """Whole percent towards the target, shown as reached only when it is."""
        if self.target_pence <= 0:
            return 0
        return min(100, self.raised_pence * 100 // self.target_pence)


def money_received_totals() -> Totals:
    """Money actually received, net of refunds, leaving out gifts the agent returned.

    Pending, failed and abandoned donations have no payments, so they never count.
    A donor counts once however many gifts they made, if any of their money is kept.
    """
    kept = (
        Payment.objects.exclude(donation__check_status=Donation.Check.RETURNED)
        .annotate(net=F("amount_pence") - F("refunded_pence"))
        .filter(net__gt=0)
    )
    totals = kept.aggregate(
        raised=Coalesce(Sum("net"), 0), donors=Count("donation__donor_id", distinct=True)
    )
    return Totals(raised_pence=totals["raised"], donors=totals["donors"])


def progress_get() -> Progress:
    """Progress to the campaign's target; the totals are cached until a payment changes
    them (see `donations.services.ledger.progress_invalidate`)."""
    totals = cache.get(PROGRESS_CACHE_KEY)
    if totals is None:
        totals = money_received_totals()
        cache.set(PROGRESS_CACHE_KEY, totals, timeout=None)
    return Progress(
        raised_pence=totals.raised_pence,
        donors=totals.donors,
        target_pence=campaign_settings_get().target_pence,
    )


def donation_settings_get() -> DonationSettings:
    settings_row, _ = DonationSettings.objects.get_or_create(pk=1)
    return settings_row


def monthly_gifts_end_at(end_date: date | None) -> datetime | None:
    """When monthly gifts ending on `end_date` stop: the end of that day, UK time."""
    if end_date is None:
        return None
    return timezone.make_aware(datetime.combine(end_date + timedelta(days=1), time.min))


def monthly_gifts_open(end_date: date | None, today: date | None = None) -> bool:
    """A new monthly gift can start only before the campaign's last monthly day."""
    return end_date is None or (today or timezone.localdate()) < end_date


def monthly_gifts_to_end(ends_at: datetime | None) -> QuerySet[Donation]:
    """Running monthly gifts whose Stripe subscription does not yet end at `ends_at`."""
    running = Donation.objects.filter(kind=Donation.Kind.MONTHLY, stopped_at__isnull=True).exclude(
        stripe_subscription_id=""
    )
    if ends_at is None:
        return running.filter(stripe_cancel_at__isnull=False)
    return running.exclude(stripe_cancel_at=ends_at)


def donations_with_donor_totals(queryset: QuerySet[Donation]) -> QuerySet[Donation]:
    """Annotate each donation with its donor's gift count and money kept to date, in the
    same query (no query per row in admin lists)."""
    per_donor = (
        Donation.objects.filter(donor_id=OuterRef("donor_id"))
        .exclude(check_status=Donation.Check.RETURNED)
        .order_by()
        .values("donor_id")
    )
    return queryset.annotate(
        donor_total_pence=Coalesce(
            Subquery(
                per_donor.annotate(total=Sum(F("received_pence") - F("refunded_pence"))).values(
                    "total"
                )[:1]
            ),
            0,
        ),
        donor_gift_count=Coalesce(
            Subquery(
                Donation.objects.filter(donor_id=OuterRef("donor_id"))
                .received()
                .order_by()
                .values("donor_id")
                .annotate(n=Count("pk"))
                .values("n")[:1]
            ),
            0,
        ),
    )


def donors_with_totals(queryset: QuerySet[Donor]) -> QuerySet[Donor]:
    """Each donor's received, not returned gifts and money kept, as subqueries (a search
    joining donations again cannot multiply them)."""
    kept = (
        Donation.objects.filter(donor_id=OuterRef("pk"))
        .received()
        .exclude(check_status=Donation.Check.RETURNED)
        .order_by()
        .values("donor_id")
    )
    return queryset.annotate(
        gift_count=Coalesce(Subquery(kept.annotate(n=Count("pk")).values("n")[:1]), 0),
        kept_pence=Coalesce(
            Subquery(
                kept.annotate(total=Sum(F("received_pence") - F("refunded_pence"))).values("total")[
                    :1
                ]
            ),
            0,
        ),
    )


@dataclass(frozen=True)
class DonorGift:
    donation: Donation
    running_total_pence: int


def donor_gifts_with_running_total(*, donor_id: int) -> list[DonorGift]:
    """A donor's received gifts in date order with the running total of money kept."""
    gifts = []
    running = 0
    for donation in (
        Donation.objects.filter(donor_id=donor_id).received().order_by("first_received_at", "pk")
    ):
        if donation.check_status != Donation.Check.RETURNED:
            running += donation.net_pence
        gifts.append(DonorGift(donation=donation, running_total_pence=running))
    return gifts


@dataclass(frozen=True)
class ExportRow:
    donation: Donation
    payment: Payment


def spending_return_rows(queryset: QuerySet[Donation]) -> list[ExportRow]:
    """One row per payment received for the selected donations (each monthly payment is a
    gift in its own right), oldest first."""
    payments = (
        Payment.objects.filter(donation__in=queryset)
        .select_related("donation")
        .order_by("received_at", "pk")
    )
    return [ExportRow(donation=payment.donation, payment=payment) for payment in payments]


def check_queue_counts(now: datetime | None = None) -> dict[str, int]:
    """How many received gifts wait for the agent's check, and how many are overdue."""
    return Donation.objects.to_check().aggregate(
        to_check=Count("pk"),
        overdue=Count("pk", filter=Q(check_deadline__lt=now or timezone.now())),
    )


def donations_data_copy_section(supporter: Supporter) -> DataSection:
    """The gifts made from the supporter's email address, for their copy of their data."""
    donations = (
        Donation.objects.filter(email__iexact=supporter.email)
        .prefetch_related("payments")
        .order_by("created_at", "pk")
    )
    return DataSection(
        key="donations",
        title="Your gifts",
        about="Every donation made from your email address. The law asks us to keep the "
        "records of gifts, so erasing your data leaves these in place.",
        records=[
            {
                "Reference": str(donation),
                "Started": donation.created_at,
                "Kind": donation.get_kind_display(),
                "Amount": pence_to_text(donation.amount_pence),
                "Status": donation.get_status_display(),
                "Received": pence_to_text(donation.received_pence),
                "Refunded": pence_to_text(donation.refunded_pence),
                "Payments": ", ".join(
                    f"{pence_to_text(payment.amount_pence)} on "
                    f"{timezone.localtime(payment.received_at):%d %b %Y}"
                    for payment in donation.payments.all()
                ),
                "Name": donation.name,
                "Email address": donation.email,
                "Address": donation.address,
                "Permissible source": donation.get_permissible_source_display(),
                "Declaration made": donation.declared_at,
                "Check": donation.get_check_status_display(),
                "Monthly gift stopped": donation.stopped_at,
            }
            for donation in donations
        ],
    )
