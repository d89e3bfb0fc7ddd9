"""Lock out repeated failed sign-ins to admin.

Failures are counted in the cache per account and per address. Five wrong passwords for one
account, or twenty from one address (a shared office can mistype), lock sign-in for that
account or address for fifteen minutes.
"""

import hashlib

from django.core.cache import cache

WINDOW_SECONDS = 15 * 60
MAX_FAILURES_PER_ACCOUNT = 5
MAX_FAILURES_PER_ADDRESS = 20
LOCKED_MESSAGE = (
    "Too many failed sign-in attempts. For your security, sign-in is paused for 15 minutes. "
    "If you have forgotten your password, ask the campaign's administrator to reset it."
)


def _account_key(username: str) -> str:
    digest = hashlib.sha256(username.strip().lower().encode()).hexdigest()[:32]
    return f"login-failures:account:{digest}"


def _address_key(address: str) -> str:
    return f"login-failures:address:{address}"


def login_is_locked(*, username: str, address: str) -> bool:
    counts = cache.get_many([_account_key(username), _address_key(address)])
    return (
        counts.get(_account_key(username), 0) >= MAX_FAILURES_PER_ACCOUNT
        or counts.get(_address_key(address), 0) >= MAX_FAILURES_PER_ADDRESS
    )


def login_failure_record(*, username: str, address: str) -> None:
    for key in (_account_key(username), _address_key(address)):
        cache.add(key, 0, timeout=WINDOW_SECONDS)
        try:
            cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, timeout=WINDOW_SECONDS)


def login_failures_clear(*, username: str) -> None:
    cache.delete(_account_key(username))
