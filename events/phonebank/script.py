"""Following a script: where each answer leads, worked out the same way on the server as
by the caller's screen in the browser (static/events/phonebank/caller.js).

A choice option says where the caller goes next: "next" (the following step), "end" (the
end of the script) or "step:<position>" (a later step). A question that records a political
opinion is asked only when the agreement step before it ("May we note your answer?") was
answered "Yes"; otherwise it is skipped. Without JavaScript the caller sees every step in
one form; on saving, answers to steps the script would have skipped are left out, and the
caller is told which and why.
"""

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from events.phonebank.models import ScriptStep

Kind = ScriptStep.Kind
YES = "Yes"

PLACEHOLDER = re.compile(
    r"\{(first name|first_name|name|your name|candidate|constituency)\}", re.IGNORECASE
)
ALIASES = {"first_name": "first name", "name": "first name"}


def script_text_fill(text: str, *, values: Mapping[str, str]) -> str:
    """'Hello, is that {first name}?' with the contact's first name ({first_name} and
    {name} too), and {your name}, {candidate}, {constituency}; a placeholder with no value
    is left as written."""

    def swap(match: re.Match) -> str:
        key = match.group(1).lower()
        return values.get(ALIASES.get(key, key)) or match.group(0)

    return PLACEHOLDER.sub(swap, text)


def step_then(step: ScriptStep, chosen: Sequence[str]) -> str:
    """Where the caller goes after this step, given the options chosen."""
    if step.kind not in (Kind.SINGLE, Kind.MULTIPLE) or not chosen:
        return "next"
    for option in step.options:  # in the script's order: the first that leads elsewhere
        if option.get("label") in chosen and option.get("then", "next") != "next":
            return option["then"]
    return "next"


@dataclass
class ScriptWalk:
    """The path through the script for a set of answers."""

    kept: dict[int, str | list[str]] = field(default_factory=dict)  # step id -> answer
    visited: list[int] = field(default_factory=list)  # step ids, in order
    left_out: list[str] = field(default_factory=list)  # messages: answers not kept
    errors: dict[int, str] = field(default_factory=dict)  # step id -> what to fix


def _as_list(value) -> list[str]:
    if value is None or value == "":
        return []
    if isinstance(value, str):
        return [value]
    return [item for item in value if item]


def script_walk(
    *, steps: Sequence[ScriptStep], answers: Mapping[int, str | Sequence[str]]
) -> ScriptWalk:
    """Follow the script from its first step with these answers (step id -> answer)."""
    ordered = sorted(steps, key=lambda step: step.position)
    by_position = {step.position: step for step in ordered}
    walk = ScriptWalk()
    agreed = False
    position = ordered[0].position if ordered else None
    reasons: dict[int, str] = {}  # step id -> why it was skipped
    index_of = {step.position: index for index, step in enumerate(ordered)}
    while position is not None:
        step = by_position[position]
        following = (
            ordered[index_of[position] + 1].position
            if index_of[position] + 1 < len(ordered)
            else None
        )
        if step.records_political_opinion and not agreed:
            reasons[step.pk] = "agreement"
            position = following
            continue
        walk.visited.append(step.pk)
        chosen = _as_list(answers.get(step.pk))
        if step.kind == Kind.AGREEMENT:
            agreed = chosen == [YES]
        if step.is_question and chosen:
            walk.kept[step.pk] = chosen if step.kind == Kind.MULTIPLE else chosen[0]
        then = step_then(step, chosen)
        if then == "end":
            for later in ordered[index_of[position] + 1 :]:
                reasons.setdefault(later.pk, f'the call ends after "{step.label}"')
            position = None
        elif then.startswith("step:"):
            target = _position(then)
            if target is None or target not in by_position or target <= position:
                position = following  # a jump that goes nowhere sensible: carry on
            else:
                for skipped in ordered[index_of[position] + 1 : index_of[target]]:
                    reasons.setdefault(skipped.pk, f'the script skips it after "{step.label}"')
                position = target
        else:
            position = following
    for step in ordered:
        if step.pk in walk.visited or not step.is_question:
            continue
        if not _as_list(answers.get(step.pk)):
            continue
        reason = reasons.get(step.pk, "")
        if reason == "agreement":
            walk.errors[step.pk] = (
                f'They did not say yes to "May we note your answer?", so "{step.label}" must '
                "stay empty. Clear it, or change the agreement to Yes if they agreed."
            )
        else:
            walk.left_out.append(f'Your answer to "{step.label}" was not saved: {reason}.')
    return walk


def _position(then: str) -> int | None:
    try:
        return int(then.split(":", 1)[1])
    except (IndexError, ValueError):
        return None
