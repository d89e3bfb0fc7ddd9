from django.conf import settings
from django.http import HttpRequest

from donations import stripe_gateway


def donations(request: HttpRequest) -> dict:
    """`donate_offered`: whether pages show Donate buttons and links. In production only once
    Stripe is set up (before that a button would lead to "not set up yet"); with debug on
    always, so the pages can be worked on as they will look."""
    return {"donate_offered": stripe_gateway.stripe_configured() or settings.DEBUG}
