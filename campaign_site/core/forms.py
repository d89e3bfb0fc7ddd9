"""Form pieces every public form shares."""

from django import forms


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
