"""A Redis cache that treats an outage as a cache miss instead of an error page.

Everything cached here can be recomputed from the database, so a Redis blip should slow
pages down, not take the site offline. /healthz/ still reports the cache as down.
"""

import functools
import logging

from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

OUTAGE = (RedisConnectionError, RedisTimeoutError)


def _miss_on_outage(fallback):
    def decorate(method):
        @functools.wraps(method)
        def wrapper(self, *args, **kwargs):
            try:
                return method(self, *args, **kwargs)
            except OUTAGE as exc:
                logger.warning("Cache unavailable (%s): %s treated as a miss", exc, method.__name__)
                return fallback(*args, **kwargs) if callable(fallback) else fallback

        return wrapper

    return decorate


def _default_argument(key, default=None, *args, **kwargs):
    return default


class ReusingRedisCacheClient(RedisCacheClient):
    """Django builds a new redis.Redis for every cache call; on loopback that costs about as
    much as the round trip itself. One client per connection pool is enough (redis-py
    clients are thread-safe, and Django's cache objects are per thread anyway)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class ResilientRedisCache(RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = ReusingRedisCacheClient

    get = _miss_on_outage(_default_argument)(RedisCache.get)
    get_many = _miss_on_outage({})(RedisCache.get_many)
    has_key = _miss_on_outage(False)(RedisCache.has_key)
    add = _miss_on_outage(False)(RedisCache.add)
    set = _miss_on_outage(None)(RedisCache.set)
    set_many = _miss_on_outage([])(RedisCache.set_many)
    touch = _miss_on_outage(False)(RedisCache.touch)
    delete = _miss_on_outage(False)(RedisCache.delete)
    delete_many = _miss_on_outage(None)(RedisCache.delete_many)
