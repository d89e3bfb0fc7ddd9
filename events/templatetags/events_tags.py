from django import template
from django.utils.safestring import SafeString

from campaign_site.core.text import render_organiser_text
from events.selectors import next_sessions_by_kind

register = template.Library()


@register.filter
def organiser_text(text: str) -> SafeString:
    return render_organiser_text(text or "")


@register.inclusion_tag("events/includes/_next_sessions.html")
def events_next_sessions(per_kind: int = 3) -> dict:
    sessions = next_sessions_by_kind(per_kind=per_kind)
    return {"canvass_sessions": sessions["canvass"], "phonebank_sessions": sessions["phonebank"]}
