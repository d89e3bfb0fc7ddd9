"""Reads for the spending ledger: the limit, the agent's summary and the return."""

from dataclasses import dataclass, field
from datetime import date

from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from campaign_site.core.models import AuditEvent
from donations.models import Donation
from donations.permissibility import PERMISSIBILITY_THRESHOLD_PENCE
from donations.selectors import money_received_totals
from donations.spending_models import SpendingItem, SpendingSettings
from donations.spending_rules import Deadlines, SpendingLimit, spending_deadlines

WARN_AT_PERCENT = 80
DANGER_AT_PERCENT = 95


def spending_settings_get() -> SpendingSettings:
    row, _ = SpendingSettings.objects.get_or_create(pk=1)
    return row


@dataclass(frozen=True)
class LedgerSummary:
    raised_pence: int
    spent_pence: int  # paid
    committed_pence: int  # invoiced, not yet paid
    awaiting_invoice_pence: int  # incurred, no invoice yet
    notional_pence: int
    proposed_pence: int  # waiting for the agent's approval; not counted below
    limit: SpendingLimit | None
    deadlines: Deadlines | None
    unpaid: list[SpendingItem] = field(default_factory=list)
    without_invoice: list[SpendingItem] = field(default_factory=list)
    proposed_count: int = 0
    today: date | None = None

    @property
    def counted_pence(self) -> int:
        """Everything approved that counts against the limit."""
        return (
            self.spent_pence
            + self.committed_pence
            + self.awaiting_invoice_pence
            + self.notional_pence
        )

    @property
    def limit_pence(self) -> int | None:
        return self.limit.limit_pence if self.limit else None

    @property
    def missing(self) -> list[SpendingItem]:
        """Items still unpaid or without an invoice, each once, in date order."""
        by_pk = {item.pk: item for item in [*self.unpaid, *self.without_invoice]}
        return sorted(by_pk.values(), key=lambda item: (item.incurred_on, item.pk))

    @property
    def percent_of_limit(self) -> int | None:
        if not self.limit_pence:
            return None
        return self.counted_pence * 100 // self.limit_pence

    @property
    def left_pence(self) -> int | None:
        return None if self.limit_pence is None else self.limit_pence - self.counted_pence

    @property
    def warning(self) -> str:
        """ "over", "danger" (95% or more), "warn" (80% or more) or ""."""
        percent = self.percent_of_limit
        if percent is None:
            return ""
        if self.counted_pence > (self.limit_pence or 0):
            return "over"
        if percent >= DANGER_AT_PERCENT:
            return "danger"
        if percent >= WARN_AT_PERCENT:
            return "warn"
        return ""


def _sum(queryset: QuerySet[SpendingItem]) -> int:
    return queryset.aggregate(total=Coalesce(Sum("amount_pence"), 0))["total"]


def ledger_summary(today: date | None = None) -> LedgerSummary:
    """Raised, spent, committed and the limit side by side, with what is still missing."""
    row = spending_settings_get()
    approved = SpendingItem.objects.approved()
    paid_for = approved.paid_for()
    proposed = SpendingItem.objects.proposed().aggregate(
        total=Coalesce(Sum("amount_pence"), 0), n=Count("pk")
    )
    no_invoice = Q(invoice="") & Q(invoice_received_on__isnull=True)
    return LedgerSummary(
        raised_pence=money_received_totals().raised_pence,
        spent_pence=_sum(paid_for.filter(paid_on__isnull=False)),
        committed_pence=_sum(paid_for.filter(paid_on__isnull=True).exclude(no_invoice)),
        awaiting_invoice_pence=_sum(paid_for.filter(no_invoice, paid_on__isnull=True)),
        notional_pence=_sum(approved.filter(notional=True)),
        proposed_pence=proposed["total"],
        proposed_count=proposed["n"],
        limit=row.limit,
        deadlines=spending_deadlines(row.declared_on) if row.declared_on else None,
        unpaid=list(SpendingItem.objects.paid_for().filter(paid_on__isnull=True)),
        without_invoice=list(SpendingItem.objects.paid_for().filter(no_invoice)),
        today=today or timezone.localdate(),
    )


@dataclass(frozen=True)
class CategoryGroup:
    value: str
    label: str
    items: list[SpendingItem]

    @property
    def total_pence(self) -> int:
        return sum(item.amount_pence for item in self.items)


@dataclass(frozen=True)
class SpendingReturn:
    categories: list[CategoryGroup]
    notional: list[SpendingItem]
    donations: QuerySet
    limit: SpendingLimit | None
    settings_row: SpendingSettings

    @property
    def spending_pence(self) -> int:
        return sum(group.total_pence for group in self.categories)

    @property
    def notional_pence(self) -> int:
        return sum(item.amount_pence for item in self.notional)

    @property
    def total_pence(self) -> int:
        return self.spending_pence + self.notional_pence

    @property
    def in_kind(self) -> list[SpendingItem]:
        """Notional spending over £50: donations in kind, listed with the donations too."""
        return [
            item for item in self.notional if item.amount_pence > PERMISSIBILITY_THRESHOLD_PENCE
        ]

    @property
    def is_nil(self) -> bool:
        return (
            not self.notional
            and not any(g.items for g in self.categories)
            and not (self.donations.exists())
        )

    @property
    def rows(self) -> int:
        return (
            sum(len(g.items) for g in self.categories) + len(self.notional) + self.donations.count()
        )


def donations_for_the_return() -> QuerySet:
    """Received gifts over £50, whose permissibility record goes in the return."""
    return (
        Donation.objects.received()
        .exclude(check_status__in=["", Donation.Check.NOT_NEEDED])
        .order_by("first_received_at", "pk")
    )


def spending_return_get() -> SpendingReturn:
    """The approved ledger in the Commission's layout: spending by category, notional
    spending, and the donations over £50."""
    approved = SpendingItem.objects.approved().select_related("donor")
    paid_for = list(approved.filter(notional=False))
    return SpendingReturn(
        categories=[
            CategoryGroup(
                value=value,
                label=label,
                items=[item for item in paid_for if item.category == value],
            )
            for value, label in SpendingItem.Category.choices
        ],
        notional=list(approved.filter(notional=True)),
        donations=donations_for_the_return(),
        limit=spending_settings_get().limit,
        settings_row=spending_settings_get(),
    )


SPENDING_ACTIONS = [
    AuditEvent.Action.SPENDING_PROPOSE,
    AuditEvent.Action.SPENDING_APPROVE,
    AuditEvent.Action.SPENDING_CHANGE,
    AuditEvent.Action.SPENDING_DELETE,
]


def spending_item_history(*, item: SpendingItem) -> QuerySet[AuditEvent]:
    """The audit trail of one item, oldest first (each entry starts with its reference)."""
    return AuditEvent.objects.filter(
        action__in=SPENDING_ACTIONS, what__startswith=f"{item.reference}:"
    ).order_by("created_at", "pk")
