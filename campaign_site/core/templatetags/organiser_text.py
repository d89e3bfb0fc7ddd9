"""Organiser-written text in templates: `|organiser_html` for pages and HTML email,
`|organiser_plain` for the plain-text part of an email."""

from django import template

from campaign_site.core.text import render_organiser_plain, render_organiser_text

register = template.Library()

register.filter("organiser_html", render_organiser_text)
register.filter("organiser_plain", render_organiser_plain)
