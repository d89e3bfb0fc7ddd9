"""The Stripe webhook: signed payloads shaped like Stripe's, for each event type handled."""

import itertools
import json
import time

import pytest

from donations.models import Donation, Payment, StripeEvent
from donations.selectors import money_received_totals
from donations.services import stripe_event_apply
from donations.tasks import donations_sweep_task
from tests.donations import stripe_payloads as payloads
from tests.donations.helpers import completed_event, gift, pay, post_event

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _stripe(stripe_fake):
    return stripe_fake


def test_completed_payment_is_recorded_as_received(client):
    donation = gift(2_500)

    event = pay(client, donation, payment_intent="pi_card1")

    assert donation.status == Donation.Status.RECEIVED
    assert donation.received_pence == 2_500
    assert donation.check_status == Donation.Check.NOT_NEEDED
    [payment] = donation.payments.all()
    assert (payment.stripe_key, payment.amount_pence) == ("pi_card1", 2_500)
    assert StripeEvent.objects.filter(event_id=event["id"]).count() == 1


def test_replay_changes_nothing(client, django_capture_on_commit_callbacks):
    donation = gift(2_500)
    event = pay(client, donation)

    response = post_event(client, event)

    assert response.status_code == 200
    assert response.content == b"Already applied."
    assert Payment.objects.count() == 1
    assert StripeEvent.objects.count() == 1
    donation.refresh_from_db()
    assert donation.received_pence == 2_500


def test_tampered_body_is_refused_and_nothing_stored(client):
    donation = gift(2_500)
    event = completed_event(donation)
    tampered = json.loads(json.dumps(event))
    tampered["data"]["object"]["amount_total"] = 1

    response = post_event(client, event, body=json.dumps(tampered).encode())

    assert response.status_code == 400
    assert StripeEvent.objects.count() == 0
    assert Payment.objects.count() == 0


def test_stale_timestamp_is_refused(client):
    donation = gift(2_500)
    event = completed_event(donation)

    response = post_event(client, event, timestamp=int(time.time()) - 301)

    assert response.status_code == 400
    assert StripeEvent.objects.count() == 0


def test_wrong_secret_and_missing_signature_are_refused(client):
    donation = gift(2_500)
    event = completed_event(donation)

    assert post_event(client, event, secret="whsec_someone_else").status_code == 400
    unsigned = client.post("/stripe/webhook/", data=event, content_type="application/json")
    assert unsigned.status_code == 400
    assert StripeEvent.objects.count() == 0


def test_delayed_method_is_processing_then_succeeds(client):
    donation = gift(2_500)
    pay(client, donation, payment_intent="pi_bacs", paid=False)
    assert donation.status == Donation.Status.PROCESSING
    assert donation.received_pence == 0

    session = payloads.checkout_session(
        donation_id=donation.pk, amount=2_500, payment_intent="pi_bacs"
    )
    response = post_event(
        client, payloads.event("checkout.session.async_payment_succeeded", session)
    )

    assert response.status_code == 200
    donation.refresh_from_db()
    assert donation.status == Donation.Status.RECEIVED
    assert donation.received_pence == 2_500


def test_async_success_before_completion_still_ends_received(client):
    donation = gift(2_500)
    session = payloads.checkout_session(
        donation_id=donation.pk, amount=2_500, payment_intent="pi_x", payment_status="paid"
    )
    post_event(client, payloads.event("checkout.session.async_payment_succeeded", session))
    late = dict(session, payment_status="unpaid")
    post_event(client, payloads.event("checkout.session.completed", late))

    donation.refresh_from_db()
    assert donation.status == Donation.Status.RECEIVED
    assert Payment.objects.count() == 1


def test_async_failure_records_nothing_received(client):
    donation = gift(2_500)
    pay(client, donation, paid=False)
    session = payloads.checkout_session(
        donation_id=donation.pk, amount=2_500, payment_status="unpaid"
    )

    post_event(client, payloads.event("checkout.session.async_payment_failed", session))

    donation.refresh_from_db()
    assert donation.status == Donation.Status.FAILED
    assert donation.received_pence == 0


def test_expired_checkout(client):
    donation = gift(2_500)
    session = payloads.checkout_session(
        donation_id=donation.pk, amount=2_500, status="expired", payment_status="unpaid"
    )

    post_event(client, payloads.event("checkout.session.expired", session))

    donation.refresh_from_db()
    assert donation.status == Donation.Status.EXPIRED


def test_partial_then_full_refund_counts_each_refund_once(client):
    donation = gift(5_000)
    pay(client, donation, payment_intent="pi_r")
    partial = payloads.charge(payment_intent="pi_r", amount=5_000, amount_refunded=1_000)
    full = payloads.charge(
        payment_intent="pi_r", amount=5_000, amount_refunded=5_000, charge_id=partial["id"]
    )

    post_event(client, payloads.event("charge.refunded", partial))
    donation.refresh_from_db()
    assert (donation.refunded_pence, donation.status) == (1_000, Donation.Status.RECEIVED)

    post_event(client, payloads.event("charge.refunded", full))
    # The partial refund's event delivered again (a new event id) adds nothing.
    post_event(client, payloads.event("charge.refunded", partial))

    donation.refresh_from_db()
    assert donation.refunded_pence == 5_000
    assert donation.status == Donation.Status.REFUNDED


def test_a_refunded_charge_carries_no_refund_list_and_its_total_counts(client):
    donation = gift(3_000)
    pay(client, donation, payment_intent="pi_nolist")

    post_event(
        client,
        payloads.event(
            "charge.refunded",
            payloads.charge(payment_intent="pi_nolist", amount=3_000, amount_refunded=1_200),
        ),
    )

    donation.refresh_from_db()
    assert donation.refunded_pence == 1_200


def test_refund_before_completion_still_ends_refunded(client):
    donation = gift(2_500)
    refund = payloads.charge(payment_intent="pi_early", amount=2_500, amount_refunded=2_500)

    assert post_event(client, payloads.event("charge.refunded", refund)).status_code == 200
    pay(client, donation, payment_intent="pi_early")

    assert donation.status == Donation.Status.REFUNDED
    assert donation.net_pence == 0


def test_monthly_gift_records_each_invoice_once_with_its_payment_intent(client, stripe_fake):
    donation = gift(500, kind=Donation.Kind.MONTHLY)
    stripe_fake.add_invoice_payment(invoice_id="in_1", payment_intent="pi_in1", amount=500)
    stripe_fake.add_invoice_payment(invoice_id="in_2", payment_intent="pi_in2", amount=500)
    pay(client, donation, subscription="sub_m", invoice="in_1")
    assert donation.stripe_subscription_id == "sub_m"
    metadata = {"donation_id": str(donation.pk)}

    first, second = (
        payloads.invoice(invoice_id=key, subscription_id="sub_m", metadata=metadata, amount=500)
        for key in ("in_1", "in_2")
    )
    assert "payment_intent" not in first and "payments" not in first  # the pinned shape
    for invoice in (first, second, second):
        assert post_event(client, payloads.event("invoice.paid", invoice)).status_code == 200

    donation.refresh_from_db()
    assert donation.received_pence == 1_000
    keys = dict(donation.payments.values_list("stripe_key", "stripe_payment_intent_id"))
    assert keys == {"in_1": "pi_in1", "in_2": "pi_in2"}
    # Found by listing each invoice's paid payments, as the pinned version provides.
    looked_up = {call["params"]["invoice"] for call in stripe_fake.calls("GET", "/v1/invoice_")}
    assert looked_up == {"in_1", "in_2"}
    assert {call["params"]["status"] for call in stripe_fake.calls("GET", "/v1/invoice_")} == {
        "paid"
    }


def test_a_refund_of_a_monthly_payment_counts(client, stripe_fake):
    donation = gift(800, kind=Donation.Kind.MONTHLY)
    stripe_fake.add_invoice_payment(invoice_id="in_r1", payment_intent="pi_r1", amount=800)
    pay(client, donation, subscription="sub_r", invoice="in_r1")

    refund = payloads.charge(payment_intent="pi_r1", amount=800, amount_refunded=300)
    assert post_event(client, payloads.event("charge.refunded", refund)).status_code == 200

    donation.refresh_from_db()
    assert (donation.received_pence, donation.refunded_pence) == (800, 300)
    assert money_received_totals().raised_pence == 500


def test_invoice_payment_paid_names_the_intent_when_stripe_could_not_be_asked(client, stripe_fake):
    donation = gift(700, kind=Donation.Kind.MONTHLY)
    metadata = {"donation_id": str(donation.pk)}
    refund = payloads.charge(payment_intent="pi_late", amount=700, amount_refunded=700)
    assert post_event(client, payloads.event("charge.refunded", refund)).status_code == 200
    stripe_fake.fail_next = 3  # the library retries twice: Stripe cannot be asked
    invoice = payloads.invoice(
        invoice_id="in_late", subscription_id="sub_l", metadata=metadata, amount=700
    )

    assert post_event(client, payloads.event("invoice.paid", invoice)).status_code == 200
    payment = Payment.objects.get(stripe_key="in_late")
    assert payment.stripe_payment_intent_id == ""  # recorded all the same
    assert money_received_totals().raised_pence == 700

    paid = payloads.invoice_payment(invoice_id="in_late", payment_intent="pi_late", amount=700)
    assert post_event(client, payloads.event("invoice_payment.paid", paid)).status_code == 200

    payment.refresh_from_db()
    donation.refresh_from_db()
    assert payment.stripe_payment_intent_id == "pi_late"
    # The refund that arrived first was kept, and now counts.
    assert (donation.refunded_pence, donation.status) == (700, Donation.Status.REFUNDED)
    assert money_received_totals().raised_pence == 0


def test_invoice_payment_paid_before_the_invoice_changes_nothing_yet(client, stripe_fake):
    donation = gift(600, kind=Donation.Kind.MONTHLY)
    paid = payloads.invoice_payment(invoice_id="in_first", payment_intent="pi_f1", amount=600)
    stripe_fake.add_invoice_payment(invoice_id="in_first", payment_intent="pi_f1", amount=600)

    assert post_event(client, payloads.event("invoice_payment.paid", paid)).status_code == 200
    assert Payment.objects.count() == 0
    invoice = payloads.invoice(
        invoice_id="in_first",
        subscription_id="sub_f",
        metadata={"donation_id": str(donation.pk)},
        amount=600,
    )
    post_event(client, payloads.event("invoice.paid", invoice))

    assert Payment.objects.get().stripe_payment_intent_id == "pi_f1"


def test_the_sweep_finds_intents_still_missing(client, stripe_fake):
    donation = gift(500, kind=Donation.Kind.MONTHLY)
    stripe_fake.fail_next = 3
    pay(client, donation, subscription="sub_s", invoice="in_s1")  # Stripe unreachable
    assert Payment.objects.get().stripe_payment_intent_id == ""
    refund = payloads.charge(payment_intent="pi_s1", amount=500, amount_refunded=200)
    post_event(client, payloads.event("charge.refunded", refund))
    stripe_fake.add_invoice_payment(invoice_id="in_s1", payment_intent="pi_s1", amount=500)

    assert donations_sweep_task.apply().get() == {"intents": 1, "ends": 0}

    donation.refresh_from_db()
    assert Payment.objects.get().stripe_payment_intent_id == "pi_s1"
    assert donation.refunded_pence == 200
    assert donations_sweep_task.apply().get() == {"intents": 0, "ends": 0}


def test_invoice_paid_before_checkout_completion_is_not_counted_twice(client, stripe_fake):
    donation = gift(1_000, kind=Donation.Kind.MONTHLY)
    stripe_fake.add_invoice_payment(invoice_id="in_early", payment_intent="pi_ie", amount=1_000)
    invoice = payloads.invoice(
        invoice_id="in_early",
        subscription_id="sub_e",
        metadata={"donation_id": str(donation.pk)},
        amount=1_000,
    )
    post_event(client, payloads.event("invoice.paid", invoice))
    pay(client, donation, subscription="sub_e", invoice="in_early")

    assert donation.received_pence == 1_000
    assert donation.status == Donation.Status.RECEIVED
    assert Payment.objects.get().stripe_payment_intent_id == "pi_ie"


def test_cancelled_subscription_stops_the_gift_and_keeps_the_money(client):
    donation = gift(500, kind=Donation.Kind.MONTHLY)
    pay(client, donation, subscription="sub_c", invoice="in_c")

    post_event(
        client,
        payloads.event(
            "customer.subscription.deleted",
            payloads.subscription(subscription_id="sub_c", donation_id=donation.pk),
        ),
    )

    donation.refresh_from_db()
    assert donation.status == Donation.Status.STOPPED
    assert donation.stopped_at is not None
    assert donation.received_pence == 500


def test_other_event_types_are_acknowledged(client):
    event = payloads.event("customer.created", {"id": "cus_1", "object": "customer"})

    response = post_event(client, event)

    assert response.status_code == 200
    assert StripeEvent.objects.filter(type="customer.created").exists()


def test_unknown_donation_is_acknowledged_without_change(client):
    session = payloads.checkout_session(donation_id=999_999, amount=1_000)

    response = post_event(client, payloads.event("checkout.session.completed", session))

    assert response.status_code == 200
    assert Payment.objects.count() == 0


def test_an_error_answers_500_and_keeps_nothing_so_stripe_retries(client, monkeypatch):
    donation = gift(2_500)
    event = completed_event(donation)

    def broken(**kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr("donations.services.stripe_events.payment_record", broken)
    response = post_event(client, event)

    assert response.status_code == 500
    assert StripeEvent.objects.count() == 0
    monkeypatch.undo()
    assert post_event(client, event).status_code == 200
    donation.refresh_from_db()
    assert donation.status == Donation.Status.RECEIVED


def test_order_does_not_matter(client):
    """The same events for one gift, applied in every order, end in the same state."""
    outcomes = set()
    for order in itertools.permutations(range(3)):
        donation = gift(4_000)
        intent = payloads.next_id("pi")
        events = [
            completed_event(donation, payment_intent=intent),
            payloads.event(
                "charge.refunded",
                payloads.charge(
                    payment_intent=intent,
                    amount=4_000,
                    amount_refunded=1_500,
                ),
            ),
            payloads.event(
                "checkout.session.completed",
                payloads.checkout_session(
                    donation_id=donation.pk, amount=4_000, payment_intent=intent
                ),
            ),
        ]
        for index in order:
            assert post_event(client, events[index]).status_code == 200
        donation.refresh_from_db()
        outcomes.add((donation.status, donation.received_pence, donation.refunded_pence))

    assert outcomes == {(Donation.Status.RECEIVED, 4_000, 1_500)}


def test_service_applies_an_event_once():
    from donations.stripe_gateway import WebhookEvent

    donation = gift(2_500)
    raw = completed_event(donation)
    event = WebhookEvent(
        id=raw["id"], type=raw["type"], created=raw["created"], object=raw["data"]["object"]
    )

    assert stripe_event_apply(event=event) is True
    assert stripe_event_apply(event=event) is False
    assert Payment.objects.count() == 1
