from django import forms

from campaign_site.core.forms import HoneypotMixin
from volunteers.consent import (
    INTEREST_LABELS,
    PHONE_CALLS_HELP,
    PHONE_CALLS_LABEL,
    PHONE_CALLS_NEEDS_NUMBER,
)
from volunteers.validators import normalise_postcode, normalise_uk_phone


def phone_calls_field() -> forms.BooleanField:
    """The separate, unticked "The campaign may phone me" box (the wording is recorded)."""
    return forms.BooleanField(required=False, label=PHONE_CALLS_LABEL, help_text=PHONE_CALLS_HELP)


def phone_calls_check(form: forms.Form, cleaned: dict) -> None:
    if cleaned.get("wants_phone_calls") and not cleaned.get("phone") and "phone" not in form.errors:
        form.add_error("wants_phone_calls", PHONE_CALLS_NEEDS_NUMBER)


class InterestsMixin(forms.Form):
    wants_updates = forms.BooleanField(required=False, label=INTEREST_LABELS["wants_updates"])
    wants_canvass_alerts = forms.BooleanField(
        required=False, label=INTEREST_LABELS["wants_canvass_alerts"]
    )
    wants_phonebank_alerts = forms.BooleanField(
        required=False, label=INTEREST_LABELS["wants_phonebank_alerts"]
    )

    def interest_fields(self):
        return [self["wants_updates"], self["wants_canvass_alerts"], self["wants_phonebank_alerts"]]

    def clean_postcode(self):
        # Raises ValidationError with the message shown next to the field.
        return normalise_postcode(self.cleaned_data.get("postcode", ""))


class JoinForm(HoneypotMixin, InterestsMixin):
    """The /join/ and home-page form. Its button joins for campaign updates (an email address
    alone is enough); the alert boxes are optional extras."""

    wants_updates = None  # type: ignore[assignment]  # what the button means, not a box (Django's way to drop a field)

    email = forms.EmailField(
        label="Email address",
        max_length=254,
        error_messages={"required": "Enter your email address."},
        widget=forms.EmailInput(attrs={"autocomplete": "email", "inputmode": "email"}),
    )
    name = forms.CharField(
        label="Name (optional)",
        max_length=100,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    postcode = forms.CharField(
        label="Postcode (optional)",
        max_length=10,
        required=False,
        help_text="Helps us tell you about sessions near you.",
        widget=forms.TextInput(
            attrs={"autocomplete": "postal-code", "autocapitalize": "characters"}
        ),
    )
    phone = forms.CharField(
        label="Phone (optional)",
        max_length=20,
        required=False,
        help_text="Only if you are happy for an organiser to call you about sessions.",
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
    )
    wants_phone_calls = phone_calls_field()

    field_order = ["email", "name", "postcode", "phone", "wants_phone_calls"]

    def clean_phone(self):
        # Raises ValidationError with the message shown next to the field.
        return normalise_uk_phone(self.cleaned_data.get("phone", ""))

    def clean(self):
        super().clean()  # returns self.cleaned_data, typed as maybe None
        cleaned = self.cleaned_data
        phone_calls_check(self, cleaned)
        return cleaned

    def interest_fields(self):
        return [self["wants_canvass_alerts"], self["wants_phonebank_alerts"]]


class FooterSignupForm(HoneypotMixin):
    """The compact form at the foot of every page: campaign updates, email only."""

    prefix = "footer"
    email = forms.EmailField(
        label="Your email address",
        max_length=254,
        error_messages={"required": "Enter your email address."},
        widget=forms.EmailInput(attrs={"autocomplete": "email", "inputmode": "email"}),
    )
    page = forms.CharField(required=False, max_length=200, widget=forms.HiddenInput)

    def clean_page(self):
        page = self.cleaned_data.get("page", "")
        return page if page.startswith("/") else ""


class PreferencesForm(InterestsMixin):
    name = forms.CharField(label="Name (optional)", max_length=100, required=False)
    postcode = forms.CharField(label="Postcode (optional)", max_length=10, required=False)
    phone = forms.CharField(
        label="Phone (optional)",
        max_length=20,
        required=False,
        help_text="Clear it and save to remove your number from our records.",
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
    )
    wants_phone_calls = phone_calls_field()

    def clean_phone(self):
        # Raises ValidationError with the message shown next to the field.
        return normalise_uk_phone(self.cleaned_data.get("phone", ""))

    def clean(self):
        super().clean()  # returns self.cleaned_data, typed as maybe None
        cleaned = self.cleaned_data
        phone_calls_check(self, cleaned)
        return cleaned

    field_order = ["wants_updates", "wants_canvass_alerts", "wants_phonebank_alerts"]
