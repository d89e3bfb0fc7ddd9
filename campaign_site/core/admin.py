from email.utils import parseaddr

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
from django.utils.html import format_html, format_html_join
from django.views.decorators.http import require_POST

from campaign_site.core.admin_read_only import ReadOnlyAdmin
from campaign_site.core.forms import PoundsField
from campaign_site.core.images import LOGO_RULES, PHOTO_RULES, picture_check
from campaign_site.core.models import (
    AuditEvent,
    CampaignSettings,
    DeliveryEvent,
    EmailSuppression,
    OutboundEmail,
    SourceCode,
    User,
)
from campaign_site.core.money import pence_as_pounds, pence_to_text
from campaign_site.core.seed import CAMPAIGN
from campaign_site.core.selectors import campaign_settings_get
from campaign_site.core.services import campaign_settings_update, mail_check_send
from campaign_site.core.sources import (
    source_code_save,
    source_codes_with_totals,
    source_links,
)
from campaign_site.core.two_factor import two_factor_enrolment_token, two_factor_has_device


class CampaignSettingsForm(forms.ModelForm):
    photo_upload = forms.FileField(
        label="Candidate's photo",
        required=False,
        help_text="JPEG, PNG or WebP, up to 10 MB, at least 480x600 pixels. It is shown as a "
        "4:5 portrait (cropped from the middle, a little above it) on the home page and the "
        "share images. Location and camera details in the file are removed.",
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
    )
    photo_remove = forms.BooleanField(label="Remove the photo", required=False)
    logo_upload = forms.FileField(
        label="Campaign logo",
        required=False,
        help_text="PNG (transparency is kept), JPEG or WebP, up to 10 MB. Shown at the top of "
        "every email.",
        widget=forms.ClearableFileInput(attrs={"accept": "image/png,image/jpeg,image/webp"}),
    )
    logo_remove = forms.BooleanField(label="Remove the logo", required=False)

    def clean_photo_upload(self):
        upload = self.cleaned_data.get("photo_upload")
        return picture_check(upload, rules=PHOTO_RULES) if upload else None

    def clean_logo_upload(self):
        upload = self.cleaned_data.get("logo_upload")
        return picture_check(upload, rules=LOGO_RULES) if upload else None

    def _post_clean(self):
        # The model checks that a photo or logo has its description: tell it what there
        # will be (the service stores the new picture, or forgets a removed one).
        for which in ("photo", "logo"):
            if self.cleaned_data.get(f"{which}_upload"):
                setattr(self.instance, which, {"new": True})
            elif self.cleaned_data.get(f"{which}_remove"):
                setattr(self.instance, which, {})
        super()._post_clean()  # type: ignore[misc]  # Django's hook; django-stubs omits it

    # Shown and typed in pounds; stored in pence (target_pence), as all money is.
    target = PoundsField(
        label="Fundraising target (£)",
        min_pence=100,
        help_text="In pounds, for example 13,000. The progress bar counts money received "
        "towards it.",
    )

    class Meta:
        model = CampaignSettings
        fields = [
            *(name for name in CAMPAIGN if name != "target_pence"),
            "volunteer_data_retained_until",
            "photo_alt",
            "logo_alt",
            "email_from_name",
            "email_from_address",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.initial.setdefault("target", self.instance.target_pence)
        # Left empty, the sender is the server's DEFAULT_FROM_EMAIL: show what that gives.
        default_name, default_address = parseaddr(settings.DEFAULT_FROM_EMAIL)
        defaults = {
            "email_from_name": default_name or str(self.instance),
            "email_from_address": default_address,
        }
        for name, default in defaults.items():
            if name in self.fields:
                self.fields[name].widget.attrs["placeholder"] = default
                self.fields[name].help_text += f" Left empty: {default}."

    def clean(self):
        super().clean()  # returns self.cleaned_data, typed as maybe None
        cleaned = self.cleaned_data
        if cleaned.get("target") is not None:
            self.instance.target_pence = cleaned["target"]
        return cleaned

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
        (
            "Photo and logo",
            {
                "fields": [
                    "photo_preview",
                    "photo_upload",
                    "photo_alt",
                    "photo_remove",
                    "logo_preview",
                    "logo_upload",
                    "logo_alt",
                    "logo_remove",
                ]
            },
        ),
        ("Fundraising", {"fields": ["target"]}),
        (
            "Imprint (shown on every page and email)",
            {"fields": ["promoter_name", "promoter_address", "on_behalf_of"]},
        ),
        (
            "Emails",
            {
                "fields": ["email_from_name", "email_from_address"],
                "description": "Who the campaign's emails come from.",
            },
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

    @admin.display(description="fundraising target")
    def target(self, campaign):
        return f"£{pence_as_pounds(campaign.target_pence)}"

    def get_readonly_fields(self, request, obj=None):
        previews = ["photo_preview", "logo_preview"]
        # Retention erases every volunteer's data when the date passes: superusers only.
        if request.user.is_superuser:
            return previews
        return [*previews, "volunteer_data_retained_until"]

    @admin.display(description="Current photo")
    def photo_preview(self, obj):
        sizes = obj.photo_sizes if obj else []
        if not sizes:
            return "No photo yet."
        return format_html(
            '<img src="{}" width="{}" height="{}" alt="{}">',
            sizes[0]["jpeg_url"],
            sizes[0]["width"],
            sizes[0]["height"],
            obj.photo_alt,
        )

    @admin.display(description="Current logo")
    def logo_preview(self, obj):
        logo = obj.logo_email if obj else None
        if not logo:
            return "No logo yet."
        return format_html(
            '<img src="{}" width="{}" height="{}" alt="{}">',
            logo["url_1x"],
            logo["width"],
            logo["height"],
            obj.logo_alt,
        )

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
        campaign_settings_update(
            campaign=obj,
            photo=form.cleaned_data.get("photo_upload"),
            photo_remove=form.cleaned_data.get("photo_remove", False),
            logo=form.cleaned_data.get("logo_upload"),
            logo_remove=form.cleaned_data.get("logo_remove", False),
        )


@admin.register(OutboundEmail)
class OutboundEmailAdmin(ReadOnlyAdmin):
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
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "actor_name", "action", "what", "rows"]
    list_filter = ["action", "created_at"]
    search_fields = ["actor_name", "what"]
    date_hierarchy = "created_at"

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser


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


@admin.register(SourceCode)
class SourceCodeAdmin(admin.ModelAdmin):
    """Codes for the links organisers share, with the links to copy and their totals only:
    nothing here says who came from which link."""

    list_display = ["code", "description", "is_active", "joins", "signups", "gifts", "raised"]
    list_filter = ["is_active"]
    search_fields = ["code", "description"]
    fields = ["code", "description", "is_active", "links_to_copy", "totals"]
    readonly_fields = ["links_to_copy", "totals"]

    def get_readonly_fields(self, request, obj=None):
        # A code already in links out there keeps its spelling: stop it instead.
        return [*self.readonly_fields, "code"] if obj else self.readonly_fields

    def get_queryset(self, request):
        return source_codes_with_totals(super().get_queryset(request))

    @admin.display(description="joined", ordering="joins")
    def joins(self, obj):
        return obj.joins

    @admin.display(description="signed up", ordering="signups")
    def signups(self, obj):
        return obj.signups

    @admin.display(description="gifts", ordering="gifts")
    def gifts(self, obj):
        return obj.gifts

    @admin.display(description="raised (first payments)", ordering="raised_pence")
    def raised(self, obj):
        return pence_to_text(obj.raised_pence)

    @admin.display(description="Links to copy")
    def links_to_copy(self, obj):
        if not obj or not obj.pk:
            return "Save the code to get its links."
        return format_html_join(
            "",
            '<p><label>{}<br><input type="url" readonly value="{}" class="vLargeTextField"'
            ' aria-label="{} link"></label></p>',
            ((label, url, label) for label, url in source_links(obj.code)),
        )

    @admin.display(description="Totals")
    def totals(self, obj):
        if not obj or not obj.pk:
            return "-"
        return (
            f"{obj.joins} joined the list, {obj.signups} signed up for a session, "
            f"{obj.gifts} gave ({pence_to_text(obj.raised_pence)})."
        )

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        source_code_save(source=obj)
