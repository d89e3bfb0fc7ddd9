"""The end date reaches Stripe through the real Celery worker: set in admin, every running
monthly gift follows; a gift started afterwards gets it too."""

import time as clock
from datetime import timedelta

import pytest
from django.utils import timezone

from donations.models import Donation
from tests.donations.fake_stripe import SECRET_KEY, WEBHOOK_SECRET
from tests.donations.helpers import running_gift
from tests.donations.test_monthly_end import end_of

pytestmark = pytest.mark.services


@pytest.fixture
def stripe_worker(worker, stripe_fake):
    """The session's real worker, restarted to talk to the fake Stripe, and back after."""
    before = dict(worker.env)
    worker.stop()
    worker.env.update(
        STRIPE_SECRET_KEY=SECRET_KEY,
        STRIPE_PUBLISHABLE_KEY="pk_test_fake_campaign",
        STRIPE_WEBHOOK_SECRET=WEBHOOK_SECRET,
        STRIPE_API_BASE=stripe_fake.url,
    )
    worker.start()
    yield worker
    worker.stop()
    worker.env = before
    worker.start()


def wait_until(check, timeout=30.0):
    deadline = clock.monotonic() + timeout
    while not check():
        if clock.monotonic() > deadline:
            return False
        clock.sleep(0.1)
    return True


def test_the_worker_ends_running_and_new_monthly_gifts_at_the_date(
    stripe_worker, admin_client, client, stripe_fake
):
    gifts = [running_gift(client, stripe_fake, email=f"m{n}@example.org") for n in range(3)]
    day = timezone.localdate() + timedelta(days=30)

    response = admin_client.post(
        "/admin/donations/donationsettings/1/change/",
        {"smallest": "1", "largest": "2,500", "monthly_end_date": day.isoformat()},
    )
    assert response.status_code == 302

    def all_end(donations):
        return all(
            stripe_fake.subscriptions[d.stripe_subscription_id]["cancel_at"] == end_of(day)
            for d in donations
        )

    assert wait_until(lambda: all_end(gifts)), stripe_worker.log()[-3000:]
    assert wait_until(lambda: Donation.objects.filter(stripe_cancel_at__isnull=False).count() == 3)
    newcomer = running_gift(client, stripe_fake, email="new@example.org")
    assert wait_until(lambda: all_end([newcomer])), stripe_worker.log()[-3000:]
    assert all(
        c["params"]["proration_behavior"] == "none"
        for c in stripe_fake.calls("POST", "/v1/subscriptions/")
    )
