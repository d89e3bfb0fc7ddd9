from django import template

from events.phonebank.phones import phone_for_display

register = template.Library()

PLACEHOLDERS = ("{first name}", "{first_name}", "{name}")


@register.filter
def script_text(text: str, contact) -> str:
    """The step's words with {first name} filled in (or left readable in a preview)."""
    name = getattr(contact, "first_name", "") or "[their first name]"
    for placeholder in PLACEHOLDERS:
        text = text.replace(placeholder, name)
    return text


@register.filter
def dial_format(e164: str) -> str:
    return phone_for_display(e164)


@register.filter
def then_hint(option_label: str, step) -> str:
    """'skip to step 5' / 'end the call' for an answer that jumps, else ''."""
    for option in step.options:
        if option["label"] == option_label:
            then = option.get("then", "next")
            if then == "end":
                return "then end the call"
            if then.startswith("step:"):
                return f"then go to step {then.removeprefix('step:')}"
    return ""
