"""The sessions panel on the organisers' dashboard (the admin home)."""

from datetime import timedelta

from django import template
from django.utils import timezone

from events.models import Event

register = template.Library()


@register.inclusion_tag("events/admin/_dashboard.html", takes_context=True)
def events_dashboard(context):
    user = context["request"].user
    if not user.has_perm("events.view_event"):
        return {"show": False}
    now = timezone.now()
    sessions = (
        Event.objects.filter(starts_at__gte=now, starts_at__lt=now + timedelta(days=7))
        .exclude(status=Event.Status.DRAFT)
        .with_counts()
        .order_by("starts_at")
    )
    return {
        "show": True,
        "sessions": list(sessions),
        "can_add": user.has_perm("events.add_event"),
    }
