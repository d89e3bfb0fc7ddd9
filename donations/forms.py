import uuid
from typing import cast

from django import forms
from django.utils.formats import date_format

from campaign_site.core.forms import HoneypotMixin
from campaign_site.core.money import pence_to_text, pounds_text_to_pence
from donations.models import Donation, DonationSettings
from donations.permissibility import permissibility_missing
from donations.selectors import monthly_gifts_open
from donations.services import GiftDetails
from volunteers.consent import MAILING_LIST_OPT_IN_LABEL
from volunteers.validators import normalise_postcode

PRESETS_PENCE = [1_000, 2_500, 5_000, 10_000, 25_000]
OTHER = "other"
FREQUENCIES = [(Donation.Kind.ONE_OFF, "Once"), (Donation.Kind.MONTHLY, "Every month")]


class DonateForm(HoneypotMixin):
    """The /donate/ form. Works without JavaScript: the fields for gifts over £50 are always
    in the page; static/donations/donate.js only hides them while they are not needed."""

    form_token = forms.UUIDField(widget=forms.HiddenInput)
    amount = forms.ChoiceField(label="How much would you like to give?", widget=forms.RadioSelect)
    other_amount = forms.CharField(
        label="Another amount (£)",
        required=False,
        max_length=12,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )
    frequency = forms.ChoiceField(
        label="How often?",
        choices=FREQUENCIES,
        initial=Donation.Kind.ONE_OFF,
        widget=forms.RadioSelect,
    )
    name = forms.CharField(
        label="Your name",
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    email = forms.EmailField(
        label="Email address",
        max_length=254,
        help_text="For your receipt.",
        widget=forms.EmailInput(attrs={"autocomplete": "email", "inputmode": "email"}),
    )
    address_line1 = forms.CharField(
        label="Home address",
        help_text="As it is on the electoral register.",
        max_length=150,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "address-line1"}),
    )
    address_line2 = forms.CharField(
        label="Address line 2 (optional)",
        max_length=150,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "address-line2"}),
    )
    town = forms.CharField(
        label="Town or city",
        max_length=80,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "address-level2"}),
    )
    postcode = forms.CharField(
        label="Postcode",
        max_length=10,
        required=False,
        widget=forms.TextInput(
            attrs={"autocomplete": "postal-code", "autocapitalize": "characters"}
        ),
    )
    permissible_source = forms.ChoiceField(
        label="Who is giving?",
        required=False,
        choices=[
            (Donation.Source.ELECTOR, "Me: I am on a UK electoral register"),
            (
                Donation.Source.OTHER,
                "Another permissible source (for example a UK company or trade union): "
                "our agent will contact you",
            ),
        ],
        widget=forms.RadioSelect,
    )
    declaration = forms.BooleanField(
        label="I declare that what I have said above is true, and that this gift is not "
        "given on behalf of anyone else.",
        required=False,
    )
    join_list = forms.BooleanField(
        label=MAILING_LIST_OPT_IN_LABEL,
        required=False,
    )

    def __init__(self, *args, limits: DonationSettings, **kwargs):
        super().__init__(*args, **kwargs)
        self.limits = limits
        presets = [p for p in PRESETS_PENCE if limits.min_pence <= p <= limits.max_pence]
        cast(forms.ChoiceField, self.fields["amount"]).choices = [
            (str(p), pence_to_text(p)) for p in presets
        ] + [(OTHER, "Another amount")]
        self.fields["amount"].initial = str(2_500) if 2_500 in presets else OTHER
        self.fields["form_token"].initial = uuid.uuid4()
        ends_on = limits.monthly_end_date
        frequency = cast(forms.ChoiceField, self.fields["frequency"])
        if ends_on is not None and not monthly_gifts_open(ends_on):
            frequency.choices = [c for c in FREQUENCIES if c[0] != Donation.Kind.MONTHLY]
            frequency.help_text = (
                f"The campaign's monthly gifts ended on {date_format(ends_on, 'j F Y')}; "
                "you can still give once."
            )
            frequency.error_messages["invalid_choice"] = frequency.help_text
        elif ends_on:
            frequency.help_text = (
                f"Monthly gifts end by themselves on {date_format(ends_on, 'j F Y')}: "
                "no payment is taken after that day."
            )
        self.fields[
            "other_amount"
        ].help_text = (
            f"Between {pence_to_text(limits.min_pence)} and {pence_to_text(limits.max_pence)}."
        )

    def clean_postcode(self):
        # Raises ValidationError with the message shown next to the field.
        return normalise_postcode(self.cleaned_data.get("postcode", ""))

    def clean(self):
        super().clean()  # returns self.cleaned_data, typed as maybe None
        cleaned = self.cleaned_data
        amount_pence = self._amount_pence(cleaned)
        if amount_pence is None:
            return cleaned
        cleaned["amount_pence"] = amount_pence
        missing = permissibility_missing(
            amount_pence=amount_pence,
            name=cleaned.get("name", ""),
            address_line1=cleaned.get("address_line1", ""),
            town=cleaned.get("town", ""),
            postcode=cleaned.get("postcode", ""),
            permissible_source=cleaned.get("permissible_source", ""),
            declared=bool(cleaned.get("declaration")),
        )
        for problem in missing:
            if problem.field not in self.errors:  # a field's own error says more
                self.add_error(problem.field, problem.donor_message)
        return cleaned

    def _amount_pence(self, cleaned) -> int | None:
        choice = cleaned.get("amount")
        typed = (cleaned.get("other_amount") or "").strip()
        # Typed text wins: without JavaScript a donor may type an amount and leave a
        # preset ticked.
        if typed or choice == OTHER:
            pence = pounds_text_to_pence(typed)
            if not typed:
                self.add_error("other_amount", "Enter the amount you would like to give.")
                return None
            if pence is None and "," in typed:
                # "5,00": five pounds or five hundred? Ask rather than guess.
                self.add_error("other_amount", "Use a full stop for pence, like 12.50.")
                return None
            if pence is None:
                self.add_error("other_amount", "Enter an amount in pounds, such as 15 or 12.50.")
                return None
        elif choice:
            pence = int(choice)
        else:
            return None
        field = "other_amount" if typed or choice == OTHER else "amount"
        if pence < self.limits.min_pence:
            self.add_error(
                field, f"The smallest gift we can take is {pence_to_text(self.limits.min_pence)}."
            )
            return None
        if pence > self.limits.max_pence:
            self.add_error(
                field,
                f"The largest gift we can take online is {pence_to_text(self.limits.max_pence)}. "
                "To give more, please contact the campaign.",
            )
            return None
        return pence

    def gift(self) -> GiftDetails:
        data = self.cleaned_data
        return GiftDetails(
            form_token=data["form_token"],
            kind=data["frequency"],
            amount_pence=data["amount_pence"],
            name=data["name"],
            email=data["email"],
            address_line1=data["address_line1"],
            address_line2=data["address_line2"],
            town=data["town"],
            postcode=data["postcode"],
            permissible_source=data["permissible_source"],
            declared=data["declaration"],
        )
