"""The return: spending by category with each invoice's state, notional spending, and the
donations over £50 with their permissibility record; CSV and a printable page, both audited;
a nil return when there is nothing."""

import csv
import io
from datetime import date

import pytest
from django.urls import reverse
from django.utils import timezone

from campaign_site.core.models import AuditEvent
from donations.models import Donation, Donor, Payment
from donations.spending_exports import NIL_RETURN
from tests.donations.spending_helpers import item, period, signed_in

pytestmark = pytest.mark.django_db

CSV_URL = reverse("admin:donations_spendingitem_return_csv")
PAGE_URL = reverse("admin:donations_spendingitem_return")


def approved(**changes):
    return item(status="approved", approved_by_name="agent", **changes)


def gift_over_50(name="Pat Elector", amount=25_000):
    donor = Donor.objects.create(email=f"{name.split()[0].lower()}@example.org")
    donation = Donation.objects.create(
        donor=donor,
        amount_pence=amount,
        name=name,
        email=donor.email,
        address_line1="12 Kedleston Road",
        town="Derby",
        postcode="DE22 1GB",
        permissible_source=Donation.Source.ELECTOR,
        declared_at=timezone.now(),
        received_pence=amount,
        first_received_at=timezone.now(),
        check_status=Donation.Check.ACCEPTED,
        checked_at=timezone.now(),
        status=Donation.Status.RECEIVED,
    )
    Payment.objects.create(
        donation=donation,
        stripe_key=f"pi_{donor.pk}",
        amount_pence=amount,
        received_at=timezone.now(),
    )
    return donation


def rows_of(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.content.decode())))


@pytest.fixture
def ledger():
    period()
    leaflets = approved(
        invoice_received_on=date(2026, 6, 3), paid_on=date(2026, 6, 10), paid_by="agent"
    )
    ads = approved(
        supplier='=HYPERLINK("http://evil.example")',
        description="Online ads",
        category="advertising",
        amount_pence=12_000,
    )
    taxi = approved(
        supplier="Derby Cabs",
        description="Taxi to the count",
        category="transport",
        amount_pence=1_850,
        paid_on=date(2026, 7, 2),
        paid_by="petty",
        paid_by_name="Jo Bloggs",
    )
    hall_owner = Donor.objects.create(email="hall@example.org")
    hall = approved(
        supplier="St Mark's Hall",
        description="Hall lent free for a hustings",
        category="meetings",
        amount_pence=15_000,
        notional=True,
        donor=hall_owner,
    )
    item(supplier="Not yet approved", amount_pence=77_700)
    donation = gift_over_50()
    Donation.objects.create(  # £50 or less: not in the return
        donor=Donor.objects.create(email="small@example.org"),
        amount_pence=2_000,
        name="Small Gift",
        email="small@example.org",
        first_received_at=timezone.now(),
        check_status=Donation.Check.NOT_NEEDED,
    )
    return {"leaflets": leaflets, "ads": ads, "taxi": taxi, "hall": hall, "donation": donation}


def test_the_csv_is_grouped_by_category_with_notional_spending_and_donations(client, ledger):
    signed_in(client, "Agent")

    response = client.get(CSV_URL)

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert 'attachment; filename="spending-return-' in response["Content-Disposition"]
    rows = rows_of(response)
    text = "\n".join(",".join(row) for row in rows)
    assert rows[0][0] == "Spending limit" and rows[0][1].endswith("= £16,990")
    assert NIL_RETURN not in text
    by_ref = {row[2]: row for row in rows if len(row) > 2 and row[2].startswith("S")}
    leaflets, ads, taxi = (by_ref[ledger[k].reference] for k in ("leaflets", "ads", "taxi"))
    assert leaflets[:2] == ["spending", "Unsolicited material to electors (leaflets, emails)"]
    assert leaflets[6:11] == ["450.00", "invoice received (not uploaded)", "2026-06-03",
                              "2026-06-10", "The agent"]  # fmt: skip
    assert ads[4] == '\'=HYPERLINK("http://evil.example")'  # not run as a formula
    assert ads[7] == "NO INVOICE" and ads[9] == ""
    assert taxi[10] == "Petty expense: Jo Bloggs"
    hall = by_ref[ledger["hall"].reference]
    assert hall[0] == "notional" and hall[6] == "150.00" and "hall@example.org" in hall[10]
    assert "Not yet approved" not in text
    totals = {row[1]: row[6] for row in rows if row and row[0] == "total"}
    assert totals["Advertising (websites and online ads included)"] == "120.00"
    assert totals["Public meetings"] == "0.00"  # the hall is notional, in its own part
    assert ["total spending", "", "", "", "", "", "588.50"] in rows
    assert ["total against the limit", "", "", "", "", "", "738.50"] in rows
    part3 = rows.index(["Part 3: donations over £50"])
    assert rows[part3 + 1][:2] == ["reference", "donor name"]
    assert rows[part3 + 2][:6] == [
        f"D{ledger['donation'].pk}", "Pat Elector", "12 Kedleston Road", "", "Derby", "DE22 1GB"
    ]  # fmt: skip
    assert "Small Gift" not in text
    # The hall lent free (£150) is a donation in kind, listed with the donations.
    in_kind = rows[part3 + 3]
    assert in_kind[:2] == [ledger["hall"].reference, "St Mark's Hall"]
    assert in_kind[6:10] == [
        "hall@example.org",
        "",
        "In kind: Hall lent free for a hustings",
        "150.00",
    ]
    audit = AuditEvent.objects.get(action="export")
    assert (audit.what, audit.actor_name, audit.rows) == ("Spending return CSV", "agent", 5)


def test_the_printable_page_shows_the_same_and_is_audited(client, ledger):
    signed_in(client, "Agent")

    page = client.get(PAGE_URL).content.decode()

    assert "Part 1: spending by category" in page
    assert "Advertising (websites and online ads included): £120" in page
    assert "Transport: £18.50" in page
    assert "Petty expense: Jo Bloggs" in page
    assert "Hall lent free for a hustings" in page and "Part 2: notional spending" in page
    assert "Pat Elector" in page and "12 Kedleston Road, Derby, DE22 1GB" in page
    assert "In kind: Hall lent free for a hustings" in page
    assert "Total against the limit: £738.50 of £16,990" in page
    assert "Not yet approved" not in page and "Nil return" not in page
    audit = AuditEvent.objects.get(action="export")
    assert audit.what == "Spending return (printable page)"


def test_a_nil_return_when_there_is_nothing(client):
    period()
    signed_in(client, "Agent")

    rows = rows_of(client.get(CSV_URL))
    page = client.get(PAGE_URL).content.decode()

    assert [NIL_RETURN] in rows
    assert ["total against the limit", "", "", "", "", "", "0.00"] in rows
    assert "<strong>Nil return:</strong>" in page
    assert AuditEvent.objects.filter(action="export").count() == 2
