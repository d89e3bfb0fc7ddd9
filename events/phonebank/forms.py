"""The call form (the caller's screen, the practice call and admin's script preview): the
fixed first step (how the call went), the script's questions, notes, and a volunteer's email
for the mailing list. Rendered by templates/events/phonebank/_script.html, one step at a
time with JavaScript, all in one form without it. Then the organisers' forms for admin."""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from events.phonebank.models import CallResult, DoNotCall, ScreeningFile, ScriptStep
from events.phonebank.script import script_walk
from events.phonebank.services.lists import SUPPORTER_INTERESTS
from volunteers.consent import INTEREST_LABELS, PHONE_CALLS_LABEL

Kind = ScriptStep.Kind
CALLBACK_MAX_DAYS = 60
NOTE_MAX = 1000
CALLBACK_FORMAT = "%Y-%m-%dT%H:%M"


def step_field_name(step: ScriptStep) -> str:
    return f"step_{step.pk}"


@dataclass
class StepView:
    """What the template needs to draw one script step."""

    step: ScriptStep
    name: str
    chosen: list[str] = field(default_factory=list)
    text: str = ""
    error: str = ""

    @property
    def options(self) -> list[dict]:
        if self.step.kind == Kind.AGREEMENT:
            return [{"label": "Yes", "then": "next"}, {"label": "No", "then": "next"}]
        return [
            {"label": option.get("label", ""), "then": option.get("then", "next")}
            for option in self.step.options
        ]

    @property
    def input_type(self) -> str:
        types: dict[str, str] = {Kind.MULTIPLE: "checkbox", Kind.NOTE: "note", Kind.TEXT: ""}
        return types.get(self.step.kind, "radio")


class CallForm(forms.Form):
    result = forms.ChoiceField(
        label="How did the call go?",
        choices=CallResult.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose how the call went."},
    )
    callback_at = forms.DateTimeField(
        label="When should we call back? (UK time)",
        required=False,
        input_formats=[CALLBACK_FORMAT, "%Y-%m-%d %H:%M"],
        error_messages={"invalid": "Enter the day and time to call back, e.g. 2026-12-05 18:30."},
    )
    notes = forms.CharField(
        label="Notes for the organisers (optional)",
        required=False,
        max_length=NOTE_MAX,
        help_text="Facts that help the campaign, never opinions about the person.",
    )
    volunteer_email = forms.EmailField(
        label="Their email address",
        required=False,
        max_length=254,
        error_messages={"invalid": "That email address does not look right: check it with them."},
    )

    def __init__(self, *args, steps: list[ScriptStep], now: datetime | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.steps = sorted(steps, key=lambda step: step.position)
        self.now = now or timezone.now()
        self.left_out: list[str] = []
        self.answers: dict[int, str | list[str]] = {}
        for step in self.steps:
            name = step_field_name(step)
            if step.kind == Kind.MULTIPLE:
                self.fields[name] = forms.MultipleChoiceField(
                    required=False, choices=[(label, label) for label in step.option_labels]
                )
            elif step.kind in (Kind.SINGLE, Kind.AGREEMENT):
                self.fields[name] = forms.ChoiceField(
                    required=False, choices=[(label, label) for label in step.option_labels]
                )
            elif step.kind == Kind.NOTE:
                self.fields[name] = forms.CharField(required=False, max_length=NOTE_MAX)

    def clean_callback_at(self):
        moment = self.cleaned_data.get("callback_at")
        if moment is not None and timezone.is_naive(moment):
            moment = timezone.make_aware(moment)
        return moment

    def clean(self):
        super().clean()  # returns self.cleaned_data, typed as maybe None
        data = self.cleaned_data
        result = data.get("result")
        answers = {
            step.pk: data[step_field_name(step)]
            for step in self.steps
            if step.is_question and data.get(step_field_name(step))
        }
        if result == CallResult.CALL_BACK:
            moment = data.get("callback_at")
            if moment is None and "callback_at" not in self.errors:
                self.add_error("callback_at", "Say when to call them back.")
            elif moment is not None and moment <= self.now:
                self.add_error("callback_at", "The time to call back must be in the future.")
            elif moment is not None and moment > self.now + timedelta(days=CALLBACK_MAX_DAYS):
                self.add_error(
                    "callback_at", f"Choose a time within the next {CALLBACK_MAX_DAYS} days."
                )
        if result and result != CallResult.SPOKE:
            if data.get("volunteer_email"):
                self.add_error(
                    "volunteer_email",
                    'An email can only be taken when you spoke to them: choose "Spoke to '
                    'them" above, or clear the email.',
                )
            if answers:
                self.left_out.append(
                    "The script's answers were not saved: they are kept only when you spoke "
                    "to them. If you did, change this result below."
                )
            return data
        if result == CallResult.SPOKE:
            walk = script_walk(steps=self.steps, answers=answers)
            for step_id, message in walk.errors.items():
                self.add_error(f"step_{step_id}", message)
            self.left_out.extend(walk.left_out)
            self.answers = walk.kept
        return data

    @property
    def callback_at_value(self) -> str:
        """The datetime-local input's value, as typed or as initially given."""
        if self.is_bound:
            return self.data.get("callback_at", "")
        moment = self.initial.get("callback_at")
        return timezone.localtime(moment).strftime(CALLBACK_FORMAT) if moment else ""

    @property
    def notes_value(self) -> str:
        return self.data.get("notes", "") if self.is_bound else self.initial.get("notes", "")

    @property
    def callback_min(self) -> str:
        return timezone.localtime(self.now).strftime(CALLBACK_FORMAT)

    @property
    def chosen_result(self) -> str:
        if self.is_bound:
            return self.data.get("result", "")
        return self.initial.get("result", "")

    def step_views(self) -> list[StepView]:
        views = []
        for step in self.steps:
            name = step_field_name(step)
            view = StepView(step=step, name=name)
            if self.is_bound:
                if step.kind == Kind.MULTIPLE:
                    view.chosen = self.data.getlist(name) if hasattr(self.data, "getlist") else []
                elif step.kind == Kind.NOTE:
                    view.text = self.data.get(name, "")
                else:
                    value = self.data.get(name, "")
                    view.chosen = [value] if value else []
            else:
                initial = self.initial.get(name)
                if step.kind == Kind.NOTE:
                    view.text = initial or ""
                elif initial:
                    view.chosen = list(initial) if isinstance(initial, list) else [initial]
            errors = self.errors.get(name)
            view.error = " ".join(map(str, errors)) if errors else ""
            views.append(view)
        return views


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
        super().clean()  # returns self.cleaned_data, typed as maybe None
        cleaned = self.cleaned_data
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


class ScreenedImportUploadForm(forms.Form):
    """A screened list's import: no consent column, but where the numbers came from."""

    file = forms.FileField(
        label="CSV file",
        help_text="Columns: name, phone, postcode. No consent column: these numbers are "
        "called only while they are not registered with the TPS or Corporate TPS.",
    )
    source = forms.CharField(
        label="Where the numbers came from",
        max_length=200,
        help_text="“Our doorstep records”, or the supplier's name. Shown to anyone who asks "
        "where we got their number.",
    )
    source_date = forms.DateField(
        label="As of",
        help_text="The date of the records, or of the supplier's file (e.g. 2026-11-20).",
    )


class ScreeningFileUploadForm(forms.Form):
    kind = forms.ChoiceField(label="Which file", choices=ScreeningFile.Kind.choices)
    file = forms.FileField(
        label="The file",
        help_text="A text file, one number a line, as the TPS sends it (01332 000000). "
        "It replaces the last file of the same kind; only keyed hashes of the numbers are "
        "kept.",
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
