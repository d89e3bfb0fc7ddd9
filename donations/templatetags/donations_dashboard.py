"""The money panel on the organisers' dashboard (the admin home)."""

from django import template

from donations.selectors import check_queue_counts, progress_get

register = template.Library()


@register.inclusion_tag("donations/admin/_dashboard.html", takes_context=True)
def donations_dashboard(context):
    user = context["request"].user
    if not user.has_perm("donations.view_donation"):
        return {"show": False}
    return {
        "show": True,
        "progress": progress_get(),
        "checks": check_queue_counts(),
        "can_open_queue": user.has_perm("donations.view_donationtocheck"),
    }
