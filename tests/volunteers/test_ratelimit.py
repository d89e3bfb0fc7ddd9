"""campaign_site.core.ratelimit: the fixed-window limiter the public forms share."""

import hashlib
import time

import pytest
from django.core.cache import cache
from django.test import RequestFactory

from campaign_site.core.ratelimit import RateLimit, client_key, ratelimit_hit, ratelimit_hit_for
from campaign_site.settings import redis_cache

RATE = RateLimit(scope="test-form", limit=3, window_seconds=60)


def request_from(address: str):
    return RequestFactory().post("/", REMOTE_ADDR=address)


def test_allows_the_limit_then_refuses_per_address_and_scope():
    hits = [ratelimit_hit(request=request_from("10.0.0.1"), rate=RATE) for _ in range(5)]

    assert hits == [False, False, False, True, True]
    assert not ratelimit_hit(request=request_from("10.0.0.2"), rate=RATE)
    other_scope = RateLimit(scope="other-form", limit=3, window_seconds=60)
    assert not ratelimit_hit(request=request_from("10.0.0.1"), rate=other_scope)


def test_a_new_window_starts_afresh(monkeypatch):
    now = [1_000_000.0]
    monkeypatch.setattr("campaign_site.core.ratelimit.time.time", lambda: now[0])
    for _ in range(3):
        ratelimit_hit(request=request_from("10.0.0.1"), rate=RATE)
    assert ratelimit_hit(request=request_from("10.0.0.1"), rate=RATE)

    now[0] += 60

    assert not ratelimit_hit(request=request_from("10.0.0.1"), rate=RATE)


@pytest.mark.django_db
def test_a_redis_outage_lets_people_through_instead_of_an_error(settings, client):
    # Nothing listens on port 1.
    settings.CACHES = {"default": redis_cache("redis://127.0.0.1:1/0", timeout_seconds=0.2)}

    assert not ratelimit_hit(request=request_from("10.0.0.1"), rate=RATE)
    response = client.post("/join/", {"email": "kim@example.org", "wants_updates": "on"})
    assert response.status_code == 302


def test_behind_a_proxy_the_visitor_is_told_apart_by_the_address_the_proxy_saw(settings):
    from campaign_site.core.ratelimit import client_ip

    settings.TRUSTED_PROXY_COUNT = 1
    proxied = RequestFactory().post(
        "/", REMOTE_ADDR="10.0.0.254", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.7"
    )
    direct = RequestFactory().post("/", REMOTE_ADDR="10.0.0.254")

    # The left entry is whatever the visitor sent; the right one is what our proxy saw.
    assert client_ip(proxied) == "203.0.113.7"
    assert client_ip(direct) == "10.0.0.254"
    settings.TRUSTED_PROXY_COUNT = 0
    assert client_ip(proxied) == "10.0.0.254"  # no proxy trusted: the header is ignored


def test_the_address_is_kept_only_as_a_keyed_hmac(settings):
    for _ in range(2):
        ratelimit_hit(request=request_from("10.0.0.1"), rate=RATE)

    window = int(time.time() // RATE.window_seconds)
    assert cache.get(f"ratelimit:{RATE.scope}:{client_key('ip:10.0.0.1')}:{window}") == 2
    plain = hashlib.sha256(b"10.0.0.1").hexdigest()[:32]
    assert cache.get(f"ratelimit:{RATE.scope}:{plain}:{window}") is None
    assert plain not in client_key("ip:10.0.0.1")
    keyed = client_key("ip:10.0.0.1")
    settings.SECRET_KEY = "another-secret-key-for-this-test-only"
    assert client_key("ip:10.0.0.1") != keyed  # nobody without the secret can redo it


def test_a_limit_on_who_is_asking_ignores_the_address():
    hits = [ratelimit_hit_for(who="caller:7", rate=RATE) for _ in range(4)]

    assert hits == [False, False, False, True]
    assert not ratelimit_hit_for(who="caller:8", rate=RATE)
