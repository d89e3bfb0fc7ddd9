"""The email provider's tracking webhook (bounces, complaints), behind anymail's basic auth.

Only the provider the site sends through (ANYMAIL_ESP) answers, at the address anymail gives
it (/anymail/<esp>/tracking/); every other provider's address is a 404, so a provider that
is not configured cannot fail on its missing keys or libraries.
"""

from functools import cache

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt


@cache
def _tracking_view(esp: str):
    """anymail's tracking view for this provider; None if it has none."""
    from anymail import urls as anymail_urls

    for pattern in anymail_urls.urlpatterns:
        if pattern.name == f"{esp}_tracking_webhook":
            return pattern.callback
    return None


@csrf_exempt
def tracking_webhook(request: HttpRequest, esp: str) -> HttpResponse:
    view = _tracking_view(esp) if esp == settings.ANYMAIL_ESP else None
    if view is None:
        raise Http404("Not the email provider this site sends through")
    return view(request)
