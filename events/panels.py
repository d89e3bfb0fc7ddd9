"""What sessions show on the core's pages: the home page's cards and next sessions, and the
organisers' dashboard panel."""

from datetime import timedelta

from django.http import HttpRequest
from django.utils import timezone

from campaign_site.core.panels import Panel, panel_register
from events.models import Event
from events.selectors import next_sessions_by_kind

NEXT_SESSIONS_PER_KIND = 3


def next_sessions_context(request: HttpRequest) -> dict:
    sessions = next_sessions_by_kind(per_kind=NEXT_SESSIONS_PER_KIND)
    return {"canvass_sessions": sessions["canvass"], "phonebank_sessions": sessions["phonebank"]}


def dashboard_context(request: HttpRequest) -> dict:
    now = timezone.now()
    sessions = (
        Event.objects.filter(starts_at__gte=now, starts_at__lt=now + timedelta(days=7))
        .exclude(status=Event.Status.DRAFT)
        .with_counts()
        .order_by("starts_at")
    )
    return {"sessions": list(sessions), "can_add": request.user.has_perm("events.add_event")}


def panels_register() -> None:
    panel_register(Panel(slot="home-help", order=10, template="events/includes/_help_cards.html"))
    panel_register(
        Panel(
            slot="home",
            order=10,
            template="events/includes/_next_sessions.html",
            context=next_sessions_context,
            topics=("events", "event-places"),
        )
    )
    panel_register(
        Panel(
            slot="dashboard",
            order=20,
            template="events/admin/_dashboard.html",
            context=dashboard_context,
            visible=lambda request: request.user.has_perm("events.view_event"),
        )
    )
