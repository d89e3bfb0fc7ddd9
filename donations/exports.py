"""The CSV the agent needs for the spending return: one row per payment received."""

from collections.abc import Iterable

from django.db.models import QuerySet
from django.utils import timezone

from campaign_site.core.audit import audit_record
from campaign_site.core.csv_cells import csv_safe_cell
from campaign_site.core.models import AuditEvent
from campaign_site.core.money import pence_to_decimal_text
from donations.models import Donation
from donations.selectors import spending_return_rows

SPENDING_RETURN_HEADER = [
    "reference",
    "donor name",
    "address",
    "address line 2",
    "town",
    "postcode",
    "email",
    "permissible source",
    "gift",
    "amount received (GBP)",
    "refunded (GBP)",
    "kept (GBP)",
    "date received",
    "check",
    "date accepted",
    "date returned",
    "how returned",
]


def _day(moment) -> str:
    return timezone.localtime(moment).date().isoformat() if moment else ""


def spending_return_csv_rows(queryset: QuerySet[Donation]) -> Iterable[list[str]]:
    for row in spending_return_rows(queryset):
        donation, payment = row.donation, row.payment
        accepted = donation.check_status == Donation.Check.ACCEPTED
        returned = donation.check_status == Donation.Check.RETURNED
        yield [
            csv_safe_cell(value)
            for value in [
                f"D{donation.pk}",
                donation.name,
                donation.address_line1,
                donation.address_line2,
                donation.town,
                donation.postcode,
                donation.email,
                donation.get_permissible_source_display(),
                donation.get_kind_display(),
                pence_to_decimal_text(payment.amount_pence),
                pence_to_decimal_text(payment.refunded_pence),
                # A returned gift is kept by nobody, even if it went back outside Stripe.
                pence_to_decimal_text(
                    0 if returned else payment.amount_pence - payment.refunded_pence
                ),
                _day(payment.received_at),
                donation.get_check_status_display(),
                _day(donation.checked_at) if accepted else "",
                _day(donation.checked_at) if returned else "",
                donation.return_method if returned else "",
            ]
        ]


def spending_return_export(*, queryset: QuerySet[Donation], actor) -> Iterable[list[str]]:
    """Audit an export of these donations for the spending return; return its CSV rows."""
    audit_record(
        actor=actor,
        action=AuditEvent.Action.EXPORT,
        what="Donations CSV for the spending return",
        rows=queryset.count(),
    )
    return spending_return_csv_rows(queryset)
