from datetime import timedelta

import pytest
from django.utils import timezone

from events.models import Event
from events.phonebank.services import call_list_create
from tests.events.factories import EventFactory, RsvpFactory
from tests.events.phonebank.factories import AssignmentFactory, ContactFactory, full_script


@pytest.fixture
def now():
    return timezone.now()


@pytest.fixture
def session(db, now):
    return EventFactory(
        phonebank=True,
        starts_at=now - timedelta(minutes=30),
        ends_at=now + timedelta(hours=2),
        status=Event.Status.PUBLISHED,
    )


@pytest.fixture
def script(db):
    return full_script()


@pytest.fixture
def call_list(session, script):
    return call_list_create(name="Allestree supporters", script=script, sessions=[session])


@pytest.fixture
def make_caller(session):
    def make(**kwargs):
        return RsvpFactory(event=kwargs.pop("event", session), **kwargs)

    return make


@pytest.fixture
def make_contacts(call_list, now):
    def make(count: int, *, on=None, start: int = 0, **kwargs):
        lists = on or [call_list]
        contacts = [
            ContactFactory(phone=f"+447700900{start + n:03d}", **kwargs) for n in range(count)
        ]
        for index, contact in enumerate(contacts):
            for target in lists:
                AssignmentFactory(
                    call_list=target,
                    contact=contact,
                    next_try_at=now - timedelta(minutes=60 - index),
                    added_at=now - timedelta(minutes=60 - index),
                )
        return contacts

    return make
