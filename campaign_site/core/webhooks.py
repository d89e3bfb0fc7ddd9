"""The email provider's tracking webhook (bounces, complaints), behind anymail's basic auth.

Only the provider the site sends through (ANYMAIL_ESP) answers, at the address anymail gives
it (/anymail/<esp>/tracking/); every other provider's address is a 404, so a provider that
is not configured cannot fail on its missing keys or libraries. The provider's own anymail
view parses the payload; one that cannot be read as that provider's events (not JSON, not
the shape the provider posts, a list where an address belongs) is refused with a 400 before
anything is recorded.
"""

from functools import cache
from typing import Any

from anymail.exceptions import AnymailAPIError
from django.conf import settings
from django.core.exceptions import SuspiciousOperation
from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt

from campaign_site.core.deliverability import tracking_event_problem

# What anymail's parsers raise on a body that is not the provider's payload: undecodable
# bytes and bad JSON (ValueError), an array or a string where an object belongs (TypeError,
# AttributeError, KeyError, IndexError), and Amazon SES's own wrapper for the same.
UNREADABLE = (ValueError, TypeError, AttributeError, KeyError, IndexError, AnymailAPIError)


class TrackingPayloadInvalid(SuspiciousOperation):
    """A tracking webhook body that is not the provider's events (Django answers 400)."""


class CheckedPayload:
    """Mixed into anymail's view: every event is parsed and checked before any is recorded."""

    def parse_events(self, request: HttpRequest) -> list[Any]:
        try:
            events = list(super().parse_events(request))  # type: ignore[misc]
        except UNREADABLE as exc:
            raise TrackingPayloadInvalid(f"Unreadable tracking webhook body ({exc!r})") from exc
        for event in events:
            problem = tracking_event_problem(event)
            if problem:
                raise TrackingPayloadInvalid(f"Tracking webhook event refused: {problem}")
        return events


@cache
def _tracking_view(esp: str):
    """anymail's tracking view for this provider, with the payload check; None if it has none."""
    from anymail import urls as anymail_urls

    for pattern in anymail_urls.urlpatterns:
        if pattern.name == f"{esp}_tracking_webhook":
            view_class = pattern.callback.view_class
            checked: Any = type(f"Checked{view_class.__name__}", (CheckedPayload, view_class), {})
            return checked.as_view()
    return None


@csrf_exempt
def tracking_webhook(request: HttpRequest, esp: str) -> HttpResponse:
    view = _tracking_view(esp) if esp == settings.ANYMAIL_ESP else None
    if view is None:
        raise Http404("Not the email provider this site sends through")
    return view(request)
