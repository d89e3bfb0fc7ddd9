"""The caller's call sheet as a form (result, the script's questions, notes), and the
organisers' forms for the phonebank admin."""

from django import forms
from django.core.exceptions import ValidationError

from events.phonebank.models import CallResult, DoNotCall, Script, ScriptStep
from events.phonebank.services.lists import SUPPORTER_INTERESTS
from volunteers.consent import INTEREST_LABELS, PHONE_CALLS_LABEL

NOTE_MAX = 1000


def step_field_name(step: ScriptStep) -> str:
    return f"step-{step.pk}"


class CallResultForm(forms.Form):
    """What a caller records after a call. Built from the script: one field per question.

    `form.rows` is the script in order, each (step, bound field or None for text to read);
    after is_valid(), `form.answers()` is what call_result_record() takes as `answers`."""

    result = forms.ChoiceField(
        label="How did the call go?",
        choices=CallResult.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose how the call went before the next one."},
    )
    callback_at = forms.DateTimeField(
        label="When should we call back?",
        required=False,
        input_formats=["%Y-%m-%dT%H:%M"],
        widget=forms.DateTimeInput(
            attrs={"type": "datetime-local", "class": "form-control"}, format="%Y-%m-%dT%H:%M"
        ),
        help_text="Only for “Call back later”.",
    )
    notes = forms.CharField(
        label="Notes for the organisers (optional)",
        required=False,
        max_length=NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 3, "class": "form-control"}),
        help_text="Facts that help the campaign, never opinions about the person.",
    )

    def __init__(self, *args, script: Script, **kwargs):
        super().__init__(*args, **kwargs)
        self.script = script
        self.steps = list(script.steps.order_by("position"))
        for step in self.steps:
            field = self._field_for(step)
            if field is not None:
                self.fields[step_field_name(step)] = field

    @staticmethod
    def _field_for(step: ScriptStep) -> forms.Field | None:
        label = step.text
        if step.kind == ScriptStep.Kind.TEXT:
            return None
        if step.kind == ScriptStep.Kind.NOTE:
            return forms.CharField(
                label=label,
                required=False,
                max_length=NOTE_MAX,
                widget=forms.Textarea(attrs={"rows": 2, "class": "form-control"}),
            )
        choices = [(option, option) for option in step.option_labels]
        if step.kind == ScriptStep.Kind.MULTIPLE:
            return forms.MultipleChoiceField(
                label=label, required=False, choices=choices, widget=forms.CheckboxSelectMultiple
            )
        return forms.ChoiceField(
            label=label, required=False, choices=choices, widget=forms.RadioSelect
        )

    @property
    def rows(self) -> list[tuple[ScriptStep, forms.BoundField | None]]:
        return [
            (step, self[step_field_name(step)] if step_field_name(step) in self.fields else None)
            for step in self.steps
        ]

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("result") == CallResult.CALL_BACK and not cleaned.get("callback_at"):
            self.add_error("callback_at", "Say when to call them back.")
        return cleaned

    def answers(self) -> dict[int, str | list[str]]:
        answers = {}
        for step in self.steps:
            value = self.cleaned_data.get(step_field_name(step))
            if value:
                answers[step.pk] = value
        return answers


# --- Organisers ------------------------------------------------------------------------


def options_to_text(options: list[dict], positions: dict[str, int] | None = None) -> str:
    lines = []
    for option in options:
        then = option.get("then", "next")
        if then == "end":
            lines.append(f"{option['label']} -> end")
        elif then.startswith("step:"):
            lines.append(f"{option['label']} -> {then.removeprefix('step:')}")
        else:
            lines.append(option["label"])
    return "\n".join(lines)


def options_from_text(text: str) -> list[dict]:
    """'Yes -> 5' / 'No -> end' / 'Maybe', one a line -> the step's options."""
    options, seen = [], set()
    for raw in (text or "").splitlines():
        line = raw.strip()
        if not line:
            continue
        label, arrow, then = line.partition("->")
        label, then = label.strip(), then.strip().lower()
        if not label:
            raise ValidationError(f'"{line}": write the answer before the arrow.')
        if label in seen:
            raise ValidationError(f'"{label}" is there twice.')
        seen.add(label)
        if not arrow or not then or then == "next":
            target = "next"
        elif then in {"end", "end call", "end the call"}:
            target = "end"
        elif then.removeprefix("step").strip().isdigit():
            target = f"step:{int(then.removeprefix('step').strip())}"
        else:
            raise ValidationError(f'"{line}": after the arrow write a step number or "end".')
        options.append({"label": label[:100], "then": target})
    return options


class ScriptStepForm(forms.ModelForm):
    options_text = forms.CharField(
        label="answers",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 28}),
        help_text='One a line. "Yes -> 5" skips to step 5, "No -> end" ends the call.',
    )

    class Meta:
        model = ScriptStep
        fields = ["position", "kind", "text", "short_label", "records_political_opinion"]
        widgets = {"text": forms.Textarea(attrs={"rows": 3, "cols": 40})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["options_text"].initial = options_to_text(self.instance.options)

    def clean(self):
        cleaned = super().clean()
        kind = cleaned.get("kind")
        try:
            options = options_from_text(cleaned.get("options_text", ""))
        except ValidationError as error:
            self.add_error("options_text", error)
            return cleaned
        if kind in (ScriptStep.Kind.SINGLE, ScriptStep.Kind.MULTIPLE) and len(options) < 2:
            self.add_error("options_text", "A question needs at least two answers.")
        if kind not in (ScriptStep.Kind.SINGLE, ScriptStep.Kind.MULTIPLE) and options:
            options = []  # text, notes and the agreement step have no answers of their own
        self.instance.options = options
        return cleaned


class ScriptStepFormSet(forms.BaseInlineFormSet):
    def clean(self):
        super().clean()
        from events.phonebank.services.scripts import script_problems

        steps = [
            form.instance
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE")
        ]
        problems = script_problems(steps=steps)
        if problems:
            raise ValidationError(problems)


class AddSupportersForm(forms.Form):
    postcode_districts = forms.CharField(
        label="Postcode districts (optional)",
        required=False,
        help_text="Separated by commas, e.g. DE22, DE3. Blank: everywhere.",
    )
    interests = forms.MultipleChoiceField(
        label="Only people who asked for (optional)",
        required=False,
        choices=[(field, INTEREST_LABELS[field].split(":")[0]) for field in SUPPORTER_INTERESTS],
        widget=forms.CheckboxSelectMultiple,
    )

    def districts(self) -> list[str]:
        text = self.cleaned_data.get("postcode_districts", "")
        return [part.strip() for part in text.replace(";", ",").split(",") if part.strip()]


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label="CSV file",
        help_text="Columns: name, phone, postcode, consent (where and when they agreed, "
        'e.g. "street stall, 14 Nov"). A separate consent date column works too.',
    )
    consent_wording = forms.CharField(
        label="What they agreed to",
        initial=PHONE_CALLS_LABEL,
        max_length=300,
        help_text="The words on the sheet or form they signed, kept as the evidence.",
    )


class SuspendForm(forms.Form):
    reason = forms.CharField(
        max_length=200, help_text="For the record: what happened. The caller is not shown it."
    )


class DoNotCallForm(forms.ModelForm):
    phone = forms.CharField(label="Phone number", max_length=30)

    class Meta:
        model = DoNotCall
        fields = ["phone", "note"]
