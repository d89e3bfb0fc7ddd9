"""The call form: the fixed first step (how the call went), the script's questions, and a
volunteer's email for the mailing list. Rendered by templates/events/phonebank/_script.html,
one step at a time with JavaScript, all in one form without it."""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django import forms
from django.utils import timezone

from events.phonebank.models import CallResult, ScriptStep
from events.phonebank.script import script_walk

Kind = ScriptStep.Kind
CALLBACK_MAX_DAYS = 60
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
        return {Kind.MULTIPLE: "checkbox", Kind.NOTE: "note", Kind.TEXT: ""}.get(
            self.step.kind, "radio"
        )


class CallForm(forms.Form):
    result = forms.ChoiceField(
        label="How did the call go?",
        choices=CallResult.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose how the call went."},
    )
    callback_at = forms.DateTimeField(
        label="When to call them back (UK time)",
        required=False,
        input_formats=[CALLBACK_FORMAT, "%Y-%m-%d %H:%M"],
        error_messages={"invalid": "Enter the day and time to call back, e.g. 2026-12-05 18:30."},
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
                self.fields[name] = forms.CharField(required=False, max_length=1000)

    def clean_callback_at(self):
        moment = self.cleaned_data.get("callback_at")
        if moment is not None and timezone.is_naive(moment):
            moment = timezone.make_aware(moment)
        return moment

    def clean(self):
        data = super().clean()
        result = data.get("result")
        answers = {
            step.pk: data.get(step_field_name(step))
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
            view.error = " ".join(errors) if errors else ""
            views.append(view)
        return views
