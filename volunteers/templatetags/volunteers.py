from datetime import date, datetime

from django import template
from django.urls import reverse
from django.utils import timezone
from django.utils.dateformat import format as date_format
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


@register.filter
def data_value(value) -> str:
    """One value in a copy of a person's data, as a person reads it."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, datetime):
        return date_format(timezone.localtime(value), "j F Y, H:i")
    if isinstance(value, date):
        return date_format(value, "j F Y")
    return str(value)
