"""The one row of donation settings in admin: the smallest and largest gift (typed in
pounds, stored in pence like all money) and the day monthly gifts end."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.urls import reverse

from campaign_site.core.forms import PoundsField
from campaign_site.core.money import pence_to_text
from donations import stripe_gateway
from donations.models import DonationSettings
from donations.selectors import (
    donation_settings_get,
    monthly_gifts_end_at,
    monthly_gifts_to_end,
)
from donations.services import donation_settings_update

SETUP_HINT = (
    "Donations are switched off: Stripe is not set up. To take donations, set "
    "STRIPE_SECRET_KEY, STRIPE_PUBLISHABLE_KEY and STRIPE_WEBHOOK_SECRET in the server's "
    "environment. In the Stripe dashboard add a webhook endpoint at {url} for the events "
    "checkout.session.completed, checkout.session.async_payment_succeeded, "
    "checkout.session.async_payment_failed, checkout.session.expired, charge.refunded, "
    "invoice.paid, invoice_payment.paid and customer.subscription.deleted; its signing "
    "secret is "
    "STRIPE_WEBHOOK_SECRET. Then restart the site and the worker."
)


def setup_hint(request) -> None:
    if not stripe_gateway.stripe_configured():
        url = request.build_absolute_uri(reverse("donations:stripe_webhook"))
        messages.warning(request, SETUP_HINT.format(url=url))


class DonationSettingsForm(forms.ModelForm):
    smallest = PoundsField(
        label="Smallest gift (£)",
        min_pence=100,
        help_text="The smallest gift the form accepts, in pounds (at least £1).",
    )
    largest = PoundsField(
        label="Largest gift (£)",
        min_pence=100,
        help_text="The largest single gift (or monthly amount) the form accepts, in pounds, "
        "for example 2,500. Larger gifts can be arranged with the agent.",
    )

    class Meta:
        model = DonationSettings
        fields = ["monthly_end_date"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.initial.setdefault("smallest", self.instance.min_pence)
        self.initial.setdefault("largest", self.instance.max_pence)

    def clean(self):
        super().clean()  # returns self.cleaned_data, typed as maybe None
        cleaned = self.cleaned_data
        smallest, largest = cleaned.get("smallest"), cleaned.get("largest")
        if smallest is not None and largest is not None and largest < smallest:
            self.add_error("largest", "The largest gift cannot be smaller than the smallest.")
        if smallest is not None:
            self.instance.min_pence = smallest
        if largest is not None:
            self.instance.max_pence = largest
        return cleaned


@admin.register(DonationSettings)
class DonationSettingsAdmin(admin.ModelAdmin):
    form = DonationSettingsForm
    list_display = ["__str__", "smallest", "largest", "monthly_end_date"]
    fields = ["smallest", "largest", "monthly_end_date"]

    @admin.display(description="smallest gift")
    def smallest(self, obj):
        return pence_to_text(obj.min_pence)

    @admin.display(description="largest gift")
    def largest(self, obj):
        return pence_to_text(obj.max_pence)

    def has_add_permission(self, request):
        return not DonationSettings.objects.exists() and super().has_add_permission(request)

    def has_delete_permission(self, request, obj=None):
        return False

    def changelist_view(self, request, extra_context=None):
        # One row: go straight to it (made with its defaults on first use).
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        return redirect("admin:donations_donationsettings_change", donation_settings_get().pk)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        setup_hint(request)
        if request.method == "GET" and donation_settings_get().monthly_end_date is None:
            messages.warning(
                request,
                "No end date is set for monthly gifts, so they run until each donor stops "
                "them. Set 'Monthly gifts end on' to a few days after polling day.",
            )
        return super().change_view(request, object_id, form_url, extra_context)

    def save_model(self, request, obj, form, change):
        donation_settings_update(settings_row=obj)
        if "monthly_end_date" in form.changed_data:
            running = monthly_gifts_to_end(monthly_gifts_end_at(obj.monthly_end_date)).count()
            when = (
                f"end on {obj.monthly_end_date:%-d %B %Y}"
                if obj.monthly_end_date
                else "no longer have an end date"
            )
            messages.info(
                request,
                f"Monthly gifts now {when}. {running} running monthly "
                f"gift{'s are' if running != 1 else ' is'} being updated at Stripe.",
            )
