"""A small fixed-window rate limiter on the Django cache, for public forms.

Keyed by a scope (e.g. "signup") and the client's address (REMOTE_ADDR: put the proxy's
real-client header into REMOTE_ADDR at the edge if there is one). The address is hashed
before it goes into a cache key. A cache outage fails open: a person is never refused
because Redis is down, and nothing raises.
"""

import hashlib
import logging
import time
from dataclasses import dataclass

from django.core.cache import cache

from campaign_site.cache import OUTAGE

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
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def ratelimit_hit(*, request, rate: RateLimit) -> bool:
    """Count this request against the client's allowance; True when it goes over."""
    window = int(time.time() // rate.window_seconds)
    client = hashlib.sha256(client_ip(request).encode()).hexdigest()[:32]
    key = f"ratelimit:{rate.scope}:{client}:{window}"
    try:
        cache.add(key, 0, timeout=rate.window_seconds + 5)
        try:
            count = cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, timeout=rate.window_seconds + 5)
            count = 1
    except OUTAGE as exc:
        logger.warning("Rate limit %s not checked, cache unavailable: %s", rate.scope, exc)
        return False
    return count > rate.limit
