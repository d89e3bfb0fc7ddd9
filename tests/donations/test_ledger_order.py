"""One campaign's money, its Stripe events delivered in shuffled order with duplicates and
the agent's returns in between: the progress figure always equals the hand-computed sum."""

import random

import pytest
from django.contrib.auth import get_user_model

from donations.models import Donation
from donations.selectors import money_received_totals
from donations.services import donation_checkout_start, donation_return
from tests.donations.helpers import gift, post_event

pytestmark = pytest.mark.django_db

SEEDS = range(6)
# Kept, by hand:
#   Ann  one-off £30, £10 refunded in the dashboard              -> £20
#   Ben  one-off £80, returned by the agent through Stripe        -> £0
#   Cat  monthly £5, three months, the second refunded in full   -> £10
#   Dev  monthly £60, two months, returned by the agent           -> £0
#   Eve  one-off £25, refunded £5 and then £5 more (two events)   -> £15
HAND_SUM = 2_000 + 0 + 1_000 + 0 + 1_500


@pytest.fixture(autouse=True)
def _stripe(stripe_fake):
    return stripe_fake


def started(amount, kind, email, fake) -> tuple[Donation, dict]:
    donation = gift(amount, kind=kind, email=email, name="Sam Patel")
    donation_checkout_start(donation=donation, return_base_url="http://testserver")
    return donation, fake.complete(donation.stripe_checkout_session_id)


@pytest.mark.parametrize("seed", SEEDS)
def test_shuffled_duplicated_deliveries_end_at_the_hand_sum(client, stripe_fake, seed):
    shuffle = random.Random(seed)
    agent = get_user_model().objects.create_user("agent")
    monthly, one_off = Donation.Kind.MONTHLY, Donation.Kind.ONE_OFF
    ann, ann_session = started(3_000, one_off, "ann@example.org", stripe_fake)
    ben, ben_session = started(8_000, one_off, "ben@example.org", stripe_fake)
    cat, cat_session = started(500, monthly, "cat@example.org", stripe_fake)
    dev, dev_session = started(6_000, monthly, "dev@example.org", stripe_fake)
    eve, eve_session = started(2_500, one_off, "eve@example.org", stripe_fake)

    events = []
    for session in (ann_session, ben_session, cat_session, dev_session, eve_session):
        events += stripe_fake.events_for_payment(session["id"])
    cat_invoices = [stripe_fake.pay_invoice(cat_session["subscription"]) for _ in range(2)]
    dev_invoice = stripe_fake.pay_invoice(dev_session["subscription"])
    for invoice in [*cat_invoices, dev_invoice]:
        events += stripe_fake.events_for_invoice(invoice["id"])
    stripe_fake.refund(ann_session["payment_intent"], 1_000)
    events.append(stripe_fake.refund_event(ann_session["payment_intent"]))
    cat_second = stripe_fake.intent_of(cat_invoices[0]["id"])
    stripe_fake.refund(cat_second, 500)
    events.append(stripe_fake.refund_event(cat_second))
    eve_intent = eve_session["payment_intent"]
    stripe_fake.refund(eve_intent, 500)
    events.append(stripe_fake.refund_event(eve_intent))  # amount_refunded 500
    stripe_fake.refund(eve_intent, 500)
    events.append(stripe_fake.refund_event(eve_intent))  # amount_refunded 1,000
    # Stripe delivers some events twice, and a later event can overtake an earlier one.
    events += shuffle.sample(events, k=len(events) // 2)
    shuffle.shuffle(events)
    returns = [ben.pk, dev.pk]
    plan = [("event", event) for event in events] + [("return", pk) for pk in returns]
    shuffle.shuffle(plan)

    while plan:
        kind, item = plan.pop(0)
        if kind == "event":
            assert post_event(client, item).status_code == 200
            continue
        donation = Donation.objects.get(pk=item)
        if donation.first_received_at is None:  # nothing to return yet: later
            plan.append((kind, item))
            continue
        donation_return(donation_id=item, user=agent, method="stripe")
        # Stripe tells us about each refund the return made, at some later moment, twice.
        for payment in donation.payments.all():
            refund_event = stripe_fake.refund_event(payment.stripe_payment_intent_id)
            for _ in range(2):
                plan.insert(shuffle.randrange(len(plan) + 1), ("event", refund_event))

    assert money_received_totals().raised_pence == HAND_SUM
    net = {d.email: d.net_pence for d in Donation.objects.all()}
    assert net["ann@example.org"] == 2_000
    assert net["cat@example.org"] == 1_000
    assert net["eve@example.org"] == 1_500
    assert money_received_totals().donors == 3
    for returned in (ben, dev):
        returned.refresh_from_db()
        assert returned.check_status == Donation.Check.RETURNED
    # Every payment the agent returned through Stripe was refunded there exactly once.
    refunded = {}
    for refund in stripe_fake.refunds.values():
        refunded[refund["payment_intent"]] = (
            refunded.get(refund["payment_intent"], 0) + refund["amount"]
        )
    assert refunded[ben_session["payment_intent"]] == 8_000
    assert all(amount <= stripe_fake.intents[intent] for intent, amount in refunded.items())
