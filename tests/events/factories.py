from datetime import datetime, timedelta

import factory
from django.utils import timezone

from events.geography import grid_point_of
from events.ics import LONDON
from events.models import Event, Rsvp
from volunteers.models import Supporter


def next_saturday_at(hour: int, minute: int = 0, weeks: int = 1) -> datetime:
    today = timezone.localdate(timezone=LONDON)
    days_ahead = (5 - today.weekday()) % 7 or 7
    saturday = today + timedelta(days=days_ahead + 7 * (weeks - 1))
    return datetime(saturday.year, saturday.month, saturday.day, hour, minute, tzinfo=LONDON)


class EventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Event

    kind = Event.Kind.CANVASS
    title = factory.Sequence(lambda n: f"Canvassing in Allestree {n}")
    slug = factory.Sequence(lambda n: f"canvassing-allestree-{n}")
    description = "We knock on doors in pairs. First time? We will show you how."
    starts_at = factory.LazyFunction(lambda: next_saturday_at(10))
    ends_at = factory.LazyAttribute(lambda event: event.starts_at + timedelta(hours=2, minutes=30))
    status = Event.Status.PUBLISHED
    public_area = "Allestree, DE22"
    place_name = "Allestree Park car park"
    address = "Duffield Road, Allestree, Derby"
    postcode = "DE22 2EY"
    # Placed as the session services place it (events.services.sessions).
    grid_easting = factory.LazyAttribute(
        lambda event: (grid_point_of(event.postcode) or (None,))[0]
    )
    grid_northing = factory.LazyAttribute(
        lambda event: (grid_point_of(event.postcode) or (None, None))[1]
    )
    location_is_public = False
    capacity = None
    contact_name = "Jo (organiser)"
    contact_phone = "07700 900123"

    class Params:
        phonebank = factory.Trait(
            kind=Event.Kind.PHONEBANK,
            title=factory.Sequence(lambda n: f"Tuesday phonebank {n}"),
            slug=factory.Sequence(lambda n: f"tuesday-phonebank-{n}"),
            format=Event.Format.ONLINE,
            online_link="https://meet.example.org/secret-room-4812",
            public_area="",
            place_name="",
            address="",
            postcode="",
        )


class SupporterFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Supporter

    email = factory.Sequence(lambda n: f"volunteer{n}@example.org")
    name = factory.Sequence(lambda n: f"Volunteer {n}")
    source = Supporter.Source.RSVP


class RsvpFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Rsvp

    event = factory.SubFactory(EventFactory)
    supporter = factory.SubFactory(SupporterFactory)
    first_name = factory.Sequence(lambda n: f"Sam{n}")
    status = Rsvp.Status.GOING
    going_since = factory.LazyFunction(lambda: timezone.now() - timedelta(days=3))
    joined_at = factory.LazyFunction(lambda: timezone.now() - timedelta(days=3))
