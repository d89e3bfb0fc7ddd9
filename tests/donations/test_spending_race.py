"""Two agents approving one item at once: one approves it, the other is told who did
(real threads, each with its own PostgreSQL connection)."""

import threading
import time

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections, transaction

from campaign_site.core.models import AuditEvent
from donations.models import SpendingItem
from donations.services import spending_item_approve
from tests.conftest import require
from tests.donations.spending_helpers import item, period, staff


@pytest.fixture
def postgres(transactional_db):
    require(connection.vendor == "postgresql", "PostgreSQL (DATABASE_URL) for row locks")


def waiting_for_locks() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_locks WHERE NOT granted")
        return cursor.fetchone()[0]


def test_two_agents_approving_at_once_one_wins_and_the_other_is_told(postgres):
    period()
    proposed = item()
    agents = [staff("Agent", "agent-a"), staff("Agent", "agent-b")]
    held, release = threading.Event(), threading.Event()

    def hold_the_row():
        # Someone is already writing the item: both agents arrive while its lock is held.
        try:
            with transaction.atomic():
                SpendingItem.objects.select_for_update().get(pk=proposed.pk)
                held.set()
                release.wait(timeout=30)
        finally:
            connections.close_all()

    results: dict[str, object] = {}

    def approve(agent):
        try:
            spending_item_approve(item_id=proposed.pk, actor=agent)
            results[agent.username] = "approved"
        except ValidationError as exc:
            results[agent.username] = " ".join(exc.messages)
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            results[agent.username] = exc
        finally:
            connections.close_all()

    holder = threading.Thread(target=hold_the_row)
    holder.start()
    assert held.wait(timeout=10)
    racers = [threading.Thread(target=approve, args=(agent,)) for agent in agents]
    for thread in racers:
        thread.start()
    # Both agents are queued on the item's lock (a condition polled, not a sleep as proof):
    # without the lock they would both have read "proposed" and approved it.
    deadline = time.monotonic() + 10
    while waiting_for_locks() < 2 and time.monotonic() < deadline and len(results) < 2:
        time.sleep(0.02)
    release.set()
    holder.join(timeout=30)
    for thread in racers:
        thread.join(timeout=30)

    assert sorted(value == "approved" for value in results.values()) == [False, True], results
    winner = next(name for name, value in results.items() if value == "approved")
    loser_message = next(value for name, value in results.items() if value != "approved")
    assert str(loser_message).startswith(f"S{proposed.pk} was already approved by {winner} (")
    proposed.refresh_from_db()
    assert (proposed.status, proposed.approved_by_name) == ("approved", winner)
    assert AuditEvent.objects.filter(action="spending_approve").count() == 1


@pytest.mark.django_db
def test_the_second_agent_sees_who_approved_it_first(client):
    from django.test import Client
    from django.urls import reverse

    from tests.donations.spending_helpers import signed_in

    period()
    proposed = item()
    first, second = Client(), client
    signed_in(first, "Agent", "agent-a")
    signed_in(second, "Agent", "agent-b")
    url = reverse("admin:donations_spendingitem_approve", args=[proposed.pk])

    first.post(url)
    page = second.post(url, follow=True).content.decode()

    assert f"S{proposed.pk} was already approved by agent-a (" in page
    proposed.refresh_from_db()
    assert proposed.approved_by_name == "agent-a"
