from django import template
from django.urls import reverse
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe

register = template.Library()


@register.filter
def with_privacy_link(statement: str) -> SafeString:
    """Consent wording, exactly as recorded, with "privacy notice" linked to it."""
    before, found, after = escape(statement).partition("privacy notice")
    if not found:
        return mark_safe(before)  # noqa: S308 - escaped just above
    link = format_html('<a href="{}">privacy notice</a>', reverse("privacy"))
    return mark_safe(before + link + after)  # noqa: S308 - parts escaped above
