"""Two people racing for the last spot never both get it (real threads, PostgreSQL)."""

import threading

import pytest
from django.db import connection, connections

from events.models import Rsvp
from events.services import rsvp_create
from tests.conftest import require
from tests.events.factories import EventFactory, RsvpFactory


@pytest.fixture
def postgres(transactional_db):
    require(connection.vendor == "postgresql", "PostgreSQL (DATABASE_URL) for row locks")


def race(event, emails: list[str]) -> list[BaseException]:
    """Sign each address up from its own thread and database connection, all at once."""
    barrier = threading.Barrier(len(emails))
    errors: list[BaseException] = []

    def sign_up(email):
        try:
            barrier.wait(timeout=10)
            rsvp_create(event=event, first_name="Racer", email=email)
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=sign_up, args=(email,)) for email in emails]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return errors


def test_many_people_racing_for_the_last_spot(postgres):
    event = EventFactory(capacity=3)
    RsvpFactory.create_batch(2, event=event)

    errors = race(event, [f"racer{number}@example.org" for number in range(12)])

    assert errors == []
    racers = Rsvp.objects.filter(first_name="Racer")
    assert racers.filter(status=Rsvp.Status.GOING).count() == 1
    assert racers.filter(status=Rsvp.Status.WAITING).count() == 11
    assert event.rsvps.filter(status=Rsvp.Status.GOING).count() == 3


def test_the_same_address_racing_itself_gets_one_place(postgres):
    event = EventFactory(capacity=10)

    errors = race(event, ["twice@example.org", "TWICE@example.org", "twice@example.org"])

    assert errors == []
    assert Rsvp.objects.filter(supporter__email="twice@example.org").count() == 1
