"""The caller's own signed link, in the emails about a phonebank session they signed up for.

It names their sign-up (Rsvp) and nothing else; whether it opens anything is decided on
every request (the session's times, calling hours, suspension, still going).
"""

from django.conf import settings
from django.core import signing
from django.urls import reverse

from events.models import Rsvp

CALLER_SALT = "events.phonebank.caller"


def caller_token(rsvp: Rsvp) -> str:
    return signing.Signer(salt=CALLER_SALT).sign(rsvp.uid.hex)


def caller_url(rsvp: Rsvp) -> str:
    return settings.SITE_URL + reverse("events:phonebank:caller", args=[caller_token(rsvp)])


def rsvp_uid_from_caller_token(token: str) -> str | None:
    try:
        return signing.Signer(salt=CALLER_SALT).unsign(token)
    except signing.BadSignature:
        return None
