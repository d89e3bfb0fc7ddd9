"""Signed, opaque tokens for the links in a volunteer's emails."""

from django.core import signing

from events.models import Rsvp

CANCEL_SALT = "events.rsvp-cancel"


def rsvp_cancel_token(rsvp: Rsvp) -> str:
    return signing.dumps(rsvp.uid.hex, salt=CANCEL_SALT, compress=True)


def rsvp_uid_from_cancel_token(token: str) -> str | None:
    try:
        value = signing.loads(token, salt=CANCEL_SALT)
    except signing.BadSignature:
        return None
    return value if isinstance(value, str) else None
