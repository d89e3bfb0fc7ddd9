"""The site's own URLs plus `/bench/trivial/`: a fixed response through the same middleware,
the floor that Django itself costs on this server; and `/bench/calling/<token>/`: the
caller's screen's two services (claim, save a result) with a one-line answer instead of the
page, to show how much of a claim is the services and how much the page around them.

The public forms' rate limits are raised so that the sign-up POST measures the sign-up
(the limiter still runs on every request), not a stream of 429 answers to one address; so is
the callers' claim limit, for simulated callers who claim far faster than anyone can dial.
"""

from datetime import datetime

from django.http import HttpResponse
from django.urls import path
from django.utils import timezone
from django.views.decorators.http import require_POST

import events.phonebank.views
import volunteers.views
from campaign_site.core.ratelimit import RateLimit
from campaign_site.urls import urlpatterns as site_urlpatterns
from events.phonebank.caller_selectors import caller_from_token
from events.phonebank.models import CallAssignment
from events.phonebank.services import caller_claim, caller_result_save

volunteers.views.SIGNUP_RATE = RateLimit(scope="signup", limit=10**9, window_seconds=600)
events.phonebank.views.CLAIM_RATE = RateLimit(
    scope="phonebank-claim", limit=10**9, window_seconds=600
)


def trivial(request):
    return HttpResponse("ok", content_type="text/plain")


@require_POST
def calling_services(request, token):
    """What the caller's screen does on "Next call" and "Save", without the page: the
    same services, the same checks, an answer of one line. (The result is saved without
    script answers: parsing them is the page's work.)"""
    caller = caller_from_token(token=token)
    if caller is None or caller.suspended:
        return HttpResponse("not a caller", status=404)
    now = timezone.now()
    if request.POST.get("action") == "next":
        hold = caller_claim(caller=caller, now=now)
        return HttpResponse(f'name="assignment" value="{hold.pk}"' if hold else "nobody")
    assignment = CallAssignment.objects.get(pk=request.POST["assignment"])
    callback_at = None
    if request.POST.get("callback_at"):
        callback_at = timezone.make_aware(datetime.fromisoformat(request.POST["callback_at"]))
    caller_result_save(
        caller=caller,
        assignment=assignment,
        result=request.POST["result"],
        callback_at=callback_at,
        now=now,
    )
    return HttpResponse("Saved:")


urlpatterns = [
    path("bench/trivial/", trivial),
    path("bench/calling/<str:token>/", calling_services),
    *site_urlpatterns,
]
