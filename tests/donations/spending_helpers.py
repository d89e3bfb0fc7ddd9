"""Small helpers for the spending ledger's tests: the period, items, staff in each role."""

from datetime import date

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from donations.models import SpendingItem, SpendingSettings
from tests.support.admin import sign_in_with_two_factor

PERIOD_START = date(2026, 5, 18)
PERIOD_END = date(2026, 7, 2)
DECLARED = date(2026, 7, 3)


def period(**changes) -> SpendingSettings:
    values = {
        "electorate": 70_000,
        "seat_type": SpendingSettings.SeatType.BOROUGH,
        "period_start": PERIOD_START,
        "period_end": PERIOD_END,
        **changes,
    }
    row, _ = SpendingSettings.objects.update_or_create(pk=1, defaults=values)
    return row


def item(**changes) -> SpendingItem:
    values = {
        "supplier": "Derby Print Co",
        "description": "10,000 leaflets",
        "category": SpendingItem.Category.UNSOLICITED,
        "amount_pence": 45_000,
        "incurred_on": date(2026, 6, 1),
        **changes,
    }
    return SpendingItem.objects.create(**values)


def staff(role: str | None, username: str | None = None):
    """A staff account in `role` (None: a superuser)."""
    name = username or (role or "super").lower().replace(" ", "-")
    model = get_user_model()
    if role is None:
        return model.objects.create_superuser(username=name, password="x", email=f"{name}@x.org")
    user = model.objects.create_user(username=name, password="x", is_staff=True)
    user.groups.add(Group.objects.get(name=role))
    return user


def signed_in(client, role: str | None, username: str | None = None):
    user = staff(role, username)
    sign_in_with_two_factor(client, user)
    return user
