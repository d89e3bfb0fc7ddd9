"""The hand-off to the workers never fails a request whose write has committed."""

import logging

import pytest
from django.db import transaction

from campaign_site.core.models import OutboundEmail
from campaign_site.core.workers import enqueue_after_commit, enqueue_now
from tests.conftest import require, services_available
from volunteers.services import supporter_subscribe

pytestmark = pytest.mark.services


class NotJson:
    """An argument the broker's JSON serialiser refuses: a failure that is not an outage."""


def test_a_hand_off_that_fails_for_any_reason_is_logged_and_left_for_the_sweep(caplog):
    require(services_available(), "Redis (REDIS_URL) as the broker")

    with caplog.at_level(logging.ERROR, logger="campaign_site.core.workers"):
        handed_off = enqueue_now("campaign_site.core.tasks.outbox_send_task", [NotJson()])

    assert handed_off is False
    [record] = caplog.records
    assert "left for the sweep" in record.getMessage()
    assert record.exc_info is not None  # with its traceback, for whoever looks


@pytest.mark.django_db(transaction=True)
def test_a_sign_up_commits_even_when_its_hand_off_fails(caplog):
    require(services_available(), "Redis (REDIS_URL) as the broker")

    logged = caplog.at_level(logging.ERROR, logger="campaign_site.core.workers")
    with logged, transaction.atomic():
        supporter = supporter_subscribe(email="casey@example.org", source="join", page="/join/")
        enqueue_after_commit("campaign_site.core.tasks.outbox_send_task", [NotJson()])

    supporter.refresh_from_db()
    assert OutboundEmail.objects.filter(to=supporter.email).exists()  # waits for the sweep
    assert "left for the sweep" in caplog.text
