"""Admin writes dates and times the UK way, in 24 hours, as the public pages do."""

from datetime import datetime, timedelta

import pytest
from django.utils import formats

from events.ics import LONDON
from tests.events.factories import EventFactory, RsvpFactory

pytestmark = pytest.mark.django_db

MONDAY_EVENING = datetime(2026, 12, 7, 18, 21, tzinfo=LONDON)


def test_django_formats_times_in_24_hours():
    assert formats.date_format(MONDAY_EVENING, "DATETIME_FORMAT") == "Mon 7 Dec 2026, 18:21"
    assert formats.date_format(MONDAY_EVENING, "SHORT_DATETIME_FORMAT") == "07/12/2026 18:21"
    assert formats.time_format(MONDAY_EVENING.time()) == "18:21"
    assert formats.date_format(MONDAY_EVENING.date()) == "7 Dec 2026"


def test_the_session_page_shows_and_asks_for_uk_times(admin_client):
    session = EventFactory(
        starts_at=MONDAY_EVENING,
        ends_at=MONDAY_EVENING + timedelta(hours=2),
        published_at=MONDAY_EVENING - timedelta(days=2, hours=6),  # Sat 5 Dec, 12:21
    )
    RsvpFactory(event=session, joined_at=MONDAY_EVENING - timedelta(hours=12))  # 06:21

    page = admin_client.get(f"/admin/events/event/{session.pk}/change/").content.decode()

    assert 'value="07/12/2026"' in page and 'value="18:21"' in page  # the boxes
    assert "Sat 5 Dec 2026, 12:21" in page  # published at
    assert "Mon 7 Dec 2026, 06:21" in page  # a sign-up's time
    assert "a.m." not in page and "p.m." not in page


def test_the_sessions_list_shows_uk_times(admin_client):
    EventFactory(starts_at=MONDAY_EVENING, ends_at=MONDAY_EVENING + timedelta(hours=2))

    page = admin_client.get("/admin/events/event/").content.decode()

    assert "Mon 7 Dec 2026, 18:21" in page
    assert "Mon 07 Dec" not in page
