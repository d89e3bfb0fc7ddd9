from django import forms

from campaign_site.core.forms import HoneypotMixin
from volunteers.consent import RSVP_OPT_IN_HELP, RSVP_OPT_IN_LABEL
from volunteers.validators import normalise_uk_phone


class RsvpForm(HoneypotMixin):
    first_name = forms.CharField(
        max_length=60, widget=forms.TextInput(attrs={"autocomplete": "given-name"})
    )
    email = forms.EmailField(
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        help_text="We send your confirmation and reminders here.",
    )
    phone = forms.CharField(
        label="Phone (optional)",
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
        help_text="Only so the organiser can reach you on the day.",
    )
    join_mailing_list = forms.BooleanField(
        # The wording the volunteers app records as consent for this box.
        label=RSVP_OPT_IN_LABEL,
        required=False,
        help_text=RSVP_OPT_IN_HELP,
    )

    def clean_first_name(self):
        return self.cleaned_data["first_name"].strip()

    def clean_phone(self):
        # Raises ValidationError with the message shown next to the field.
        return normalise_uk_phone(self.cleaned_data["phone"])


class MonthForm(forms.Form):
    """The calendar's query string: ?kind=canvass&month=2026-12."""

    kind = forms.ChoiceField(
        choices=[("", "All"), ("canvass", "Canvassing"), ("phonebank", "Phonebank")],
        required=False,
    )
    month = forms.RegexField(regex=r"^(20[0-9]{2})-(0[1-9]|1[0-2])$", required=False)


class CancelReasonForm(forms.Form):
    message = forms.CharField(
        label="Message to the people coming (optional)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class RepeatWeeklyForm(forms.Form):
    weeks = forms.IntegerField(label="Repeat for how many weeks?", min_value=1, max_value=52)


class MessagePeopleGoingForm(forms.Form):
    subject = forms.CharField(max_length=150)
    message = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text="Plain text; a blank line starts a paragraph; links are allowed.",
    )


class MySessionsLinkForm(HoneypotMixin):
    """On /events/: someone who lost their emails asks for the link to their sessions."""

    email = forms.EmailField(
        label="Your email address",
        max_length=254,
        error_messages={"required": "Enter the email address you signed up with."},
        widget=forms.EmailInput(attrs={"autocomplete": "email", "inputmode": "email"}),
    )
