"""The £50 rule, one function: the form, the model, the agent's checks and checkout agree."""

import uuid

import pytest
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from donations.forms import DonateForm
from donations.models import Donation, DonationSettings
from donations.permissibility import permissibility_missing, permissibility_needed
from donations.services import GiftDetails, donation_create, permissibility_problems

COMPLETE = {
    "name": "Sam Patel",
    "address_line1": "12 Kedleston Road",
    "town": "Derby",
    "postcode": "DE22 1GB",
    "permissible_source": Donation.Source.ELECTOR,
    "declared": True,
}
# One thing missing at a time, and the field the rule names for it.
GAPS = [
    ({"name": "Sam"}, "name"),
    ({"address_line1": " "}, "address_line1"),
    ({"town": ""}, "town"),
    ({"postcode": ""}, "postcode"),
    ({"postcode": "XX1 1XX"}, "postcode"),
    ({"permissible_source": ""}, "permissible_source"),
    ({"declared": False}, "declaration"),
]


def missing_fields(amount_pence, **details):
    return [m.field for m in permissibility_missing(amount_pence=amount_pence, **details)]


def test_fifty_pounds_exactly_needs_nothing_and_a_penny_more_needs_everything():
    empty = dict.fromkeys(COMPLETE, "") | {"declared": False}

    assert not permissibility_needed(5_000)
    assert missing_fields(5_000, **empty) == []
    assert permissibility_needed(5_001)
    assert missing_fields(5_001, **empty) == [
        "name",
        "address_line1",
        "town",
        "postcode",
        "permissible_source",
        "declaration",
    ]
    assert missing_fields(5_001, **COMPLETE) == []


@pytest.mark.parametrize(("gap", "field"), GAPS)
def test_the_rule_names_each_gap(gap, field):
    assert missing_fields(10_000, **(COMPLETE | gap)) == [field]


@pytest.mark.django_db
@pytest.mark.parametrize(("gap", "field"), GAPS)
def test_the_form_refuses_each_gap_next_to_its_field(gap, field):
    details = COMPLETE | gap
    data = {
        "form_token": str(uuid.uuid4()),
        "amount": "10000",
        "frequency": "one_off",
        "email": "sam@example.org",
        **{k: v for k, v in details.items() if k != "declared"},
        **({"declaration": "on"} if details["declared"] else {}),
    }

    form = DonateForm(data, limits=DonationSettings(min_pence=100, max_pence=250_000))

    assert not form.is_valid()
    assert list(form.errors) == [field]


@pytest.mark.django_db
@pytest.mark.parametrize(("gap", "field"), GAPS)
def test_checkout_and_the_model_refuse_each_gap(gap, field):
    gift = GiftDetails(
        form_token=uuid.uuid4(),
        kind=Donation.Kind.ONE_OFF,
        amount_pence=10_000,
        email="sam@example.org",
        **(COMPLETE | gap),
    )

    with pytest.raises(ValidationError) as refused:
        donation_create(gift=gift)

    assert list(refused.value.message_dict) == [
        NON_FIELD_ERRORS if field == "declaration" else field
    ]
    assert Donation.objects.count() == 0


@pytest.mark.parametrize(("gap", "field"), GAPS)
def test_the_agents_checks_name_each_gap(gap, field):
    details = COMPLETE | gap
    declared = details.pop("declared")
    donation = Donation(
        amount_pence=10_000, declared_at=timezone.now() if declared else None, **details
    )

    [problem] = permissibility_problems(donation)

    assert (
        problem == permissibility_missing(amount_pence=10_000, declared=declared, **details)[0].what
    )


@pytest.mark.django_db
def test_checkout_keeps_no_details_for_fifty_pounds_or_less():
    donation, _ = donation_create(
        gift=GiftDetails(
            form_token=uuid.uuid4(),
            kind=Donation.Kind.ONE_OFF,
            amount_pence=5_000,
            email="sam@example.org",
            **COMPLETE,
        )
    )

    assert (donation.address_line1, donation.town, donation.postcode) == ("", "", "")
    assert donation.declared_at is None
    assert permissibility_problems(donation) == []


@pytest.mark.django_db
def test_the_database_refuses_a_gift_over_50_without_a_town():
    donation, _ = donation_create(
        gift=GiftDetails(
            form_token=uuid.uuid4(),
            kind=Donation.Kind.ONE_OFF,
            amount_pence=10_000,
            email="sam@example.org",
            **COMPLETE,
        )
    )

    with pytest.raises(IntegrityError), transaction.atomic():
        Donation.objects.filter(pk=donation.pk).update(town="")
