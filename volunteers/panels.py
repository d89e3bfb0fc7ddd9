"""What the mailing list shows on the core's pages: the sign-up forms and the dashboard panel."""

from datetime import timedelta

from django.db.models import Count
from django.db.models.functions import TruncDate
from django.http import HttpRequest
from django.utils import timezone

from campaign_site.core.panels import Panel, panel_register
from volunteers.consent import FOOTER_STATEMENT, JOIN_BUTTON, JOIN_STATEMENT
from volunteers.forms import FooterSignupForm, JoinForm
from volunteers.models import Supporter

DAYS = 30
CHART_WIDTH = 300
CHART_HEIGHT = 80


def footer_signup_context(request: HttpRequest) -> dict:
    """The compact sign-up at the foot of every page: the same for every visitor (no
    token, no personal data), so pages that carry it can still be cached."""
    return {"form": FooterSignupForm(), "statement": FOOTER_STATEMENT, "page": request.path}


def home_signup_context(request: HttpRequest) -> dict:
    """The sign-up on the home page: an email address joins for campaign updates; the alert
    boxes are unticked extras."""
    return {"form": JoinForm(prefix="home"), "statement": JOIN_STATEMENT, "button": JOIN_BUTTON}


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


def dashboard_visible(request: HttpRequest) -> bool:
    user = request.user
    return user.has_perm("volunteers.view_supporter") or user.has_perm("volunteers.view_update")


def dashboard_context(request: HttpRequest) -> dict:
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
        # Each link shows only to someone who may open the page behind it (no bare 403s).
        "links": {
            "supporters": request.user.has_perm("volunteers.view_supporter"),
            "updates": request.user.has_perm("volunteers.view_update"),
        },
        "confirmed": Supporter.objects.confirmed().count(),
        "bars": bars,
        "total_30_days": sum(n for _, n in per_day),
        "chart_width": CHART_WIDTH,
        "chart_height": CHART_HEIGHT,
        "days": DAYS,
    }


def panels_register() -> None:
    panel_register(
        Panel(
            slot="footer",
            template="volunteers/includes/_footer_signup.html",
            context=footer_signup_context,
            # The home page has its own, fuller sign-up form.
            visible=lambda request: request.path != "/",
        )
    )
    panel_register(
        Panel(
            slot="home",
            order=20,
            template="volunteers/includes/_home_signup.html",
            context=home_signup_context,
        )
    )
    panel_register(
        Panel(
            slot="dashboard",
            order=10,
            template="volunteers/admin/_dashboard.html",
            context=dashboard_context,
            visible=dashboard_visible,
        )
    )
