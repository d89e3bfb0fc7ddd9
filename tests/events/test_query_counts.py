"""Page query counts do not grow with the number of sessions and sign-ups."""

import itertools
import uuid
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from events.models import Event, Rsvp
from tests.events.factories import EventFactory
from volunteers.models import Supporter

pytestmark = pytest.mark.django_db

PAGES = [
    "/",
    "/events/",
    "/events/?kind=phonebank",
    "/events/?month={month}",
    "/events/{slug}/",
    "/events/calendar.ics",
    "/events/?postcode=DE22&radius=25",
    "/events/?postcode=DE22&month={month}",
]


def build(sessions: int, signups: int) -> Event:
    """`sessions` published sessions from tomorrow on, and `signups` sign-ups spread over them."""
    start = timezone.now().replace(minute=0, second=0, microsecond=0) + timedelta(days=1)
    template = EventFactory.build()
    events = Event.objects.bulk_create(
        Event(
            uid=uuid.uuid4(),
            kind=Event.Kind.PHONEBANK if number % 3 == 0 else Event.Kind.CANVASS,
            title=f"Session {number}",
            slug=f"session-{number}",
            starts_at=start + timedelta(hours=6 * number),
            ends_at=start + timedelta(hours=6 * number + 2),
            status=Event.Status.PUBLISHED,
            capacity=25 if number % 2 else None,
            public_area=template.public_area,
            place_name=template.place_name,
            address=template.address,
            postcode=template.postcode,
            grid_easting=template.grid_easting,
            grid_northing=template.grid_northing,
        )
        for number in range(sessions)
    )
    per_session = max(1, signups // sessions)
    supporters = Supporter.objects.bulk_create(
        Supporter(email=f"person{number}@example.org", name="Person")
        for number in range(per_session)
    )
    statuses = itertools.cycle(
        [Rsvp.Status.GOING] * 8 + [Rsvp.Status.WAITING, Rsvp.Status.CANCELLED]
    )
    Rsvp.objects.bulk_create(
        (
            Rsvp(event=event, supporter=supporter, first_name="Person", status=next(statuses))
            for event in events
            for supporter in supporters
        ),
        batch_size=5000,
    )
    return events[0]


def count_queries(client, event: Event) -> dict[str, int]:
    counts = {}
    for page in PAGES:
        url = page.format(slug=event.slug, month=f"{event.starts_at:%Y-%m}")
        client.get(url)  # warm the cached campaign settings
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200, url
        counts[page] = len(queries)
    return counts


def test_query_counts_do_not_grow_with_volume(client):
    first = build(sessions=10, signups=50)
    few = count_queries(client, first)
    Rsvp.objects.all().delete()
    Event.objects.all().delete()
    Supporter.objects.all().delete()

    first = build(sessions=1000, signups=20_000)
    assert Event.objects.count() == 1000 and Rsvp.objects.count() == 20_000
    many = count_queries(client, first)

    print(f"\nquery counts with 10 sessions: {few}\nwith 1,000 sessions, 20,000 sign-ups: {many}")
    assert few == many
    assert few["/events/"] <= 6 and few["/events/{slug}/"] <= 6
    assert few["/events/?postcode=DE22&radius=25"] <= 6
