"""A small fixed-window rate limiter on the Django cache, for public forms.

Keyed by a scope (e.g. "signup") and the client's address (see `client_ip`: behind a proxy,
set TRUSTED_PROXY_COUNT), or by who is asking when the site knows (`ratelimit_hit_for`: a
caller's claims count against the caller whichever address they come from). The address
goes into the cache key only as an HMAC keyed with SECRET_KEY: a plain hash of an IPv4
address is reversed by hashing all four billion. A cache outage fails open: a person is
never refused because Redis is down, and nothing raises (the cache answers None during an
outage).
"""

import logging
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.utils.crypto import salted_hmac

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class RateLimit:
    scope: str
    limit: int  # requests allowed per window
    window_seconds: int

    @property
    def window_minutes(self) -> int:
        return max(1, round(self.window_seconds / 60))


def client_ip(request) -> str:
    """The visitor's address.

    Behind TRUSTED_PROXY_COUNT proxies (a load balancer, nginx), REMOTE_ADDR is the nearest
    proxy's address for everyone; the visitor's is the one the outermost trusted proxy
    appended to X-Forwarded-For. A visitor can only add to that header, never change what
    the proxies appended, so entries further left are not trusted.
    """
    remote = request.META.get("REMOTE_ADDR", "") or "unknown"
    proxies = settings.TRUSTED_PROXY_COUNT
    if not proxies:
        return remote
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    forwarded = [part for part in forwarded if part]
    return forwarded[-proxies] if len(forwarded) >= proxies else remote


def client_key(value: str) -> str:
    """What stands for an address (or any identity) in a cache key: HMAC-SHA256 with
    SECRET_KEY, so the key cannot be turned back into the address."""
    return salted_hmac("campaign_site.ratelimit", value, algorithm="sha256").hexdigest()[:32]


def ratelimit_hit(*, request, rate: RateLimit) -> bool:
    """Count this request against the client's address; True when it goes over."""
    return _hit(rate=rate, who=f"ip:{client_ip(request)}")


def ratelimit_hit_for(*, who: str, rate: RateLimit) -> bool:
    """Count a request against `who` (e.g. "caller:<id>"), whatever its address; True
    when it goes over."""
    return _hit(rate=rate, who=who)


def _hit(*, rate: RateLimit, who: str) -> bool:
    window = int(time.time() // rate.window_seconds)
    key = f"ratelimit:{rate.scope}:{client_key(who)}:{window}"
    cache.add(key, 0, timeout=rate.window_seconds + 5)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=rate.window_seconds + 5)
        count = 1
    if count is None:
        logger.warning("Rate limit %s not checked: the cache is unavailable", rate.scope)
        return False
    return count > rate.limit
