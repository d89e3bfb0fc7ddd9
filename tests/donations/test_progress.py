"""Progress to target: money kept, net of refunds and returns, cached and refreshed."""

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.template import Context, Template
from django.test.utils import CaptureQueriesContext

from campaign_site.core.models import CampaignSettings
from campaign_site.core.services import campaign_settings_update
from donations.models import Donation
from donations.selectors import progress_get
from donations.services import donation_return
from tests.donations import stripe_payloads as payloads
from tests.donations.helpers import completed_event, gift, pay, post_event

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _stripe(stripe_fake):
    return stripe_fake


def refund(client, intent: str, amount: int, refunded: int):
    event = payloads.event(
        "charge.refunded",
        payloads.charge(payment_intent=intent, amount=amount, amount_refunded=refunded),
    )
    assert post_event(client, event).status_code == 200


def test_progress_after_payments_refunds_and_returns_equals_the_hand_sum(client, stripe_fake):
    agent = get_user_model().objects.create_user("agent")
    # Kept whole: £10 (Ann) + £25 (Ben) + £7.50 (Ann again, same donor)
    pay(client, gift(1_000, email="ann@example.org"), payment_intent="pi_a1")
    pay(client, gift(2_500, email="ben@example.org"), payment_intent="pi_b")
    pay(client, gift(750, email="Ann@Example.org"), payment_intent="pi_a2")
    # Partly refunded: £40 with £15 back -> £25 kept (Cat)
    pay(client, gift(4_000, email="cat@example.org"), payment_intent="pi_c")
    refund(client, "pi_c", 4_000, 1_500)
    # Fully refunded: £20 -> nothing kept, Dan not counted
    pay(client, gift(2_000, email="dan@example.org"), payment_intent="pi_d")
    refund(client, "pi_d", 2_000, 2_000)
    # Returned by the agent (refunded through Stripe): £100 -> nothing kept, Eve not counted
    eve = gift(10_000, email="eve@example.org")
    pay(client, eve, payment_intent="pi_e")
    stripe_fake.intents["pi_e"] = 10_000
    donation_return(donation_id=eve.pk, user=agent, method="stripe")
    # Returned another way (a cheque): £60 -> nothing kept, Fay not counted
    fay = gift(6_000, email="fay@example.org")
    pay(client, fay, payment_intent="pi_f")
    donation_return(donation_id=fay.pk, user=agent, method="Cheque sent 3 May")
    # Monthly: two payments of £5 (Gus)
    gus = gift(500, kind=Donation.Kind.MONTHLY, email="gus@example.org")
    pay(client, gus, subscription="sub_g", invoice="in_g1")
    post_event(
        client,
        payloads.event(
            "invoice.paid",
            payloads.invoice(
                invoice_id="in_g2",
                subscription_id="sub_g",
                metadata={"donation_id": str(gus.pk)},
                amount=500,
            ),
        ),
    )
    # Never counted: pending, failed, abandoned
    gift(5_000, email="hal@example.org")
    failed = gift(3_000, email="ivy@example.org")
    pay(client, failed, paid=False)
    post_event(
        client,
        payloads.event(
            "checkout.session.async_payment_failed",
            payloads.checkout_session(donation_id=failed.pk, amount=3_000, payment_status="unpaid"),
        ),
    )

    hand_sum = 1_000 + 2_500 + 750 + (4_000 - 1_500) + 500 + 500
    progress = progress_get()
    assert progress.raised_pence == hand_sum == 7_750
    assert progress.donors == 4  # Ann, Ben, Cat, Gus
    assert progress.target_pence == 1_300_000
    page = client.get("/").content.decode()
    assert "£77.50</strong> raised of £13,000 from 4 donors" in page


def test_progress_is_cached_and_refreshed_when_a_payment_changes_it(
    client, django_capture_on_commit_callbacks
):
    assert progress_get().raised_pence == 0
    donation = gift(2_500)

    with CaptureQueriesContext(connection) as queries:
        assert progress_get().raised_pence == 0
    assert len(queries) == 0

    with django_capture_on_commit_callbacks(execute=True):
        pay(client, donation)

    assert progress_get().raised_pence == 2_500
    with django_capture_on_commit_callbacks(execute=True):
        refund(client, donation.payments.get().stripe_key, 2_500, 500)
    assert progress_get().raised_pence == 2_000


def test_the_target_comes_from_the_campaign_settings(client):
    campaign = CampaignSettings.objects.get(pk=1)
    campaign.target_pence = 2_000_000
    campaign_settings_update(campaign=campaign)
    pay(client, gift(5_000))

    progress = progress_get()
    assert progress.target_pence == 2_000_000
    assert "raised of £20,000" in client.get("/donate/").content.decode()


def test_the_progress_bar_spends_no_queries_when_cached(client):
    pay(client, gift(2_500))
    template = Template("{% load donations_tags %}{% donations_progress %}")
    template.render(Context({}))  # warm the cache

    with CaptureQueriesContext(connection) as queries:
        html = template.render(Context({}))

    assert len(queries) == 0
    assert "£25</strong> raised of £13,000 from 1 donor" in html
    assert 'value="0"' in html  # 0% of £13,000, rounded down


def test_home_page_shows_the_progress(client):
    pay(client, gift(130_000, email="big@example.org", name="Big Donor"))

    page = client.get("/").content.decode()

    assert "£1,300</strong> raised of £13,000 from 1 donor" in page
    assert "10% of the target" in page


def test_a_full_target_shows_100_percent_and_never_more(client):
    campaign = CampaignSettings.objects.get(pk=1)
    campaign.target_pence = 1_000
    campaign_settings_update(campaign=campaign)
    pay(client, gift(2_500))

    assert progress_get().percent == 100


def test_completed_event_alone_is_enough_for_progress(client):
    donation = gift(1_200)
    assert post_event(client, completed_event(donation)).status_code == 200
    assert progress_get().raised_pence == 1_200


def test_home_page_spends_no_query_on_donations_when_cached(client):
    pay(client, gift(2_500))
    client.get("/")  # warm the caches

    with CaptureQueriesContext(connection) as queries:
        page = client.get("/").content.decode()

    assert "£25</strong> raised of £13,000" in page
    assert [q["sql"] for q in queries if "donations_" in q["sql"]] == []
