"""Scripts: checked as a whole before they are saved."""

from collections.abc import Sequence

from django.core.exceptions import ValidationError
from django.db import transaction

from events.phonebank.models import Script, ScriptStep


def script_problems(*, steps: Sequence[ScriptStep]) -> list[str]:
    """What is wrong with these steps as one script (empty when it is fine):
    positions used twice, a jump to a step that is not further on, a political-opinion
    question with no agreement step before it."""
    problems = []
    ordered = sorted(steps, key=lambda step: step.position or 0)
    positions = [step.position for step in ordered]
    doubled = sorted({p for p in positions if positions.count(p) > 1})
    if doubled:
        problems.append(f"Step number {doubled[0]} is used twice.")
    seen_agreement = False
    for step in ordered:
        if step.kind == ScriptStep.Kind.AGREEMENT:
            seen_agreement = True
        if step.records_political_opinion:
            if step.kind == ScriptStep.Kind.TEXT:
                problems.append(f"Step {step.position} is text to read: it records nothing.")
            elif step.kind == ScriptStep.Kind.AGREEMENT:
                problems.append(f"Step {step.position}: the agreement step is not itself one.")
            elif not seen_agreement:
                problems.append(
                    f'Step {step.position} records a political opinion: put a "May we note '
                    'your answer?" agreement step before it.'
                )
        for option in step.options or []:
            then = option.get("then", "next")
            if then.startswith("step:"):
                target = int(then.removeprefix("step:"))
                if target not in positions or target <= step.position:
                    problems.append(
                        f'Step {step.position}, answer "{option["label"]}": step {target} is '
                        "not further on in this script."
                    )
    return problems


@transaction.atomic
def script_save(
    *, script: Script, steps: Sequence[ScriptStep], deleted: Sequence[ScriptStep] = ()
) -> Script:
    """Save a script and its steps together, after checking them as one."""
    problems = script_problems(steps=steps)
    if problems:
        raise ValidationError(problems)
    script.full_clean()
    script.save()
    for step in deleted:
        if step.pk:
            step.delete()
    # Positions may be swapped between steps: move every step out of the way first.
    for offset, step in enumerate(steps, start=1):
        step.script = script
        final = step.position
        step.position = 20000 + offset
        step.save()
        step.position = final
    for step in steps:
        step.save(update_fields=["position"])
    return script
