"""Form pieces shared across the site: the honeypot every public form has, money in pounds."""

from django import forms

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
