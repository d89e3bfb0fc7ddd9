import pytest

from volunteers.models import Supporter
from volunteers.services import supporter_get_or_create

pytestmark = pytest.mark.django_db


def test_reuses_the_supporter_whatever_the_case_of_the_address():
    first, created = supporter_get_or_create(email=" Sam@Example.ORG ", source="rsvp")
    again, created_again = supporter_get_or_create(email="sam@example.org", source="donation")

    assert created and not created_again
    assert first.pk == again.pk
    assert again.email == "sam@example.org"
    assert Supporter.objects.count() == 1


def test_creating_a_supporter_subscribes_them_to_nothing():
    supporter, _ = supporter_get_or_create(email="sam@example.org", source="rsvp", name="Sam")

    assert not Supporter.objects.confirmed().exists()
    assert not (supporter.wants_updates or supporter.wants_canvass_alerts)


def test_fills_in_blanks_but_never_overwrites():
    supporter_get_or_create(email="sam@example.org", source="rsvp", name="Sam")

    supporter, _ = supporter_get_or_create(
        email="sam@example.org", source="rsvp", name="Samuel", phone="07700 900123"
    )

    assert supporter.name == "Sam"
    assert supporter.phone == "07700 900123"
