"""Writes to the spending ledger. Each one is recorded in the audit trail, and only the
Agent role (and superusers) may approve, change or delete an item; organisers propose."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from campaign_site.core.audit import audit_record
from campaign_site.core.models import AuditEvent
from campaign_site.core.money import pence_to_text
from donations.spending_models import SpendingItem, SpendingSettings

APPROVE = "donations.approve_spendingitem"
CHANGE = "donations.change_spendingitem"
DELETE = "donations.delete_spendingitem"
ADD = "donations.add_spendingitem"


def _require(actor, permission: str, doing: str) -> None:
    if not actor.has_perm(permission):
        raise PermissionDenied(f"Only the agent may {doing} spending items.")


def _describe(item: SpendingItem) -> str:
    return (
        f"{item.reference}: {item.supplier}, {item.description}, {pence_to_text(item.amount_pence)}"
    )


def spending_settings_update(*, settings_row: SpendingSettings) -> SpendingSettings:
    settings_row.pk = 1
    settings_row.full_clean()
    settings_row.save()
    return settings_row


@transaction.atomic
def spending_item_propose(*, item: SpendingItem, actor) -> SpendingItem:
    """A new item, waiting for the agent's approval."""
    _require(actor, ADD, "propose")
    item.status = SpendingItem.Status.PROPOSED
    item.proposed_by = actor
    item.approved_by, item.approved_by_name, item.approved_at = None, "", None
    item.full_clean()
    item.save()
    audit_record(
        actor=actor, action=AuditEvent.Action.SPENDING_PROPOSE, what=_describe(item), rows=1
    )
    return item


def spending_item_lock(*, item_id: int) -> SpendingItem:
    """The item's row, locked until the transaction ends: every write to an item takes it."""
    try:
        return SpendingItem.objects.select_for_update().get(pk=item_id)
    except SpendingItem.DoesNotExist:
        raise ValidationError(f"S{item_id} no longer exists (it was deleted).") from None


@transaction.atomic
def spending_item_approve(*, item_id: int, actor) -> SpendingItem:
    """Approve a proposed item. Two agents approving at once: the second is told who did."""
    _require(actor, APPROVE, "approve")
    item = spending_item_lock(item_id=item_id)
    if item.status == SpendingItem.Status.APPROVED:
        when = timezone.localtime(item.approved_at).strftime("%-d %b %Y %H:%M")
        raise ValidationError(
            f"{item.reference} was already approved by {item.approved_by_name} ({when})."
        )
    try:
        item.full_clean()  # still inside the regulated period, paid by someone named, ...
    except ValidationError as exc:
        raise ValidationError(
            f"{item.reference} cannot be approved yet: " + " ".join(exc.messages)
        ) from None
    item.status = SpendingItem.Status.APPROVED
    item.approved_by = actor
    item.approved_by_name = actor.get_username()
    item.approved_at = timezone.now()
    item.save(update_fields=["status", "approved_by", "approved_by_name", "approved_at"])
    audit_record(
        actor=actor, action=AuditEvent.Action.SPENDING_APPROVE, what=_describe(item), rows=1
    )
    return item


@transaction.atomic
def spending_item_update(*, item: SpendingItem, actor, changed: list[str]) -> SpendingItem:
    """Save the agent's changes to an item (`changed` names the fields, for the trail); an
    invoice replaced by a new upload is deleted once that is committed."""
    _require(actor, CHANGE, "change")
    before = spending_item_lock(item_id=item.pk)
    item.full_clean()
    item.save()
    replaced = before.invoice.name
    if replaced and replaced != item.invoice.name:  # a new invoice: the old file goes
        storage = before.invoice.storage
        transaction.on_commit(lambda: storage.delete(replaced))
    fields = ", ".join(changed) if changed else "nothing"
    audit_record(
        actor=actor,
        action=AuditEvent.Action.SPENDING_CHANGE,
        what=f"{_describe(item)} (changed: {fields})",
        rows=1,
    )
    return item


@transaction.atomic
def spending_item_delete(*, item_id: int, actor) -> None:
    """Delete an item and, once that is committed, its invoice file."""
    _require(actor, DELETE, "delete")
    item = spending_item_lock(item_id=item_id)
    audit_record(
        actor=actor, action=AuditEvent.Action.SPENDING_DELETE, what=_describe(item), rows=1
    )
    invoice = item.invoice
    item.delete()
    if invoice and invoice.name:
        storage, name = invoice.storage, invoice.name
        transaction.on_commit(lambda: storage.delete(name))
