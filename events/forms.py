from django import forms

from campaign_site.core.forms import HoneypotMixin
from events.geography import Found, SearchPlace, search_place
from volunteers.consent import RSVP_OPT_IN_HELP, RSVP_OPT_IN_LABEL
from volunteers.forms import phone_calls_check, phone_calls_field
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
    wants_phone_calls = phone_calls_field()

    def clean_first_name(self):
        return self.cleaned_data["first_name"].strip()

    def clean_phone(self):
        # Raises ValidationError with the message shown next to the field.
        return normalise_uk_phone(self.cleaned_data["phone"])

    def clean(self):
        super().clean()  # returns self.cleaned_data, typed as maybe None
        cleaned = self.cleaned_data
        phone_calls_check(self, cleaned)
        return cleaned


class MonthForm(forms.Form):
    """The calendar's query string: ?kind=canvass&month=2026-12."""

    kind = forms.ChoiceField(
        choices=[("", "All"), ("canvass", "Canvassing"), ("phonebank", "Phonebank")],
        required=False,
    )
    month = forms.RegexField(regex=r"^(20[0-9]{2})-(0[1-9]|1[0-2])$", required=False)


RADIUS_MILES = (5, 10, 25, 50)
POSTCODE_MAX_LENGTH = 20


class NearbyForm(forms.Form):
    """The calendar's "near you" search: ?postcode=DE22&radius=10.

    Whatever is typed is reduced to its outward code (the first half, "DE22") and goes no
    further: it is never stored or logged. A bad radius is ignored (any distance), never an
    error that loses the postcode."""

    # The template draws the two fields itself (with the message about the postcode).
    postcode = forms.CharField(label="Your postcode", required=False)
    radius = forms.TypedChoiceField(
        label="How far",
        choices=[("", "Any distance"), *((str(m), f"{m} miles") for m in RADIUS_MILES)],
        coerce=int,
        empty_value=None,
        required=False,
    )

    def clean_postcode(self) -> str:
        return self.cleaned_data["postcode"][: POSTCODE_MAX_LENGTH * 2]

    def search(self) -> tuple[SearchPlace | None, int | None]:
        """Where to search from (None when nothing was typed) and the radius in miles
        (None for any distance)."""
        self.is_valid()
        radius = self.cleaned_data.get("radius")
        if "postcode" in self.errors:  # such as a null character: not a postcode either
            return SearchPlace(found=Found.MALFORMED), radius
        typed = self.cleaned_data.get("postcode", "")
        return (search_place(typed) if typed else None), radius


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
