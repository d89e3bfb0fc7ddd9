"""The spending return as CSV, in the Commission's layout: spending by category with each
invoice's state, notional spending, then the donations over £50 with their permissibility
record. Every cell goes through `csv_safe_cell`; each export is audited."""

from collections.abc import Iterable

from campaign_site.core.audit import audit_record
from campaign_site.core.csv_cells import csv_safe_cell
from campaign_site.core.models import AuditEvent
from campaign_site.core.money import pence_to_decimal_text
from donations.exports import SPENDING_RETURN_HEADER, spending_return_csv_rows
from donations.spending_models import SpendingItem
from donations.spending_selectors import SpendingReturn, spending_return_get

NIL_RETURN = (
    "Nil return: no election spending was incurred, no notional spending was given and no "
    "donations over £50 were received."
)
ITEM_HEADER: list[object] = [
    "section",
    "category",
    "reference",
    "date incurred",
    "supplier",
    "description",
    "amount (GBP)",
    "invoice",
    "invoice received",
    "paid on",
    "paid by",
    "notes",
]


def invoice_state(item: SpendingItem) -> str:
    if item.invoice:
        return "invoice kept"
    if item.invoice_received_on:
        return "invoice received (not uploaded)"
    return "NO INVOICE"


def paid_by_text(item: SpendingItem) -> str:
    if item.paid_by == SpendingItem.PaidBy.PETTY:
        return f"Petty expense: {item.paid_by_name}"
    return item.get_paid_by_display()


def _day(day) -> str:
    return day.isoformat() if day else ""


def _item_row(section: str, item: SpendingItem) -> list[object]:
    return [
        section,
        item.get_category_display(),
        item.reference,
        _day(item.incurred_on),
        item.supplier,
        item.description,
        pence_to_decimal_text(item.amount_pence),
        invoice_state(item),
        _day(item.invoice_received_on),
        _day(item.paid_on),
        paid_by_text(item) if not item.notional else f"Given by {item.donor or 'unknown donor'}",
        item.notes,
    ]


def spending_return_csv(the_return: SpendingReturn) -> Iterable[list[str]]:
    rows: list[list[object]] = []
    if the_return.limit:
        rows.append(["Spending limit", the_return.limit.formula])
    if the_return.is_nil:
        rows.append([NIL_RETURN])
    rows.append([])
    rows.append(["Part 1: spending by category"])
    rows.append(list(ITEM_HEADER))
    for group in the_return.categories:
        for item in group.items:
            rows.append(_item_row("spending", item))
        rows.append(
            ["total", group.label, "", "", "", "", pence_to_decimal_text(group.total_pence)]
        )
    rows.append(
        ["total spending", "", "", "", "", "", pence_to_decimal_text(the_return.spending_pence)]
    )
    rows.append([])
    rows.append(["Part 2: notional spending"])
    rows.append(list(ITEM_HEADER))
    if not the_return.notional:
        rows.append(["none"])
    for item in the_return.notional:
        rows.append(_item_row("notional", item))
    rows.append(
        ["total notional", "", "", "", "", "", pence_to_decimal_text(the_return.notional_pence)]
    )
    rows.append(
        [
            "total against the limit",
            "",
            "",
            "",
            "",
            "",
            pence_to_decimal_text(the_return.total_pence),
        ]
    )
    rows.append([])
    rows.append(["Part 3: donations over £50"])
    yield from ([csv_safe_cell(value) for value in row] for row in rows)
    yield list(SPENDING_RETURN_HEADER)
    if not the_return.donations.exists() and not the_return.in_kind:
        yield ["none"]
    yield from spending_return_csv_rows(the_return.donations)
    for item in the_return.in_kind:  # donations in kind, in the same columns
        values = {
            "reference": item.reference,
            "donor name": item.supplier,
            "email": str(item.donor or ""),
            "gift": f"In kind: {item.description}",
            "amount received (GBP)": pence_to_decimal_text(item.amount_pence),
            "kept (GBP)": pence_to_decimal_text(item.amount_pence),
            "date received": _day(item.incurred_on),
        }
        yield [csv_safe_cell(values.get(column, "")) for column in SPENDING_RETURN_HEADER]


def spending_return_export(*, actor, what: str = "Spending return CSV") -> SpendingReturn:
    """Audit an export of the spending return (CSV or the printable page); return it."""
    the_return = spending_return_get()
    audit_record(actor=actor, action=AuditEvent.Action.EXPORT, what=what, rows=the_return.rows)
    return the_return
