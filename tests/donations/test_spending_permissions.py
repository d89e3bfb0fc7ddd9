"""Who may do what in the spending ledger: organisers propose; only the agent (and a
superuser) approves, changes or deletes, sets the limit and exports the return."""

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse

from campaign_site.core.models import AuditEvent
from donations.models import SpendingItem
from donations.services import spending_item_approve, spending_item_delete
from tests.donations.spending_helpers import item, period, signed_in, staff
from tests.donations.test_spending_ledger import ADD, form

pytestmark = pytest.mark.django_db

ROLES = ["Organiser", "Agent", "Data manager", None]  # None: a superuser
MAY_PROPOSE = {"Organiser", "Agent", None}
MAY_DECIDE = {"Agent", None}  # approve, change, delete, the limit, the return


def change_url(pk):
    return reverse("admin:donations_spendingitem_change", args=[pk])


@pytest.fixture
def proposed():
    period()
    return item()


@pytest.mark.parametrize("role", ROLES)
def test_who_may_propose(client, role):
    period()
    signed_in(client, role)

    response = client.post(ADD, form())

    assert (response.status_code == 302) == (role in MAY_PROPOSE), response.status_code
    assert SpendingItem.objects.exists() == (role in MAY_PROPOSE)
    if role in MAY_PROPOSE:
        assert SpendingItem.objects.get().status == "proposed"


@pytest.mark.parametrize("role", ROLES)
def test_who_may_approve(client, role, proposed):
    signed_in(client, role)

    by_button = client.post(reverse("admin:donations_spendingitem_approve", args=[proposed.pk]))
    proposed.refresh_from_db()
    assert (proposed.status == "approved") == (role in MAY_DECIDE)
    assert (by_button.status_code == 403) == (role not in MAY_DECIDE)


@pytest.mark.parametrize("role", ROLES)
def test_who_may_approve_with_the_list_action(client, role, proposed):
    signed_in(client, role)

    client.post(
        reverse("admin:donations_spendingitem_changelist"),
        {"action": "approve_selected", "_selected_action": [proposed.pk]},
    )

    proposed.refresh_from_db()
    assert (proposed.status == "approved") == (role in MAY_DECIDE)


@pytest.mark.parametrize("role", ROLES)
def test_who_may_change(client, role, proposed):
    signed_in(client, role)

    response = client.post(change_url(proposed.pk), form(amount="999"))

    proposed.refresh_from_db()
    assert (proposed.amount_pence == 99_900) == (role in MAY_DECIDE), response.status_code


@pytest.mark.parametrize("role", ROLES)
def test_who_may_delete(client, role, proposed):
    signed_in(client, role)

    client.post(reverse("admin:donations_spendingitem_delete", args=[proposed.pk]), {"post": "yes"})

    assert SpendingItem.objects.exists() == (role not in MAY_DECIDE)


@pytest.mark.parametrize("role", ROLES)
def test_who_may_see_the_summary_and_export_the_return(client, role, proposed):
    signed_in(client, role)

    summary = client.get(reverse("admin:donations_spendingitem_summary"))
    page = client.get(reverse("admin:donations_spendingitem_return"))
    csv = client.get(reverse("admin:donations_spendingitem_return_csv"))
    limit = client.get(reverse("admin:donations_spendingsettings_change", args=[1]))

    assert summary.status_code == (200 if role != "Data manager" else 403)
    assert page.status_code == (200 if role in MAY_DECIDE else 403)
    assert csv.status_code == (200 if role in MAY_DECIDE else 403)
    assert limit.status_code == (200 if role in MAY_DECIDE else 403)
    exports = AuditEvent.objects.filter(action="export").count()
    assert exports == (2 if role in MAY_DECIDE else 0)


def test_the_services_refuse_an_organiser_whatever_the_entry_point(proposed):
    organiser = staff("Organiser")

    with pytest.raises(PermissionDenied):
        spending_item_approve(item_id=proposed.pk, actor=organiser)
    with pytest.raises(PermissionDenied):
        spending_item_delete(item_id=proposed.pk, actor=organiser)
    proposed.refresh_from_db()
    assert proposed.status == "proposed"


def test_the_organiser_sees_no_approve_button_and_the_agent_does(proposed):
    organiser, agent = Client(), Client()
    signed_in(organiser, "Organiser")
    signed_in(agent, "Agent")
    button = f"Approve S{proposed.pk}"

    assert button not in organiser.get(change_url(proposed.pk)).content.decode()
    assert button in agent.get(change_url(proposed.pk)).content.decode()
