"""The site's own URLs plus `/bench/trivial/`: a fixed response through the same middleware,
the floor that Django itself costs on this server.

The public forms' rate limits are raised so that the sign-up POST measures the sign-up
(the limiter still runs on every request), not a stream of 429 answers to one address; so is
the callers' claim limit, for simulated callers who claim far faster than anyone can dial.
"""

from django.http import HttpResponse
from django.urls import path

import events.phonebank.views
import volunteers.views
from campaign_site.core.ratelimit import RateLimit
from campaign_site.urls import urlpatterns as site_urlpatterns

volunteers.views.SIGNUP_RATE = RateLimit(scope="signup", limit=10**9, window_seconds=600)
events.phonebank.views.CLAIM_RATE = RateLimit(
    scope="phonebank-claim", limit=10**9, window_seconds=600
)


def trivial(request):
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [path("bench/trivial/", trivial), *site_urlpatterns]
