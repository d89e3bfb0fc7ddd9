"""Tags for templates/events/phonebank/_script.html, which the caller's screen, the practice
call and the organisers' script preview in admin all render."""

from django import template

from campaign_site.core.selectors import campaign_settings_get
from events.phonebank.forms import StepView, step_field_name
from events.phonebank.hours import phonebank_settings_get
from events.phonebank.models import CallResult
from events.phonebank.script import script_text_fill

register = template.Library()


@register.simple_tag
def script_step_views(steps, call_form=None):
    """The steps with what the caller entered (a bound form) or nothing (a preview)."""
    if call_form:
        return call_form.step_views()
    return [StepView(step=step, name=step_field_name(step)) for step in steps or []]


@register.simple_tag
def script_result_choices(result_choices=None):
    return result_choices or CallResult.choices


@register.simple_tag(takes_context=True)
def script_values(context, fill=None, contact=None):
    """What the placeholders in a script stand for: {first name} is the contact's."""
    campaign = context.get("campaign") or campaign_settings_get()
    values = {"candidate": campaign.candidate_name, "constituency": campaign.constituency}
    values.update(fill or {})
    if contact is not None and getattr(contact, "first_name", ""):
        values["first name"] = contact.first_name
    return values


@register.filter
def script_fill(text, values):
    return script_text_fill(text or "", values=values or {})


@register.simple_tag
def privacy_line(values=None, hours=None, screened=False):
    """The line every caller reads at the start of a call (set in admin; `hours` is the
    settings row when the page has it already); `screened`: the call is from a screened
    constituents' list, whose people did not ask to be called."""
    settings_row = hours or phonebank_settings_get()
    line = settings_row.constituents_privacy_line if screened else settings_row.privacy_line
    return script_text_fill(line, values=values or {})


@register.filter
def then_text(then: str) -> str:
    """How a no-JavaScript form says where an answer leads."""
    if then == "end":
        return "then end the call"
    if then.startswith("step:"):
        return f"then go to step {then.split(':', 1)[1]}"
    return ""
