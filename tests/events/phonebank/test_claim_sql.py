"""The claim's SQL says who may be called in its own words (events/phonebank/services/
claim.py); it must agree with Contact.objects.callable() (consented lists) and
.callable_screened() (screened lists, screening fresh), which admin, results and imports use,
for every kind of contact that may or may not be called."""

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from events.phonebank.models import CallList, Contact, DoNotCall, ScreeningFile, TpsNumber
from events.phonebank.services.claim import PLACE, callable_sql
from events.phonebank.tps import key_check, phone_hash
from tests.events.phonebank.factories import AssignmentFactory, CallListFactory, ContactFactory
from tests.volunteers.factories import SupporterFactory

pytestmark = pytest.mark.django_db


def callable_by_claim_sql(call_list: CallList, *, fresh: bool = True) -> set[int]:
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT c.id FROM {PLACE} WHERE a.call_list_id = %s "  # noqa: S608
            f"AND {callable_sql(screening_fresh=fresh)}",
            [call_list.pk],
        )
        return {row[0] for row in cursor.fetchall()}


def test_the_claim_and_the_querysets_agree_on_who_may_be_called():
    now = timezone.now()
    agreed = SupporterFactory(phone="+447700900101", phone_consent_at=now - timedelta(days=3))
    withdrew = SupporterFactory(phone="+447700900102", phone_consent_at=None)
    moved = SupporterFactory(phone="+447700900199", phone_consent_at=now - timedelta(days=3))
    tps = ScreeningFile.objects.create(kind=ScreeningFile.Kind.TPS, key_check=key_check())
    for phone in ("+447700900106", "+447700900107"):
        TpsNumber.objects.create(screening_file=tps, number_hash=phone_hash(phone))
    consented = {
        ContactFactory(phone="+447700900100"),  # imported, with where and when they agreed
        ContactFactory(phone="+447700900101", supporter=agreed),
        ContactFactory(phone="+447700900107"),  # registered with the TPS, but agreed
    }
    unregistered = ContactFactory(phone="+447700900108", consent_text="", consent_at=None)
    never = {
        ContactFactory(phone="+447700900102", supporter=withdrew),
        ContactFactory(phone="+447700900103", supporter=moved),  # agreed on another number
        ContactFactory(phone="+447700900105"),  # on the do-not-call list, below
        ContactFactory(phone="+447700900106", consent_text=""),  # TPS, no agreement
        ContactFactory(phone="", erased_at=now),  # erased
    }
    no_hash = ContactFactory(phone="+447700900109", consent_text="")
    Contact.objects.filter(pk=no_hash.pk).update(phone_hash=None)  # never taken for clean
    never.add(no_hash)
    DoNotCall.objects.create(phone="+447700900105", reason=DoNotCall.Reason.ASKED)
    lists = {basis: CallListFactory(basis=basis) for basis in CallList.Basis.values}
    for contact in consented | never | {unregistered}:
        for call_list in lists.values():
            AssignmentFactory(call_list=call_list, contact=contact)

    by_queryset = set(Contact.objects.callable().values_list("pk", flat=True))
    screened = set(Contact.objects.callable_screened().values_list("pk", flat=True))

    assert by_queryset == {contact.pk for contact in consented}
    assert screened == by_queryset | {unregistered.pk}
    assert callable_by_claim_sql(lists[CallList.Basis.CONSENTED]) == by_queryset
    assert callable_by_claim_sql(lists[CallList.Basis.SCREENED]) == screened
    assert callable_by_claim_sql(lists[CallList.Basis.SCREENED], fresh=False) == set()
    assert callable_by_claim_sql(lists[CallList.Basis.CONSENTED], fresh=False) == by_queryset
