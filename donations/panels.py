"""What donations show on the core's pages: the home page's card with the progress, and the
organisers' dashboard panels (money raised; spending against the limit)."""

from django.http import HttpRequest

from campaign_site.core.panels import Panel, panel_register
from donations.selectors import check_queue_counts, progress_get
from donations.spending_selectors import ledger_summary


def dashboard_context(request: HttpRequest) -> dict:
    return {
        "progress": progress_get(),
        "checks": check_queue_counts(),
        "can_open_queue": request.user.has_perm("donations.view_donationtocheck"),
    }


def spending_context(request: HttpRequest) -> dict:
    return {"summary": ledger_summary()}


def panels_register() -> None:
    panel_register(
        Panel(
            slot="home-help",
            order=30,
            template="donations/includes/_help_card.html",
            topics=("donations",),
        )
    )
    panel_register(
        Panel(
            slot="dashboard",
            order=30,
            template="donations/admin/_dashboard.html",
            context=dashboard_context,
            visible=lambda request: request.user.has_perm("donations.view_donation"),
        )
    )
    panel_register(
        Panel(
            slot="dashboard",
            order=35,
            template="donations/admin/_spending_dashboard.html",
            context=spending_context,
            visible=lambda request: request.user.has_perm("donations.view_spendingitem"),
        )
    )
