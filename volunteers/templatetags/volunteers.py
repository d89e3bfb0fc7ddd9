from datetime import date, datetime

from django import template
from django.urls import reverse
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe

from volunteers.consent import FOOTER_STATEMENT, JOIN_BUTTON, JOIN_STATEMENT
from volunteers.forms import FooterSignupForm, JoinForm

register = template.Library()


@register.inclusion_tag("volunteers/includes/_footer_signup.html", takes_context=True)
def footer_signup(context):
    """The compact sign-up at the foot of every page: the same for every visitor (no
    token, no personal data), so pages that carry it can still be cached."""
    request = context.get("request")
    if request is not None and request.path == "/":
        return {"hidden": True}  # the home page has its own, fuller sign-up form
    return {
        "form": FooterSignupForm(),
        "statement": FOOTER_STATEMENT,
        "page": request.path if request else "/",
    }


@register.inclusion_tag("volunteers/includes/_home_signup.html")
def home_signup():
    """The sign-up on the home page: an email address joins for campaign updates; the alert
    boxes are unticked extras."""
    return {"form": JoinForm(prefix="home"), "statement": JOIN_STATEMENT, "button": JOIN_BUTTON}


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
