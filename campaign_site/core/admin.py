from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin
from django.core.exceptions import PermissionDenied
from django.db import models
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.views.decorators.http import require_POST

from campaign_site.core.models import (
    AuditEvent,
    CampaignSettings,
    DeliveryEvent,
    EmailSuppression,
    OutboundEmail,
    User,
)
from campaign_site.core.seed import CAMPAIGN
from campaign_site.core.selectors import campaign_settings_get
from campaign_site.core.services import campaign_settings_update, mail_check_send
from campaign_site.core.two_factor import two_factor_enrolment_token, two_factor_has_device


class CampaignSettingsForm(forms.ModelForm):
    class Meta:
        model = CampaignSettings
        fields = [*CAMPAIGN, "volunteer_data_retained_until"]

    def clean_volunteer_data_retained_until(self):
        value = self.cleaned_data["volunteer_data_retained_until"]
        changed = "volunteer_data_retained_until" in self.changed_data
        if changed and value is not None and value <= timezone.localdate():
            raise forms.ValidationError(
                "Choose a date after today: volunteers' data is erased the day after it."
            )
        return value


@admin.register(CampaignSettings)
class CampaignSettingsAdmin(admin.ModelAdmin):
    formfield_overrides = {
        models.CharField: {"widget": forms.TextInput(attrs={"class": "vLargeTextField"})},
        models.PositiveIntegerField: {"widget": forms.NumberInput(attrs={"class": "vTextField"})},
    }
    fieldsets = [
        (
            "Candidate",
            {
                "fields": [
                    "candidate_name",
                    "constituency",
                    "party_description",
                    "tagline",
                    "slogan",
                ]
            },
        ),
        (
            "Copy on the home page",
            {"fields": ["why_standing", "phonebank_copy", "canvass_copy", "donate_copy"]},
        ),
        ("Fundraising", {"fields": ["target_pence"]}),
        (
            "Imprint (shown on every page and email)",
            {"fields": ["promoter_name", "promoter_address", "on_behalf_of"]},
        ),
        (
            "Contact and social links",
            {"fields": ["contact_email", "twitter_url", "facebook_url", "instagram_url"]},
        ),
        ("Data retention", {"fields": ["volunteer_data_retained_until"]}),
    ]

    change_form_template = "admin/campaign_site/campaignsettings/change_form.html"

    form = CampaignSettingsForm

    def has_add_permission(self, request):
        return not CampaignSettings.objects.exists() and super().has_add_permission(request)

    def get_readonly_fields(self, request, obj=None):
        # Retention erases every volunteer's data when the date passes: superusers only.
        if request.user.is_superuser:
            return []
        return ["volunteer_data_retained_until"]

    def changelist_view(self, request, extra_context=None):
        # One row: go straight to it.
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        campaign_settings_get()
        return redirect("admin:campaign_site_campaignsettings_change", 1)

    def get_urls(self):
        own = [
            path(
                "send-test-email/",
                self.admin_site.admin_view(self.send_test_email_view),
                name="campaign_site_campaignsettings_send_test_email",
            )
        ]
        return own + super().get_urls()

    @method_decorator(require_POST)
    def send_test_email_view(self, request):
        """Queue a test email to the organiser, to check that mail reaches an inbox."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        if request.user.email:
            mail_check_send(to=request.user.email, requested_by=request.user.get_username())
            self.message_user(
                request, f"A test email is on its way to {request.user.email}: check your inbox."
            )
        else:
            self.message_user(
                request, "Your account has no email address: add one first.", messages.ERROR
            )
        return redirect("admin:campaign_site_campaignsettings_change", 1)

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        obj.pk = 1
        campaign_settings_update(campaign=obj)


@admin.register(OutboundEmail)
class OutboundEmailAdmin(admin.ModelAdmin):
    list_display = ["key", "to", "subject", "status", "tries", "created_at", "sent_at"]
    list_filter = ["status", "created_at"]
    search_fields = ["key", "to", "subject"]
    date_hierarchy = "created_at"
    readonly_fields = [
        "key",
        "to",
        "subject",
        "status",
        "tries",
        "last_error",
        "created_at",
        "next_attempt_at",
        "sending_started_at",
        "sent_at",
        "headers",
        "body_text",
    ]
    exclude = ["body_html", "attachments"]
    list_per_page = 50
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(DeliveryEvent)
class DeliveryEventAdmin(ReadOnlyAdmin):
    """Bounces and complaints reported by the email provider (superusers, like the outbox)."""

    list_display = ["occurred_at", "kind", "esp", "email", "description"]
    list_filter = ["kind", "esp"]
    list_select_related = ["email"]
    date_hierarchy = "occurred_at"
    show_full_result_count = False


@admin.register(EmailSuppression)
class EmailSuppressionAdmin(ReadOnlyAdmin):
    """Addresses (as keyed hashes) that get no bulk email."""

    list_display = ["created_at", "reason", "address_hash"]
    list_filter = ["reason"]


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ["created_at", "actor_name", "action", "what", "rows"]
    list_filter = ["action", "created_at"]
    search_fields = ["actor_name", "what"]
    date_hierarchy = "created_at"

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(User)
class CampaignUserAdmin(UserAdmin):
    """Accounts (superusers only): with a way to let someone set up two-factor sign-in."""

    actions = ["make_two_factor_links"]

    @admin.action(description="Make two-factor set-up links for the selected accounts")
    def make_two_factor_links(self, request, queryset):
        links = [
            (
                user,
                two_factor_has_device(user),
                settings.SITE_URL
                + reverse(
                    "admin:two_factor_setup_with_link",
                    args=[two_factor_enrolment_token(user=user)],
                ),
            )
            for user in queryset.filter(is_active=True, is_staff=True)
        ]
        context = {
            **self.admin_site.each_context(request),
            "title": "Two-factor set-up links",
            "opts": self.model._meta,
            "links": links,
        }
        return TemplateResponse(request, "admin/two_factor/links.html", context)
