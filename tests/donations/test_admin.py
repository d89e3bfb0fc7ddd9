"""The agent's tools: the 30-day queue, accept, return (refunding through Stripe), exports."""

import csv
import io
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from campaign_site.core.models import AuditEvent
from donations.models import Donation, DonationSettings, Payment
from donations.services import donation_accept, donation_checkout_start
from tests.donations.helpers import gift, paid_gift, pay, post_event, running_gift
from tests.support.admin import sign_in_with_two_factor

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _stripe(stripe_fake):
    return stripe_fake


def staff(client, *perms):
    user = get_user_model().objects.create_user("agent", is_staff=True)
    user.user_permissions.set(
        Permission.objects.filter(
            content_type__app_label="donations",
            codename__in=["view_donation", "change_donation", "view_donationtocheck", *perms],
        )
    )
    return sign_in_with_two_factor(client, user), user


def test_a_gift_over_50_starts_to_check_with_a_30_day_deadline(client):
    donation = paid_gift(client, 7_500)

    assert donation.check_status == Donation.Check.TO_CHECK
    assert donation.check_deadline == donation.first_received_at + timedelta(days=30)
    small = paid_gift(client, 5_000, email="small@example.org")
    assert small.check_status == Donation.Check.NOT_NEEDED


def test_the_queue_is_sorted_by_deadline_and_shows_what_is_overdue(admin_client, client):
    late = paid_gift(client, 6_000, email="late@example.org", name="Lena Late")
    soon = paid_gift(client, 9_000, email="soon@example.org", name="Sunil Soon")
    later = paid_gift(client, 12_000, email="later@example.org", name="Lara Later")
    now = timezone.now()
    Donation.objects.filter(pk=late.pk).update(check_deadline=now - timedelta(days=2))
    Donation.objects.filter(pk=soon.pk).update(check_deadline=now + timedelta(days=3))
    Donation.objects.filter(pk=later.pk).update(check_deadline=now + timedelta(days=20))
    paid_gift(client, 2_000, email="tiny@example.org", name="Tia Tiny")  # not in the queue

    page = admin_client.get("/admin/donations/donationtocheck/").content.decode()

    assert page.index("Lena Late") < page.index("Sunil Soon") < page.index("Lara Later")
    assert "Tia Tiny" not in page
    assert "OVERDUE" in page
    assert "1 gift is past the 30-day check deadline" in page


def test_queue_and_list_do_not_spend_a_query_per_row(admin_client, client):
    for number in range(3):
        paid_gift(client, 6_000 + number, email=f"d{number}@example.org")
    admin_client.get("/admin/donations/donationtocheck/")
    with CaptureQueriesContext(connection) as few:
        admin_client.get("/admin/donations/donationtocheck/")
        admin_client.get("/admin/donations/donation/")
    for number in range(3, 15):
        paid_gift(client, 6_000 + number, email=f"d{number}@example.org")
    with CaptureQueriesContext(connection) as many:
        admin_client.get("/admin/donations/donationtocheck/")
        admin_client.get("/admin/donations/donation/")

    assert len(many) == len(few)


def test_accept_needs_the_details_the_law_asks_for(admin_client, client, admin_user):
    donation = paid_gift(client, 8_000)
    Donation.objects.filter(pk=donation.pk).update(name="Madonna")

    response = admin_client.post(f"/admin/donations/donation/{donation.pk}/accept/", {})

    assert "cannot be accepted without the donor&#x27;s full name" in response.content.decode()
    donation.refresh_from_db()
    assert donation.check_status == Donation.Check.TO_CHECK
    with pytest.raises(ValidationError):
        donation_accept(donation_id=donation.pk, user=admin_user)


def test_accept_records_who_and_when(admin_client, client, admin_user):
    donation = paid_gift(client, 8_000)

    response = admin_client.post(
        f"/admin/donations/donation/{donation.pk}/accept/", {"note": "On the register"}
    )

    assert response.status_code == 302
    assert response.url == "/admin/donations/donationtocheck/"  # on to the next gift
    donation.refresh_from_db()
    assert donation.check_status == Donation.Check.ACCEPTED
    assert donation.checked_by == admin_user
    assert donation.checked_at is not None
    assert donation.check_note == "On the register"


def test_editing_a_gift_over_50_keeps_its_details(admin_client, client):
    donation = paid_gift(client, 8_000)
    data = {
        "name": "Sam Patel",
        "address_line1": "",
        "address_line2": "",
        "town": "Derby",
        "postcode": "DE22 1GB",
        "permissible_source": "elector",
        "check_note": "",
        "payments-TOTAL_FORMS": "1",
        "payments-INITIAL_FORMS": "1",
        "payments-MIN_NUM_FORMS": "0",
        "payments-MAX_NUM_FORMS": "1000",
        "payments-0-id": str(donation.payments.get().pk),
        "payments-0-donation": str(donation.pk),
    }

    response = admin_client.post(f"/admin/donations/donation/{donation.pk}/change/", data)

    assert response.status_code == 200
    assert "A gift over £50 needs the donor&#x27;s home address" in response.content.decode()
    donation.refresh_from_db()
    assert donation.address_line1 == "12 Kedleston Road"

    data["address_line1"] = "14 Kedleston Road"
    response = admin_client.post(f"/admin/donations/donation/{donation.pk}/change/", data)
    assert response.status_code == 302
    donation.refresh_from_db()
    assert donation.address_line1 == "14 Kedleston Road"


def test_return_refunds_through_stripe(admin_client, client, stripe_fake):
    donation = paid_gift(client, 15_000, fake=stripe_fake)
    intent = donation.payments.get().stripe_payment_intent_id

    response = admin_client.post(
        f"/admin/donations/donation/{donation.pk}/return/",
        {"method": "stripe", "note": "Not on the register"},
    )

    assert response.status_code == 302
    [refund] = stripe_fake.refunds.values()
    assert (refund["payment_intent"], refund["amount"]) == (intent, 15_000)
    [call] = stripe_fake.calls("POST", "/v1/refunds")
    assert call["idempotency_key"] == f"donation-return-{intent}"
    donation.refresh_from_db()
    assert donation.check_status == Donation.Check.RETURNED
    assert donation.status == Donation.Status.REFUNDED
    assert donation.return_method == f"Refunded through Stripe ({refund['id']})"
    assert donation.checked_at is not None


def test_returning_a_monthly_gift_refunds_and_stops_it(admin_client, client, stripe_fake):
    donation = running_gift(client, stripe_fake, amount=6_000)

    admin_client.post(f"/admin/donations/donation/{donation.pk}/return/", {"method": "stripe"})

    donation.refresh_from_db()
    assert stripe_fake.subscriptions[donation.stripe_subscription_id]["status"] == "canceled"
    assert donation.stopped_at is not None
    assert donation.refunded_pence == 6_000
    assert donation.check_status == Donation.Check.RETURNED


def test_returning_a_monthly_gift_stored_without_its_intents_finds_them_at_stripe(
    admin_client, client, stripe_fake
):
    donation = gift(6_000, kind=Donation.Kind.MONTHLY)
    donation_checkout_start(donation=donation, return_base_url="http://testserver")
    session = stripe_fake.complete(donation.stripe_checkout_session_id)
    second = stripe_fake.pay_invoice(session["subscription"])
    events = stripe_fake.events_for_payment(session["id"])
    for event in events + stripe_fake.events_for_invoice(second["id"]):
        assert post_event(client, event).status_code == 200
    # As every monthly payment was stored before: without its payment intent.
    Payment.objects.filter(donation=donation).update(stripe_payment_intent_id="")

    response = admin_client.post(
        f"/admin/donations/donation/{donation.pk}/return/", {"method": "stripe"}
    )

    assert response.status_code == 302
    intents = {stripe_fake.intent_of(session["invoice"]), stripe_fake.intent_of(second["id"])}
    assert {r["payment_intent"] for r in stripe_fake.refunds.values()} == intents
    assert sum(r["amount"] for r in stripe_fake.refunds.values()) == 12_000
    donation.refresh_from_db()
    assert (donation.received_pence, donation.refunded_pence) == (12_000, 12_000)
    assert donation.status == Donation.Status.REFUNDED
    assert "Refunded through Stripe (re_" in donation.return_method
    # Stripe then tells us about each refund: nothing is counted twice.
    for intent in intents:
        assert post_event(client, stripe_fake.refund_event(intent)).status_code == 200
    donation.refresh_from_db()
    assert donation.refunded_pence == 12_000


def test_a_monthly_payment_stripe_has_not_named_cannot_be_returned_yet(
    admin_client, client, stripe_fake
):
    donation = gift(6_000, kind=Donation.Kind.MONTHLY)
    pay(client, donation, subscription="sub_x", invoice="in_unknown")

    response = admin_client.post(
        f"/admin/donations/donation/{donation.pk}/return/", {"method": "stripe"}
    )

    assert "Stripe has no paid payment for in_unknown yet" in response.content.decode()
    donation.refresh_from_db()
    assert donation.check_status == Donation.Check.TO_CHECK
    assert stripe_fake.refunds == {}


def test_return_another_way_is_recorded_as_given(admin_client, client, stripe_fake):
    donation = paid_gift(client, 6_000)

    admin_client.post(
        f"/admin/donations/donation/{donation.pk}/return/",
        {"method": "other", "other_method": "Cheque posted 3 May"},
    )

    donation.refresh_from_db()
    assert donation.return_method == "Cheque posted 3 May"
    assert stripe_fake.refunds == {}


def test_a_monthly_gift_returned_another_way_is_stopped_too(admin_client, client, stripe_fake):
    donation = running_gift(client, stripe_fake, amount=6_000)

    admin_client.post(
        f"/admin/donations/donation/{donation.pk}/return/",
        {"method": "other", "other_method": "Cheque posted 3 May"},
    )

    donation.refresh_from_db()
    assert donation.check_status == Donation.Check.RETURNED
    assert donation.return_method == "Cheque posted 3 May"
    assert stripe_fake.subscriptions[donation.stripe_subscription_id]["status"] == "canceled"
    assert donation.stopped_at is not None
    assert stripe_fake.refunds == {}


def test_without_stripe_a_monthly_gift_still_paying_is_not_marked_returned(
    admin_client, client, stripe_fake, settings
):
    donation = running_gift(client, stripe_fake, amount=6_000)
    settings.STRIPE_SECRET_KEY = ""

    refused = admin_client.post(
        f"/admin/donations/donation/{donation.pk}/return/",
        {"method": "other", "other_method": "Cheque posted 3 May"},
    ).content.decode()

    assert "cancel it in Stripe&#x27;s dashboard first" in refused
    donation.refresh_from_db()
    assert donation.check_status != Donation.Check.RETURNED
    assert donation.stopped_at is None


def test_without_stripe_the_return_page_offers_only_another_way(
    admin_client, client, stripe_fake, settings
):
    donation = paid_gift(client, 6_000)
    settings.STRIPE_SECRET_KEY = ""
    url = f"/admin/donations/donation/{donation.pk}/return/"

    page = admin_client.get(url).content.decode()
    refused = admin_client.post(url, {"method": "stripe"}).content.decode()

    assert 'value="stripe"' not in page and "Stripe is not set up on this site" in page
    assert "Stripe is not set up on this site: refund the gift another way" in refused
    donation.refresh_from_db()
    assert donation.check_status != Donation.Check.RETURNED
    assert stripe_fake.refunds == {}


def test_a_failed_refund_records_nothing(admin_client, client, stripe_fake):
    donation = paid_gift(client, 6_000, fake=stripe_fake)
    stripe_fake.fail_next = 3

    response = admin_client.post(
        f"/admin/donations/donation/{donation.pk}/return/", {"method": "stripe"}
    )

    assert "Stripe did not take the refund" in response.content.decode()
    donation.refresh_from_db()
    assert donation.check_status == Donation.Check.TO_CHECK


def test_checks_need_the_permission(client):
    donation = paid_gift(client, 6_000)
    agent_client, _ = staff(client)

    response = agent_client.post(f"/admin/donations/donation/{donation.pk}/accept/", {})

    assert response.status_code == 403


def test_gifts_from_one_donor_are_shown_together_with_running_total(admin_client, client):
    first = paid_gift(client, 3_000, email="ann@example.org", name="Ann Lee")
    paid_gift(client, 4_000, email="ANN@example.org", name="Ann Lee")
    third = paid_gift(client, 2_500, email="ann@example.org", name="Ann Lee")

    page = admin_client.get(f"/admin/donations/donation/{third.pk}/change/").content.decode()

    assert page.count(f"D{first.pk}") >= 1
    for running in ["£30", "£70", "£95"]:
        assert f"<td>{running}</td>" in page
    listing = admin_client.get("/admin/donations/donation/").content.decode()
    assert "£95 (3 gifts)" in listing
    donor = admin_client.get(f"/admin/donations/donor/{first.donor_id}/change/").content.decode()
    assert "<td>£95</td>" in donor


def test_export_needs_the_permission(client):
    paid_gift(client, 6_000)
    agent_client, _ = staff(client)

    page = agent_client.get("/admin/donations/donation/").content.decode()
    assert "export_spending_return" not in page
    response = agent_client.post(
        "/admin/donations/donation/",
        {
            "action": "export_spending_return",
            "_selected_action": Donation.objects.values_list("pk", flat=True),
        },
    )
    assert response.get("Content-Type", "").startswith("text/html")


def test_export_gives_what_the_spending_return_needs(client, admin_client):
    accepted = paid_gift(client, 6_000, name="Sam Patel")
    Donation.objects.filter(pk=accepted.pk).update(address_line2='=HYPERLINK("x")')
    admin_client.post(f"/admin/donations/donation/{accepted.pk}/accept/", {})
    returned = paid_gift(client, 7_000, email="ro@example.org", name="Rob Owen")
    admin_client.post(
        f"/admin/donations/donation/{returned.pk}/return/",
        {"method": "other", "other_method": "Cheque"},
    )

    response = admin_client.post(
        "/admin/donations/donation/",
        {"action": "export_spending_return", "_selected_action": [accepted.pk, returned.pk]},
    )

    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    by_name = {row["donor name"]: row for row in rows}
    sam, rob = by_name["Sam Patel"], by_name["Rob Owen"]
    assert sam["address"] == "12 Kedleston Road"
    assert sam["address line 2"] == '\'=HYPERLINK("x")'
    assert sam["postcode"] == "DE22 1GB"
    assert sam["amount received (GBP)"] == "60.00"
    assert sam["date received"] == timezone.localdate().isoformat()
    assert sam["date accepted"] == timezone.localdate().isoformat()
    assert sam["date returned"] == ""
    assert rob["date returned"] == timezone.localdate().isoformat()
    assert rob["how returned"] == "Cheque"
    audit = AuditEvent.objects.get(action=AuditEvent.Action.EXPORT)
    assert (audit.actor_name, audit.rows) == ("admin", 2)


def test_admin_says_how_to_set_up_stripe_without_keys(admin_client, no_stripe):
    page = admin_client.get("/admin/donations/donation/").content.decode()

    assert "Donations are switched off" in page
    assert "STRIPE_WEBHOOK_SECRET" in page
    assert "http://testserver/stripe/webhook/" in page


def test_organisers_set_the_limits(admin_client):
    response = admin_client.post(
        "/admin/donations/donationsettings/add/", {"smallest": "2", "largest": "1000"}
    )
    assert response.status_code == 302
    assert DonationSettings.objects.get(pk=1).max_pence == 100_000


def test_the_limits_are_shown_and_typed_in_pounds(admin_client):
    url = "/admin/donations/donationsettings/1/change/"
    page = admin_client.get(url).content.decode()
    assert 'name="smallest" value="1"' in page and 'name="largest" value="2,500"' in page
    assert "pence" not in page.split('id="content"')[1]

    refused = admin_client.post(url, {"smallest": "50", "largest": "£20"}).content.decode()
    assert "The largest gift cannot be smaller than the smallest." in refused
    assert (
        "Enter at least £1"
        in admin_client.post(url, {"smallest": "0.50", "largest": "20"}).content.decode()
    )
    assert DonationSettings.objects.get(pk=1).min_pence == 100  # nothing changed

    assert admin_client.post(url, {"smallest": "£5", "largest": "1,000.50"}).status_code == 302
    saved = DonationSettings.objects.get(pk=1)
    assert (saved.min_pence, saved.max_pence) == (500, 100_050)


def test_donor_list_totals_stay_right_when_searching_by_name(admin_client, client):
    for amount in (3_000, 4_000):
        paid_gift(client, amount, email="ann@example.org", name="Ann Lee")
    returned = paid_gift(client, 2_000, email="ann@example.org", name="Ann Lee")
    admin_client.post(
        f"/admin/donations/donation/{returned.pk}/return/",
        {"method": "other", "other_method": "Cheque"},
    )

    listing = admin_client.get("/admin/donations/donor/?q=Ann+Lee").content.decode()

    assert '<td class="field-gifts">2</td>' in listing
    assert '<td class="field-total_kept">£70</td>' in listing


def test_search_by_name_email_or_postcode(admin_client, client):
    paid_gift(client, 6_000, name="Sam Patel", email="sam@example.org")

    for term in ["Patel", "sam@example", "DE22 1GB", "1"]:
        response = admin_client.get("/admin/donations/donation/", {"q": term})
        assert response.status_code == 200
        assert "Sam Patel" in response.content.decode()


@pytest.mark.parametrize(
    "typed", ["de1", "DE1 2", "de1 2a", "de12ab", " DE1  2AB ", "Pat", "sam@ex"]
)
def test_the_agent_finds_a_gift_by_part_of_its_postcode_or_name(admin_client, client, typed):
    found = paid_gift(client, 6_000, name="Sam Patel", postcode="DE1 2AB")
    paid_gift(client, 7_000, name="Ann Other", email="ann@example.org", postcode="DE12 3AD")
    paid_gift(client, 8_000, name="Bo Far", email="bo@example.org", postcode="NG1 1AA")

    for url in ["/admin/donations/donation/", "/admin/donations/donationtocheck/"]:
        page = admin_client.get(url, {"q": typed}).content.decode()
        assert f">D{found.pk}<" in page, (url, typed)
        assert "Bo Far" not in page


def test_a_postcode_typed_with_its_space_finds_only_that_district(admin_client, client):
    paid_gift(client, 6_000, name="Sam Patel", postcode="DE1 2AB")
    paid_gift(client, 7_000, name="Ann Other", email="ann@example.org", postcode="DE12 3AD")

    spaced = admin_client.get("/admin/donations/donation/", {"q": "DE1 2"}).content.decode()
    unspaced = admin_client.get("/admin/donations/donation/", {"q": "de12"}).content.decode()

    assert "Sam Patel" in spaced and "Ann Other" not in spaced
    assert "Sam Patel" in unspaced and "Ann Other" in unspaced  # could be either


def test_the_agent_finds_a_gift_by_its_reference_and_a_donor_by_postcode(admin_client, client):
    gift_found = paid_gift(client, 6_000, name="Sam Patel", postcode="DE1 2AB")
    paid_gift(client, 7_000, name="Ann Other", email="ann@example.org", postcode="NG1 1AA")

    by_reference = admin_client.get("/admin/donations/donation/", {"q": f"d{gift_found.pk}"})
    donors = admin_client.get("/admin/donations/donor/", {"q": "de12ab"}).content.decode()

    assert "Sam Patel" in by_reference.content.decode()
    assert "Ann Other" not in by_reference.content.decode()
    assert "sam@example.org" in donors and "ann@example.org" not in donors


def test_a_gift_returned_another_way_no_longer_shows_as_kept(admin_client, client):
    kept = paid_gift(client, 2_000, name="Kit Kept", email="kit@example.org")
    back = paid_gift(client, 6_000, name="Rob Owen", email="rob@example.org")
    admin_client.post(
        f"/admin/donations/donation/{back.pk}/return/",
        {"method": "other", "other_method": "Cheque posted 3 May"},
    )

    listing = admin_client.get("/admin/donations/donation/", {"q": "Rob Owen"}).content.decode()
    change = admin_client.get(f"/admin/donations/donation/{back.pk}/change/").content.decode()
    received = admin_client.get("/admin/donations/donation/", {"status": "received"})
    returned = admin_client.get("/admin/donations/donation/", {"status": "returned_another_way"})
    export = admin_client.post(
        "/admin/donations/donation/",
        {"action": "export_spending_return", "_selected_action": [kept.pk, back.pk]},
    )
    home = admin_client.get("/admin/").content.decode()

    assert '<td class="field-status_shown">Returned another way</td>' in listing
    assert '<td class="field-kept">£0</td>' in listing
    assert "£60 received, £0 refunded, £60 returned another way (Cheque posted 3 May); £0 kept" in (
        change
    )
    assert "Kit Kept" in received.content.decode()
    assert "Rob Owen" not in received.content.decode()
    assert "Rob Owen" in returned.content.decode()
    assert "Kit Kept" not in returned.content.decode()
    rows = {row["donor name"]: row for row in csv.DictReader(io.StringIO(export.content.decode()))}
    assert (rows["Rob Owen"]["kept (GBP)"], rows["Rob Owen"]["check"]) == ("0.00", "Returned")
    assert rows["Kit Kept"]["kept (GBP)"] == "20.00"
    assert "<strong>£20</strong> raised of £13,000 from 1 donor" in home


def test_a_gift_returned_through_stripe_says_so(admin_client, client, stripe_fake):
    back = paid_gift(client, 6_000, fake=stripe_fake, name="Rob Owen")
    admin_client.post(f"/admin/donations/donation/{back.pk}/return/", {"method": "stripe"})

    listing = admin_client.get("/admin/donations/donation/").content.decode()

    assert '<td class="field-status_shown">Returned (refunded)</td>' in listing
    assert '<td class="field-kept">£0</td>' in listing
