"""Each public page runs the same number of queries with the benchmark's volume as with
a handful of rows: nothing is queried per session, sign-up or donation.

The pages are rendered fresh (no cached page, no cached totals), as the first visitor after
a change sees them, and again warm. The volume is the benchmark's fill scaled down, so the
check runs in a few seconds; what matters is that it is many times the handful.
"""

import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.benchmarks.fill import fill
from tests.performance.conftest import public_pages

pytestmark = pytest.mark.django_db

VOLUME = {"supporters": 5_000, "sessions": 300, "signups": 3_000, "donations": 1_000}


def _fresh_cache(settings) -> None:
    caches = {name: dict(config) for name, config in settings.CACHES.items()}
    caches["default"]["KEY_PREFIX"] = f"test-{uuid.uuid4().hex[:12]}"
    settings.CACHES = caches


def _queries(client, settings) -> dict[str, tuple[int, int]]:
    """(cold, warm) queries for each page."""
    counts = {}
    for page in public_pages():  # rows made on first use (the donation limits) exist
        client.get(page)
    for page in public_pages():
        _fresh_cache(settings)
        runs = []
        for _ in range(2):
            with CaptureQueriesContext(connection) as queries:
                assert client.get(page).status_code == 200
            runs.append(len(queries))
        counts[page.replace(public_pages()[3], "/events/<session>/")] = tuple(runs)
    return counts


def test_queries_do_not_grow_with_the_volume(client, settings, handful):
    few = _queries(client, settings)
    fill(**VOLUME, tag="volume")
    many = _queries(client, settings)
    assert many == few
    # Warm, the pages everyone sees come from the cache without a query.
    assert {page: warm for page, (cold, warm) in many.items()} == dict.fromkeys(many, 0)
    # And cold, each costs a few queries at most.
    assert max(cold for cold, warm in many.values()) <= 6, many


def test_pages_for_a_visitor_with_a_session_run_the_same_queries_at_volume(
    client, settings, handful
):
    """Staff and people with a session get pages rendered for them: still no query per row."""
    client.cookies["sessionid"] = "not-a-real-session"
    few = _queries(client, settings)
    fill(**VOLUME, tag="volume")
    assert _queries(client, settings) == few
