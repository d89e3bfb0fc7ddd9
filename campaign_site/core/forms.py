"""Form pieces shared across the site: the honeypot every public form has, money in pounds,
durations in hours."""

from datetime import timedelta
from decimal import Decimal

from django import forms
from django.utils.dateparse import parse_duration

from campaign_site.core.money import pence_as_pounds, pounds_text_to_pence

# The largest value a PositiveIntegerField holds on every database Django supports.
MAX_PENCE = 2_147_483_647


class HoneypotMixin(forms.Form):
    """A field hidden from people (and from screen readers and keyboards): only bots fill
    it in. Views treat a filled-in form as done, store nothing and say nothing different.
    Render it with templates/includes/_honeypot.html."""

    website = forms.CharField(
        required=False,
        label="Leave this empty",
        widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
    )

    def is_bot(self) -> bool:
        return bool(self.data.get(self.add_prefix("website")))


class PoundsField(forms.CharField):
    """An amount typed in pounds ("13000", "13,000", "£13,000.50"), cleaned to integer pence.

    Money is stored in pence; people think in pounds, so a form never asks them for pence."""

    default_error_messages = {
        "invalid": "Enter an amount in pounds, such as 13,000 or 13000.50.",
        "min_value": "Enter at least £%(limit)s.",
        "max_value": "Enter no more than £%(limit)s.",
    }

    def __init__(self, *, min_pence: int = 0, max_pence: int = MAX_PENCE, **kwargs):
        self.min_pence, self.max_pence = min_pence, max_pence
        kwargs.setdefault("widget", forms.TextInput(attrs={"inputmode": "decimal"}))
        super().__init__(**kwargs)

    def prepare_value(self, value):
        return pence_as_pounds(value) if isinstance(value, int) else value

    # A pounds field's Python value is pence (an int), where CharField's is text.
    def to_python(self, value) -> int | None:  # type: ignore[override]
        text = super().to_python(value) or ""
        if not text.strip():
            return None
        pence = pounds_text_to_pence(text)
        if pence is None:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        for limit, too_far, code in [
            (self.min_pence, pence < self.min_pence, "min_value"),
            (self.max_pence, pence > self.max_pence, "max_value"),
        ]:
            if too_far:
                raise forms.ValidationError(
                    self.error_messages[code],
                    code=code,
                    params={"limit": pence_as_pounds(limit)},
                )
        return pence


class HoursField(forms.DecimalField):
    """A duration typed in hours ("4", "1.5"), cleaned to a timedelta, for a DurationField.

    Django asks for a duration as "hours:minutes:seconds"; organisers think "try again in
    4 hours" (that older form, "04:00:00", is still understood)."""

    default_error_messages = {
        "invalid": "Enter a number of hours, such as 4 or 1.5.",
        "min_value": "Enter at least %(limit_value)s hours.",
        "max_value": "Enter no more than %(limit_value)s hours.",
    }

    def __init__(self, *, min_hours: float = 0.25, max_hours: float = 24 * 14, **kwargs):
        kwargs.setdefault(
            "widget", forms.TextInput(attrs={"inputmode": "decimal", "class": "vIntegerField"})
        )
        super().__init__(
            min_value=Decimal(str(min_hours)), max_value=Decimal(str(max_hours)), **kwargs
        )

    def prepare_value(self, value):
        if isinstance(value, timedelta):
            return f"{value.total_seconds() / 3600:g}"
        return value

    def to_python(self, value) -> Decimal | None:  # type: ignore[override]  # stubs: int
        if isinstance(value, str) and ":" in value:
            duration = parse_duration(value.strip())
            if duration is None:
                raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
            return Decimal(duration.total_seconds()) / 3600
        return super().to_python(value)

    # Its Python value is a timedelta, where DecimalField's is a Decimal.
    def clean(self, value) -> timedelta | None:
        hours = super().clean(value)
        return None if hours is None else timedelta(seconds=round(hours * 3600))

    def has_changed(self, initial, data) -> bool:
        return self.prepare_value(initial) != self.prepare_value(data)
