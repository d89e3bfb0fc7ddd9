"""Organiser-written text (session descriptions, updates to the list) made safe to show.

Organisers write plain text or simple Markdown: paragraphs, lists, emphasis and links.
Raw HTML they type is escaped, never rendered, and only http(s) and mailto links survive.
"""

import re

import markdown
import nh3
from django.utils.safestring import SafeString, mark_safe

ALLOWED_TAGS = {"p", "br", "strong", "em", "ul", "ol", "li", "a", "h2", "h3"}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}}
# A bare address typed into the text becomes a link, unless it is already inside one.
BARE_URL = re.compile(r"(?<![(\[])\b(https?://[^\s<>()\[\]]+[^\s<>()\[\].,;:!?'\"])")


def render_organiser_text(text: str) -> SafeString:
    """Render organiser text to HTML safe to put in a page or an email."""
    escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    linked = BARE_URL.sub(r"[\1](\1)", escaped)
    html = markdown.markdown(linked, extensions=["sane_lists", "nl2br"], output_format="html")
    cleaned = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer",
    )
    return mark_safe(cleaned)  # noqa: S308 - cleaned by nh3 with an allow-list just above


MARKDOWN_LINK = re.compile(r"\[([^\]]+)\]\(([^)\s]+)\)")
STRONG = re.compile(r"(\*\*|__)(\S(?:.*?\S)?)\1")
EMPHASIS = re.compile(r"(?<![\w*])\*(\S(?:[^*]*?\S)?)\*(?![\w*])")
HEADING = re.compile(r"^#{1,6}\s+", re.MULTILINE)


def render_organiser_plain(text: str) -> str:
    """The same organiser text for the plain-text part of an email: Markdown marks removed,
    and a link written as [label](address) shown as "label (address)"."""
    text = MARKDOWN_LINK.sub(r"\1 (\2)", text)
    text = STRONG.sub(r"\2", text)
    text = EMPHASIS.sub(r"\1", text)
    return HEADING.sub("", text)
