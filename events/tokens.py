"""Signed, opaque tokens for the links in a volunteer's emails."""

from django.core import signing

from events.models import Rsvp
from volunteers.models import Supporter

CANCEL_SALT = "events.rsvp-cancel"
MY_SESSIONS_SALT = "events.my-sessions"


def rsvp_cancel_token(rsvp: Rsvp) -> str:
    return signing.dumps(rsvp.uid.hex, salt=CANCEL_SALT, compress=True)


def rsvp_uid_from_cancel_token(token: str) -> str | None:
    try:
        value = signing.loads(token, salt=CANCEL_SALT)
    except signing.BadSignature:
        return None
    return value if isinstance(value, str) else None


def my_sessions_token(supporter: Supporter) -> str:
    """Behind the "my sessions" link: the supporter's random manage token, signed (no id,
    no address). It never expires, like the cancel links; erasure replaces the manage
    token, so old links die with the data."""
    return signing.Signer(salt=MY_SESSIONS_SALT).sign(supporter.manage_token)


def manage_token_from_my_sessions_token(token: str) -> str | None:
    try:
        return signing.Signer(salt=MY_SESSIONS_SALT).unsign(token)
    except signing.BadSignature:
        return None
