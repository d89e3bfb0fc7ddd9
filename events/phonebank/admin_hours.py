"""Admin for the calling hours and the privacy line (one row; see PhonebankSettings)."""

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect

from events.phonebank.hours import phonebank_settings_get
from events.phonebank.models import PhonebankSettings
from events.phonebank.services import phonebank_settings_update


@admin.register(PhonebankSettings)
class PhonebankSettingsAdmin(admin.ModelAdmin):
    fieldsets = [
        (
            "Calling hours (UK time)",
            {
                "description": "Callers are given contacts only within these hours, and only "
                "from 30 minutes before their session until it ends.",
                "fields": [
                    ("weekday_opens", "weekday_closes"),
                    ("sunday_opens", "sunday_closes"),
                ],
            },
        ),
        (
            "What every caller reads at the start of a call",
            {"fields": ["privacy_line", "constituents_privacy_line"]},
        ),
    ]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def changelist_view(self, request, extra_context=None):
        # One row: go straight to it.
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        phonebank_settings_get()
        return redirect("admin:phonebank_phonebanksettings_change", 1)

    def save_model(self, request, obj, form, change):
        phonebank_settings_update(phonebank_settings=obj)
