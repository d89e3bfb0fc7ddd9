import pytest

from tests.events.factories import EventFactory


@pytest.fixture
def canvass(db):
    return EventFactory(title="Canvassing in Allestree", slug="canvassing-in-allestree")


@pytest.fixture
def online_phonebank(db):
    return EventFactory(phonebank=True, title="Tuesday phonebank", slug="tuesday-phonebank")
