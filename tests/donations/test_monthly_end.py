"""Monthly gifts end by themselves at the campaign's end date, set in admin: every new
gift's subscription gets its own end at Stripe, running gifts follow a new or changed date
(in a worker task, idempotent), and the donor is told the date wherever it matters."""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerError

from campaign_site.celery import app as celery_app
from campaign_site.core.models import OutboundEmail
from donations.models import Donation, DonationSettings
from donations.services import donation_settings_update
from donations.tasks import donations_sweep_task, subscription_end_task
from donations.tokens import stop_monthly_token
from tests.donations.helpers import form_data, post_event, running_gift

pytestmark = pytest.mark.django_db
LONDON = ZoneInfo("Europe/London")


@pytest.fixture(autouse=True)
def _stripe(stripe_fake):
    return stripe_fake


@pytest.fixture
def eager():
    """Tasks run in this process as they are queued (test_monthly_end_worker uses a real
    worker)."""
    before = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = before


def end_on(day) -> DonationSettings:
    row = DonationSettings.objects.get_or_create(pk=1)[0]
    row.monthly_end_date = day
    return donation_settings_update(settings_row=row)


def end_of(day) -> int:
    """Midnight at the end of `day`, UK time, as Stripe's timestamp."""
    return int(datetime.combine(day + timedelta(days=1), time.min, tzinfo=LONDON).timestamp())


def modify_calls(fake) -> list[dict]:
    return [c for c in fake.calls("POST", "/v1/subscriptions/") if c["path"].count("/") == 3]


def test_a_new_monthly_gift_ends_at_the_campaigns_end_date(
    client, stripe_fake, eager, django_capture_on_commit_callbacks
):
    day = timezone.localdate() + timedelta(days=40)
    end_on(day)

    with django_capture_on_commit_callbacks(execute=True):
        donation = running_gift(client, stripe_fake)

    subscription = stripe_fake.subscriptions[donation.stripe_subscription_id]
    assert subscription["cancel_at"] == end_of(day)
    [call] = modify_calls(stripe_fake)
    assert call["params"] == {"cancel_at": str(end_of(day)), "proration_behavior": "none"}
    donation.refresh_from_db()
    assert int(donation.stripe_cancel_at.timestamp()) == end_of(day)
    # Stripe delivering it all again, or the task running again, asks Stripe nothing more.
    with django_capture_on_commit_callbacks(execute=True):
        for event in stripe_fake.events_for_payment(donation.stripe_checkout_session_id):
            post_event(client, event)
    assert subscription_end_task.apply(args=(donation.pk,)).get() is False
    assert len(modify_calls(stripe_fake)) == 1


def test_without_an_end_date_monthly_gifts_run_on_and_stripe_is_not_asked(
    client, stripe_fake, eager, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        donation = running_gift(client, stripe_fake)

    assert stripe_fake.subscriptions[donation.stripe_subscription_id]["cancel_at"] is None
    assert modify_calls(stripe_fake) == []
    receipt = OutboundEmail.objects.get(key__startswith="donation-receipt:")
    assert "every month until you stop it" in receipt.body_text


def test_the_donor_is_told_when_it_ends(client, stripe_fake):
    day = timezone.localdate() + timedelta(days=40)
    end_on(day)
    words = f"{day.day} {day:%B %Y}"

    page = client.get("/donate/").content.decode()
    assert f"Monthly gifts end by themselves on {words}" in page

    donation = running_gift(client, stripe_fake)
    receipt = OutboundEmail.objects.get(key__startswith="donation-receipt:")
    assert f"until the campaign's monthly gifts end on {words}" in receipt.body_text
    assert f"end on <strong>{words}</strong>" in receipt.body_html

    stop = client.get(f"/donate/stop/{stop_monthly_token(donation_id=donation.pk)}/")
    assert f"It ends by itself on <strong>{words}</strong>" in stop.content.decode()


def test_setting_or_changing_the_date_ends_the_running_gifts(
    admin_client, client, stripe_fake, eager, django_capture_on_commit_callbacks
):
    first = running_gift(client, stripe_fake, email="a@example.org")
    second = running_gift(client, stripe_fake, email="b@example.org")
    stopped = running_gift(client, stripe_fake, email="c@example.org")
    client.post(f"/donate/stop/{stop_monthly_token(donation_id=stopped.pk)}/")
    url = "/admin/donations/donationsettings/1/change/"
    day = timezone.localdate() + timedelta(days=20)

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            url, {"smallest": "1", "largest": "2,500", "monthly_end_date": day.isoformat()}
        )

    assert response.status_code == 302
    messages = [m.message for m in response.wsgi_request._messages]
    assert "2 running monthly gifts are being updated at Stripe." in " ".join(messages)
    for donation in (first, second):
        assert stripe_fake.subscriptions[donation.stripe_subscription_id]["cancel_at"] == end_of(
            day
        )
    assert len(modify_calls(stripe_fake)) == 2

    later = day + timedelta(days=7)
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(
            url,
            {"smallest": "1", "largest": "2,500", "monthly_end_date": later.isoformat()},
        )
        # Saving again with the same date asks Stripe nothing.
        admin_client.post(
            url,
            {"smallest": "2", "largest": "2,500", "monthly_end_date": later.isoformat()},
        )
    assert len(modify_calls(stripe_fake)) == 4
    assert stripe_fake.subscriptions[first.stripe_subscription_id]["cancel_at"] == end_of(later)

    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(url, {"smallest": "1", "largest": "2,500"})
    assert stripe_fake.subscriptions[first.stripe_subscription_id]["cancel_at"] is None
    assert Donation.objects.filter(stripe_cancel_at__isnull=False).count() == 0


def test_a_date_that_is_not_after_today_is_refused(admin_client):
    page = admin_client.get("/admin/donations/donationsettings/1/change/").content.decode()
    assert "No end date is set for monthly gifts" in page

    response = admin_client.post(
        "/admin/donations/donationsettings/1/change/",
        {
            "smallest": "1",
            "largest": "2,500",
            "monthly_end_date": timezone.localdate().isoformat(),
        },
    )

    assert response.status_code == 200
    assert "Choose a day after today" in response.content.decode()
    assert DonationSettings.objects.get(pk=1).monthly_end_date is None


def test_after_the_end_date_the_form_offers_only_a_gift_once(client, stripe_fake):
    day = timezone.localdate() + timedelta(days=3)
    end_on(day)
    DonationSettings.objects.update(monthly_end_date=timezone.localdate())  # time has passed

    page = client.get("/donate/").content.decode()
    assert 'value="monthly"' not in page
    assert "monthly gifts ended on" in page

    response = client.post("/donate/", form_data(client, frequency="monthly"))

    assert response.status_code == 400
    assert "you can still give once" in response.content.decode()
    assert Donation.objects.count() == 0


def test_a_gift_still_running_after_the_end_is_stopped(client, stripe_fake):
    donation = running_gift(client, stripe_fake)
    DonationSettings.objects.update_or_create(
        pk=1, defaults={"monthly_end_date": timezone.localdate() - timedelta(days=2)}
    )

    assert subscription_end_task.apply(args=(donation.pk,)).get() is True

    donation.refresh_from_db()
    assert donation.stopped_at is not None
    assert stripe_fake.subscriptions[donation.stripe_subscription_id]["status"] == "canceled"


def test_stripe_unreachable_the_task_retries_and_the_sweep_catches_up(
    client, stripe_fake, eager, monkeypatch, django_capture_on_commit_callbacks
):
    donation = running_gift(client, stripe_fake)
    day = timezone.localdate() + timedelta(days=10)

    def broker_down(*args, **kwargs):
        raise BrokerError("Redis is down")

    monkeypatch.setattr("donations.tasks.monthly_gifts_end_task.apply_async", broker_down)
    with django_capture_on_commit_callbacks(execute=True):
        end_on(day)  # the task cannot be queued: nothing raises, the date is saved
    assert DonationSettings.objects.get(pk=1).monthly_end_date == day
    assert stripe_fake.subscriptions[donation.stripe_subscription_id]["cancel_at"] is None

    stripe_fake.fail_next = 1_000  # Stripe down for longer than the task's retries
    monkeypatch.setattr(subscription_end_task, "max_retries", 0)
    result = subscription_end_task.apply(args=(donation.pk,))
    assert result.state == "FAILURE"
    donation.refresh_from_db()
    assert donation.stripe_cancel_at is None

    stripe_fake.fail_next = 0

    with django_capture_on_commit_callbacks(execute=True):
        assert donations_sweep_task.apply().get() == {"intents": 0, "ends": 1}
    assert stripe_fake.subscriptions[donation.stripe_subscription_id]["cancel_at"] == end_of(day)
    assert donations_sweep_task.apply().get() == {"intents": 0, "ends": 0}
