from django import template

from campaign_site.core.money import pence_to_text
from donations.selectors import progress_get

register = template.Library()


@register.filter
def pounds(pence) -> str:
    """Pence to money words: 1050 -> £10.50, 130000 -> £1,300."""
    try:
        return pence_to_text(int(pence))
    except (TypeError, ValueError):
        return ""


@register.inclusion_tag("donations/includes/_progress.html")
def donations_progress(heading_level: int = 0):
    """Money raised towards the campaign's target: cached, no query once warm."""
    return {"progress": progress_get(), "heading_level": heading_level}
