"""The agent's and organisers' view of donations. Thin: every write calls a service."""

import csv
from typing import ClassVar

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from campaign_site.core.money import pence_to_text
from donations import (
    admin_spending,  # noqa: F401  (registers the spending ledger's admin)
    stripe_gateway,
)
from donations.admin_settings import setup_hint
from donations.exports import SPENDING_RETURN_HEADER, spending_return_export
from donations.models import Donation, DonationToCheck, Donor, Payment
from donations.search import donation_typed_q, is_spaced_postcode, postcode_typed_q
from donations.selectors import (
    donations_with_donor_totals,
    donor_gifts_with_running_total,
    donors_with_totals,
)
from donations.services import (
    donation_accept,
    donation_details_update,
    donation_return,
    permissibility_problems,
)
from donations.services.checks import RETURN_BY_STRIPE


def gift_text(donation: Donation) -> str:
    suffix = " a month" if donation.kind == Donation.Kind.MONTHLY else ""
    return pence_to_text(donation.amount_pence) + suffix


def donor_gifts_table(*, donor_id: int, current_pk: int | None = None):
    gifts = donor_gifts_with_running_total(donor_id=donor_id)
    if not gifts:
        return "No money received yet."
    rows = format_html_join(
        "",
        "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
        (
            (
                f"D{gift.donation.pk}" + (" (this gift)" if gift.donation.pk == current_pk else ""),
                timezone.localtime(gift.donation.first_received_at).strftime("%-d %b %Y"),
                gift_text(gift.donation),
                gift.donation.get_check_status_display(),
                pence_to_text(gift.running_total_pence),
            )
            for gift in gifts
        ),
    )
    return format_html(
        "<table><thead><tr><th>gift</th><th>received</th><th>amount</th><th>check</th>"
        "<th>running total kept</th></tr></thead><tbody>{}</tbody></table>",
        rows,
    )


class DonationStatusFilter(admin.SimpleListFilter):
    """Status as the agent means it: a gift returned another way (a cheque, say) is not
    'Received', though Stripe still has it as paid."""

    title = "status"
    parameter_name = "status"
    RETURNED_ANOTHER_WAY = "returned_another_way"

    def lookups(self, request, model_admin):
        return [*Donation.Status.choices, (self.RETURNED_ANOTHER_WAY, "Returned another way")]

    def queryset(self, request, queryset):
        value = self.value()
        returned_another_way = Q(check_status=Donation.Check.RETURNED) & ~Q(
            status=Donation.Status.REFUNDED
        )
        if value == self.RETURNED_ANOTHER_WAY:
            return queryset.filter(returned_another_way)
        if value in Donation.Status.values:
            return queryset.filter(status=value).exclude(returned_another_way)
        return queryset


class PaymentInline(admin.TabularInline):
    model = Payment
    extra = 0
    can_delete = False
    fields = (
        "received_at",
        "amount",
        "refunded",
        "stripe_key",
        "stripe_payment_intent_id",
    )
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    @admin.display(description="amount")
    def amount(self, obj):
        return pence_to_text(obj.amount_pence)

    @admin.display(description="refunded")
    def refunded(self, obj):
        return pence_to_text(obj.refunded_pence)


@admin.register(Donation)
class DonationAdmin(admin.ModelAdmin):
    change_form_template = "donations/admin/donation_change_form.html"
    list_display = [
        "reference",
        "created_at",
        "name",
        "gift",
        "status_shown",
        "kept",
        "check_status",
        "deadline",
        "donor_total",
    ]
    list_filter = [DonationStatusFilter, "kind", "check_status", "created_at"]
    search_fields = ["name", "email", "postcode", "stripe_checkout_session_id", "=id"]
    date_hierarchy: ClassVar[str | None] = "created_at"
    list_per_page = 100
    show_full_result_count = False
    actions = ["export_spending_return"]
    inlines = [PaymentInline]
    fieldsets = [
        ("Gift", {"fields": ["kind", "gift_amount", "status_shown", "money", "created_at"]}),
        (
            "Donor",
            {
                "fields": [
                    "name",
                    "email",
                    "address_line1",
                    "address_line2",
                    "town",
                    "postcode",
                    "permissible_source",
                    "declared_at",
                    "other_gifts",
                ]
            },
        ),
        (
            "Agent's check",
            {
                "fields": [
                    "check_status",
                    "check_deadline",
                    "checked_at",
                    "checked_by",
                    "return_method",
                    "check_note",
                ]
            },
        ),
        (
            "Stripe",
            {
                "classes": ["collapse"],
                "fields": [
                    "stripe_checkout_session_id",
                    "stripe_subscription_id",
                    "stripe_customer_id",
                    "checkout_completed_at",
                    "payment_failed_at",
                    "checkout_expired_at",
                    "stopped_at",
                ],
            },
        ),
    ]
    editable = {"name", "address_line1", "address_line2", "town", "postcode", "check_note"}

    def get_search_results(self, request, queryset, search_term):
        typed = donation_typed_q(search_term)
        if is_spaced_postcode(search_term):
            return queryset.filter(typed), False
        found, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        if typed is not None:
            found = found | queryset.filter(typed)
        return found, may_have_duplicates

    def get_readonly_fields(self, request, obj=None):
        names = [f for fieldset in self.fieldsets for f in fieldset[1]["fields"]]
        if obj is not None and obj.needs_permissibility_check:
            return [name for name in names if name not in self.editable | {"permissible_source"}]
        return [name for name in names if name not in self.editable]

    def get_queryset(self, request):
        return donations_with_donor_totals(super().get_queryset(request))

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_export_permission(self, request):
        return request.user.has_perm("donations.export_donation")

    def has_check_permission(self, request):
        return request.user.has_perm("donations.check_donation")

    @admin.display(description="ref", ordering="pk")
    def reference(self, obj):
        return f"D{obj.pk}"

    @admin.display(description="gift", ordering="amount_pence")
    def gift(self, obj):
        return gift_text(obj)

    @admin.display(description="gift")
    def gift_amount(self, obj):
        return self.gift(obj)

    @admin.display(description="status", ordering="status")
    def status_shown(self, obj):
        if obj.returned_another_way:
            return "Returned another way"
        if obj.is_returned and obj.status == Donation.Status.REFUNDED:
            return "Returned (refunded)"
        return obj.get_status_display()

    @admin.display(description="kept (received less refunds and returns)")
    def kept(self, obj):
        return pence_to_text(obj.kept_pence)

    @admin.display(description="money")
    def money(self, obj):
        text = (
            f"{pence_to_text(obj.received_pence)} received, "
            f"{pence_to_text(obj.refunded_pence)} refunded"
        )
        if obj.returned_another_way:
            back = pence_to_text(obj.received_pence - obj.refunded_pence)
            text += f", {back} returned another way ({obj.return_method})"
        return f"{text}; {pence_to_text(obj.kept_pence)} kept"

    @admin.display(description="check by", ordering="check_deadline")
    def deadline(self, obj):
        if obj.check_deadline is None or obj.check_status != Donation.Check.TO_CHECK:
            return "–"
        day = timezone.localtime(obj.check_deadline).strftime("%-d %b %Y")
        if obj.is_overdue:
            return format_html('<strong class="errornote-inline">OVERDUE: {}</strong>', day)
        return day

    @admin.display(description="donor's total", ordering="donor_total_pence")
    def donor_total(self, obj):
        count = obj.donor_gift_count
        return f"{pence_to_text(obj.donor_total_pence)} ({count} gift{'s' if count != 1 else ''})"

    @admin.display(description="gifts from this donor (running total)")
    def other_gifts(self, obj):
        return donor_gifts_table(donor_id=obj.donor_id, current_pk=obj.pk)

    def save_model(self, request, obj, form, change):
        donation_details_update(donation=obj)

    def changelist_view(self, request, extra_context=None):
        setup_hint(request)
        return super().changelist_view(request, extra_context)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = {**(extra_context or {}), "can_check": self.has_check_permission(request)}
        return super().change_view(request, object_id, form_url, extra_context)

    @admin.action(description="Export for the spending return (CSV)", permissions=["export"])
    def export_spending_return(self, request, queryset):
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        response["Content-Disposition"] = f'attachment; filename="donations-{stamp}.csv"'
        writer = csv.writer(response)
        writer.writerow(SPENDING_RETURN_HEADER)
        writer.writerows(spending_return_export(queryset=queryset, actor=request.user))
        return response

    def get_urls(self):
        own = [
            path(
                "<int:donation_id>/accept/",
                self.admin_site.admin_view(self.accept_view),
                name="donations_donation_accept",
            ),
            path(
                "<int:donation_id>/return/",
                self.admin_site.admin_view(self.return_view),
                name="donations_donation_return",
            ),
        ]
        return own + super().get_urls()

    def accept_view(self, request, donation_id):
        return self._check_view(request, donation_id, action="accept")

    def return_view(self, request, donation_id):
        return self._check_view(request, donation_id, action="return")

    def _check_view(self, request, donation_id, *, action):
        if not self.has_check_permission(request):
            raise PermissionDenied
        donation = get_object_or_404(Donation, pk=donation_id)
        change_url = reverse("admin:donations_donation_change", args=[donation.pk])
        error = ""
        if request.method == "POST":
            note = request.POST.get("note", "")
            try:
                if action == "accept":
                    donation_accept(donation_id=donation.pk, user=request.user, note=note)
                    messages.success(request, f"D{donation.pk} accepted.")
                else:
                    method = request.POST.get("method", RETURN_BY_STRIPE)
                    other = request.POST.get("other_method", "")
                    donation = donation_return(
                        donation_id=donation.pk,
                        user=request.user,
                        method=RETURN_BY_STRIPE if method == RETURN_BY_STRIPE else other,
                        note=note,
                    )
                    messages.success(request, f"D{donation.pk} returned: {donation.return_method}.")
                # Back to the queue, where the next gift to check is waiting.
                return HttpResponseRedirect(reverse("admin:donations_donationtocheck_changelist"))
            except ValidationError as exc:
                error = " ".join(exc.messages)
            except stripe_gateway.PaymentProviderError as exc:
                error = f"Stripe did not take the refund: {exc}. Nothing was recorded; try again."
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "donation": donation,
            "action": action,
            "error": error,
            "problems": permissibility_problems(donation),
            "stripe_ready": stripe_gateway.stripe_configured(),
            "change_url": change_url,
            "title": f"{'Accept' if action == 'accept' else 'Return'} gift D{donation.pk}",
        }
        return TemplateResponse(request, "donations/admin/check_confirm.html", context)


@admin.register(DonationToCheck)
class DonationToCheckAdmin(DonationAdmin):
    """The queue: gifts over £50 received and not yet checked, soonest deadline first."""

    list_display = ["reference", "deadline", "name", "gift", "kept", "postcode", "donor_total"]
    list_filter = ["kind"]
    date_hierarchy = None
    actions = []
    ordering = ["check_deadline", "pk"]

    def get_queryset(self, request):
        return super().get_queryset(request).to_check().order_by("check_deadline", "pk")

    def changelist_view(self, request, extra_context=None):
        overdue = self.get_queryset(request).filter(check_deadline__lt=timezone.now()).count()
        if overdue:
            gifts = "1 gift is" if overdue == 1 else f"{overdue} gifts are"
            messages.error(request, f"{gifts} past the 30-day check deadline.")
        return super().changelist_view(request, extra_context)

    def get_urls(self):
        return admin.ModelAdmin.get_urls(self)


@admin.register(Donor)
class DonorAdmin(admin.ModelAdmin):
    list_display = ["email", "gifts", "total_kept", "created_at"]
    search_fields = ["email", "donations__name", "donations__postcode"]
    readonly_fields = ["email", "created_at", "gifts_with_running_total"]
    list_per_page = 100
    show_full_result_count = False

    def get_queryset(self, request):
        return donors_with_totals(super().get_queryset(request))

    def get_search_results(self, request, queryset, search_term):
        typed = postcode_typed_q(search_term)
        if typed is None:
            return super().get_search_results(request, queryset, search_term)
        gave_from_there = queryset.filter(pk__in=Donation.objects.filter(typed).values("donor_id"))
        if is_spaced_postcode(search_term):
            return gave_from_there, False
        found, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        return found | gave_from_there, may_have_duplicates

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="gifts kept", ordering="gift_count")
    def gifts(self, obj):
        return obj.gift_count

    @admin.display(description="total kept", ordering="kept_pence")
    def total_kept(self, obj):
        return pence_to_text(obj.kept_pence)

    @admin.display(description="gifts, oldest first, with running total kept")
    def gifts_with_running_total(self, obj):
        return donor_gifts_table(donor_id=obj.pk)
