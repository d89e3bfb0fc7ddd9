"""Fixtures for the performance checks: the public pages, and rows to show on them."""

import pytest

from tests.benchmarks.fill import fill

HANDFUL = {"supporters": 6, "sessions": 6, "signups": 5, "donations": 4}


@pytest.fixture
def stripe_on(settings):
    """Donations switched on (no call to Stripe is made by the pages tested here)."""
    settings.STRIPE_SECRET_KEY = "sk_test_performance"
    settings.STRIPE_PUBLISHABLE_KEY = "pk_test_performance"
    settings.STRIPE_WEBHOOK_SECRET = "whsec_performance"


@pytest.fixture
def handful(db, stripe_on):
    fill(**HANDFUL, tag="handful")


def public_pages() -> list[str]:
    """Every public page a visitor lands on, with one upcoming session's page."""
    from events.models import Event

    session = Event.objects.published().upcoming().order_by("starts_at", "pk").first()
    return [
        "/",
        "/events/",
        "/events/?kind=canvass",
        f"/events/{session.slug}/",
        "/donate/",
        "/join/",
        "/events/calendar.ics",
        "/events/?postcode=DE22&radius=10",
    ]
