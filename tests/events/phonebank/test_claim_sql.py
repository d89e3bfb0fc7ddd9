"""The claim's SQL says who may be called in its own words (events/phonebank/services/
claim.py); it must agree with Contact.objects.callable(), which admin, results and imports
use, for every kind of contact that may or may not be called."""

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from events.phonebank.models import Contact, DoNotCall
from events.phonebank.services.claim import CALLABLE, C, S
from tests.events.phonebank.factories import ContactFactory
from tests.volunteers.factories import SupporterFactory

pytestmark = pytest.mark.django_db


def callable_by_claim_sql() -> set[int]:
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT c.id FROM {C} c LEFT JOIN {S} s ON s.id = c.supporter_id "  # noqa: S608
            f"WHERE {CALLABLE}"
        )
        return {row[0] for row in cursor.fetchall()}


def test_the_claim_and_the_queryset_agree_on_who_may_be_called():
    now = timezone.now()
    agreed = SupporterFactory(phone="+447700900101", phone_consent_at=now - timedelta(days=3))
    withdrew = SupporterFactory(phone="+447700900102", phone_consent_at=None)
    moved = SupporterFactory(phone="+447700900199", phone_consent_at=now - timedelta(days=3))
    may = {
        ContactFactory(phone="+447700900100"),  # imported, with where and when they agreed
        ContactFactory(phone="+447700900101", supporter=agreed),
    }
    may_not = {
        ContactFactory(phone="+447700900102", supporter=withdrew),
        ContactFactory(phone="+447700900103", supporter=moved),  # agreed on another number
        ContactFactory(phone="+447700900104", consent_text=""),  # no consent behind it
        ContactFactory(phone="+447700900105"),  # on the do-not-call list, below
        ContactFactory(phone="", erased_at=now),  # erased
    }
    DoNotCall.objects.create(phone="+447700900105", reason=DoNotCall.Reason.ASKED)

    by_queryset = set(Contact.objects.callable().values_list("pk", flat=True))

    assert by_queryset == {contact.pk for contact in may}
    assert callable_by_claim_sql() == by_queryset
    assert not by_queryset & {contact.pk for contact in may_not}
