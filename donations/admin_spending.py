"""The agent's spending ledger in admin: the limit, the items, the summary and the return.

Thin: every write calls `donations.services.spending`, which also checks who may do it."""

import csv
from pathlib import Path

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from campaign_site.core.forms import PoundsField
from campaign_site.core.money import pence_to_text
from donations.invoices import invoice_check, invoice_content_type
from donations.selectors import donor_gifts_with_running_total
from donations.services import (
    spending_item_approve,
    spending_item_delete,
    spending_item_propose,
    spending_item_update,
    spending_settings_update,
)
from donations.spending_exports import invoice_state, spending_return_csv, spending_return_export
from donations.spending_models import SpendingItem, SpendingSettings
from donations.spending_selectors import (
    ledger_summary,
    spending_item_history,
    spending_settings_get,
)


@admin.register(SpendingSettings)
class SpendingSettingsAdmin(admin.ModelAdmin):
    fields = ["electorate", "seat_type", "limit_shown", "period_start", "period_end", "declared_on"]
    readonly_fields = ["limit_shown"]

    @admin.display(description="spending limit")
    def limit_shown(self, obj):
        limit = obj.limit
        if limit is None:
            return "Enter the electorate and the seat's type to see the limit."
        return format_html(
            "<strong>{}</strong><br>{}", pence_to_text(limit.limit_pence), limit.formula
        )

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def changelist_view(self, request, extra_context=None):
        # One row: go straight to it (made empty on first use).
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        return redirect("admin:donations_spendingsettings_change", spending_settings_get().pk)

    def save_model(self, request, obj, form, change):
        spending_settings_update(settings_row=obj)


INVOICE_ACCEPT = ".pdf,image/jpeg,image/png,image/webp"


class SpendingItemForm(forms.ModelForm):
    amount = PoundsField(
        label="Amount (£)",
        min_pence=1,
        help_text="In pounds, for example 120 or 1,250.50: what it cost, or for notional "
        "spending what it is worth.",
    )

    class Meta:
        model = SpendingItem
        fields = [
            "supplier",
            "description",
            "category",
            "incurred_on",
            "invoice_received_on",
            "invoice",
            "paid_on",
            "paid_by",
            "paid_by_name",
            "notional",
            "donor",
            "notes",
        ]
        # The stored file has no URL: the current one is linked through admin instead.
        widgets = {"invoice": forms.FileInput(attrs={"accept": INVOICE_ACCEPT})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial.setdefault("amount", self.instance.amount_pence)

    def clean_invoice(self):
        upload = self.cleaned_data.get("invoice")
        if upload and upload is not self.instance.invoice and hasattr(upload, "content_type"):
            return invoice_check(upload)
        return upload

    def clean(self):
        cleaned = super().clean()
        # On the instance before the model's own checks (notional over £50 needs a donor).
        if self.cleaned_data.get("amount") is not None:
            self.instance.amount_pence = self.cleaned_data["amount"]
        return cleaned


@admin.register(SpendingItem)
class SpendingItemAdmin(admin.ModelAdmin):
    form = SpendingItemForm
    change_form_template = "donations/admin/spending_item_change_form.html"
    change_list_template = "donations/admin/spending_item_change_list.html"
    list_display = [
        "reference",
        "incurred_on",
        "supplier",
        "description",
        "category",
        "amount_shown",
        "status",
        "invoice_shown",
        "payment_shown",
    ]
    list_filter = ["status", "category", "notional"]
    search_fields = ["supplier", "description", "=id"]
    actions = ["approve_selected"]
    raw_id_fields = ["donor"]
    readonly_fields = ["status_shown", "invoice_link", "amount_shown", "history", "donor_gifts"]

    def get_fieldsets(self, request, obj=None):
        editing = obj is None or self.has_change_permission(request, obj)
        # Read-only (an organiser looking): the amount in pounds, the invoice as a link (the
        # stored file has no URL of its own).
        return [
            (
                None,
                {
                    "fields": [
                        *(["status_shown"] if obj else []),
                        "supplier",
                        "description",
                        "category",
                        "amount" if editing else "amount_shown",
                        "incurred_on",
                    ]
                },
            ),
            (
                "Invoice and payment",
                {
                    "fields": [
                        "invoice_received_on",
                        *(["invoice_link"] if obj else []),
                        *(["invoice"] if editing else []),
                        "paid_on",
                        "paid_by",
                        "paid_by_name",
                    ]
                },
            ),
            (
                "Notional spending",
                {"fields": ["notional", "donor", *(["donor_gifts"] if obj else [])]},
            ),
            (None, {"fields": ["notes", *(["history"] if obj else [])]}),
        ]

    def has_approve_permission(self, request):
        return request.user.has_perm("donations.approve_spendingitem")

    def has_export_permission(self, request):
        return request.user.has_perm("donations.export_spendingitem")

    @admin.display(description="ref", ordering="pk")
    def reference(self, obj):
        return obj.reference

    @admin.display(description="amount", ordering="amount_pence")
    def amount_shown(self, obj):
        text = pence_to_text(obj.amount_pence)
        return f"{text} (notional)" if obj.notional else text

    @admin.display(description="status")
    def status_shown(self, obj):
        if obj.status == SpendingItem.Status.APPROVED:
            when = timezone.localtime(obj.approved_at).strftime("%-d %b %Y %H:%M")
            return f"Approved by {obj.approved_by_name} ({when})"
        return "Proposed: waiting for the agent's approval"

    @admin.display(description="invoice")
    def invoice_shown(self, obj):
        if obj.notional:
            return "notional"
        state = invoice_state(obj)
        if state == "NO INVOICE":
            return format_html('<strong class="campaign-overdue">{}</strong>', "No invoice")
        return state

    @admin.display(description="paid")
    def payment_shown(self, obj):
        if obj.notional:
            return "–"
        if obj.paid_on is None:
            return format_html('<strong class="campaign-overdue">{}</strong>', "Unpaid")
        return f"{obj.paid_on:%-d %b %Y}"

    @admin.display(description="current invoice")
    def invoice_link(self, obj):
        if not obj or not obj.invoice:
            return "None uploaded"
        url = reverse("admin:donations_spendingitem_invoice", args=[obj.pk])
        return format_html('<a href="{}">Download {}</a>', url, Path(obj.invoice.name).name)

    @admin.display(description="the donor's gifts and checks")
    def donor_gifts(self, obj):
        if not obj or obj.donor_id is None:
            return "–"
        gifts = donor_gifts_with_running_total(donor_id=obj.donor_id)
        if not gifts:
            return "No money gifts from this donor: check that the giver is a permissible source."
        return format_html_join(
            mark_safe("<br>"),  # noqa: S308 - a constant
            '<a href="{}">D{}</a>: {} received, check: {}',
            (
                (
                    reverse("admin:donations_donation_change", args=[gift.donation.pk]),
                    gift.donation.pk,
                    pence_to_text(gift.donation.received_pence),
                    gift.donation.get_check_status_display(),
                )
                for gift in gifts
            ),
        )

    @admin.display(description="audit trail")
    def history(self, obj):
        entries = spending_item_history(item=obj) if obj else []
        if not entries:
            return "–"
        return format_html_join(
            mark_safe("<br>"),  # noqa: S308 - a constant
            "{} {}: {}",
            (
                (
                    timezone.localtime(entry.created_at).strftime("%-d %b %Y %H:%M"),
                    entry.actor_name,
                    entry.get_action_display(),
                )
                for entry in entries
            ),
        )

    def save_model(self, request, obj, form, change):
        if change:
            spending_item_update(item=obj, actor=request.user, changed=form.changed_data)
        else:
            spending_item_propose(item=obj, actor=request.user)

    def delete_model(self, request, obj):
        spending_item_delete(item_id=obj.pk, actor=request.user)

    def delete_queryset(self, request, queryset):
        for item_id in queryset.values_list("pk", flat=True):
            spending_item_delete(item_id=item_id, actor=request.user)

    @admin.action(description="Approve the selected spending items", permissions=["approve"])
    def approve_selected(self, request, queryset):
        self._approve(request, list(queryset.values_list("pk", flat=True)))

    def _approve(self, request, item_ids):
        approved = []
        for item_id in item_ids:
            try:
                approved.append(spending_item_approve(item_id=item_id, actor=request.user))
            except ValidationError as exc:
                messages.error(request, " ".join(exc.messages))
        if approved:
            names = ", ".join(item.reference for item in approved)
            messages.success(request, f"Approved {names}.")

    def get_urls(self):
        wrap = self.admin_site.admin_view
        own = [
            path("summary/", wrap(self.summary_view), name="donations_spendingitem_summary"),
            path("return/", wrap(self.return_view), name="donations_spendingitem_return"),
            path(
                "return.csv", wrap(self.return_csv_view), name="donations_spendingitem_return_csv"
            ),
            path(
                "<int:item_id>/invoice/",
                wrap(self.invoice_view),
                name="donations_spendingitem_invoice",
            ),
            path(
                "<int:item_id>/approve/",
                wrap(self.approve_view),
                name="donations_spendingitem_approve",
            ),
        ]
        return own + super().get_urls()

    def change_view(self, request, object_id, form_url="", extra_context=None):
        can_approve = self.has_approve_permission(request)
        extra_context = {**(extra_context or {}), "can_approve": can_approve}
        return super().change_view(request, object_id, form_url, extra_context)

    def summary_view(self, request):
        if not self.has_view_permission(request):
            raise PermissionDenied
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "Spending against the limit",
            "summary": ledger_summary(),
            "can_export": self.has_export_permission(request),
            "can_set_limit": request.user.has_perm("donations.change_spendingsettings"),
        }
        return TemplateResponse(request, "donations/admin/spending_summary.html", context)

    def return_view(self, request):
        if not self.has_export_permission(request):
            raise PermissionDenied
        the_return = spending_return_export(
            actor=request.user, what="Spending return (printable page)"
        )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "Spending return",
            "the_return": the_return,
            "settings_row": the_return.settings_row,
            "printed_at": timezone.localtime(),
        }
        return TemplateResponse(request, "donations/admin/spending_return.html", context)

    def return_csv_view(self, request):
        if not self.has_export_permission(request):
            raise PermissionDenied
        the_return = spending_return_export(actor=request.user)
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        response["Content-Disposition"] = f'attachment; filename="spending-return-{stamp}.csv"'
        csv.writer(response).writerows(spending_return_csv(the_return))
        return response

    def invoice_view(self, request, item_id):
        item = get_object_or_404(SpendingItem, pk=item_id)
        if not self.has_view_permission(request, item):
            raise PermissionDenied
        name = item.invoice.name
        if not name:
            raise Http404("No invoice for this item.")
        try:
            kept = item.invoice.open("rb")
        except FileNotFoundError:
            raise Http404("The invoice file is missing from PRIVATE_FILES_DIR.") from None
        return FileResponse(
            kept,
            as_attachment=True,
            filename=f"{item.reference}-invoice{Path(name).suffix}",
            content_type=invoice_content_type(name),
        )

    def approve_view(self, request, item_id):
        if not self.has_approve_permission(request):
            raise PermissionDenied
        if request.method == "POST":
            self._approve(request, [item_id])
        return HttpResponseRedirect(reverse("admin:donations_spendingitem_change", args=[item_id]))
