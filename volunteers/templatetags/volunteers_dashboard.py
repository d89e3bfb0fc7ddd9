"""The mailing list's panel on the organisers' dashboard (the admin home)."""

from datetime import timedelta

from django import template
from django.db.models import Count
from django.db.models.functions import TruncDate
from django.utils import timezone

from volunteers.models import Supporter

register = template.Library()

DAYS = 30
CHART_WIDTH = 300
CHART_HEIGHT = 80


def signups_per_day(days: int = DAYS) -> list[tuple]:
    """(day, count) for each of the last `days` days, today last, zeros included."""
    today = timezone.localdate()
    first = today - timedelta(days=days - 1)
    counts = dict(
        Supporter.objects.filter(created_at__date__gte=first)
        .annotate(day=TruncDate("created_at"))
        .values_list("day")
        .annotate(n=Count("pk"))
        .values_list("day", "n")
    )
    return [
        (first + timedelta(days=i), counts.get(first + timedelta(days=i), 0)) for i in range(days)
    ]


@register.inclusion_tag("volunteers/admin/_dashboard.html", takes_context=True)
def volunteers_dashboard(context):
    user = context["request"].user
    # Each link shows only to someone who may open the page behind it (no bare 403s).
    links = {
        "supporters": user.has_perm("volunteers.view_supporter"),
        "updates": user.has_perm("volunteers.view_update"),
    }
    if not any(links.values()):
        return {"show": False}
    per_day = signups_per_day()
    peak = max((n for _, n in per_day), default=0) or 1
    bar_width = CHART_WIDTH / len(per_day)
    bars = [
        {
            "day": day,
            "count": n,
            "x": round(i * bar_width + 1, 1),
            "width": round(bar_width - 2, 1),
            "height": round(n / peak * (CHART_HEIGHT - 4), 1),
            "y": round(CHART_HEIGHT - n / peak * (CHART_HEIGHT - 4), 1),
        }
        for i, (day, n) in enumerate(per_day)
    ]
    return {
        "show": True,
        "links": links,
        "confirmed": Supporter.objects.confirmed().count(),
        "bars": bars,
        "total_30_days": sum(n for _, n in per_day),
        "chart_width": CHART_WIDTH,
        "chart_height": CHART_HEIGHT,
        "days": DAYS,
    }
