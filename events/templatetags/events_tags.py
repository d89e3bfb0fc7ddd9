from django import template
from django.utils.safestring import SafeString

from campaign_site.core.text import render_organiser_text

register = template.Library()


@register.filter
def organiser_text(text: str) -> SafeString:
    return render_organiser_text(text or "")
