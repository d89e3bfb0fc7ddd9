from django import template
from django.utils.safestring import SafeString

from campaign_site.core.text import render_organiser_text
from events.share import event_share_card_for

register = template.Library()


@register.filter
def organiser_text(text: str) -> SafeString:
    return render_organiser_text(text or "")


@register.simple_tag
def event_share_card(event):
    """The session's share card, from the event the page already has (no query)."""
    return event_share_card_for(event)
