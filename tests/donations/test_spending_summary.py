"""Raised, spent, committed and the limit side by side, warnings at 80% and 95% of the
limit, the deadlines once the declaration is entered, and what is still missing."""

from datetime import date

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone

from donations.models import Donation, Donor, Payment
from donations.spending_selectors import ledger_summary
from tests.donations.spending_helpers import item, period, signed_in

pytestmark = pytest.mark.django_db

SUMMARY = reverse("admin:donations_spendingitem_summary")


def approved(**changes):
    return item(status="approved", approved_by_name="agent", **changes)


@pytest.fixture
def raised():
    donor = Donor.objects.create(email="d@example.org")
    donation = Donation.objects.create(
        donor=donor, amount_pence=2_500, name="Dee", email="d@example.org", received_pence=2_500
    )
    Payment.objects.create(
        donation=donation, stripe_key="pi_1", amount_pence=2_500, received_at=timezone.now()
    )


def test_the_figures_side_by_side(raised):
    period()
    approved(amount_pence=100_000, paid_on=date(2026, 6, 5), paid_by="agent")  # spent
    approved(amount_pence=36_000, invoice_received_on=date(2026, 6, 4))  # committed
    approved(amount_pence=5_000)  # incurred, no invoice
    donor = Donor.objects.create(email="hall@example.org")
    approved(amount_pence=20_000, notional=True, donor=donor)  # a hall lent free
    item(amount_pence=99_900)  # proposed: not counted until approved

    summary = ledger_summary()

    assert summary.raised_pence == 2_500
    assert (summary.spent_pence, summary.committed_pence) == (100_000, 36_000)
    assert (summary.awaiting_invoice_pence, summary.notional_pence) == (5_000, 20_000)
    assert summary.counted_pence == 161_000
    assert (summary.proposed_pence, summary.proposed_count) == (99_900, 1)
    assert summary.limit_pence == 1_699_000
    assert summary.warning == ""
    # Missing: the paid one has no invoice; the committed one is unpaid; the £50 one and the
    # proposed one lack both. Notional spending is neither invoiced nor paid.
    assert [i.amount_pence for i in summary.unpaid] == [36_000, 5_000, 99_900]
    assert [i.amount_pence for i in summary.without_invoice] == [100_000, 5_000, 99_900]
    assert len(summary.missing) == 4


@pytest.mark.parametrize(
    "counted,warning",
    [
        (1_359_100, ""),  # 79.99%
        (1_359_200, "warn"),  # 80% of £16,990 is £13,592
        (1_614_050, "danger"),  # 95% is £16,140.50
        (1_699_000, "danger"),  # at the limit
        (1_699_001, "over"),
    ],
)
def test_warnings_at_80_and_95_percent_of_the_limit(counted, warning):
    period()
    approved(amount_pence=counted, paid_on=date(2026, 6, 5), paid_by="agent")

    assert ledger_summary().warning == warning


def test_the_summary_page_with_deadlines_and_what_is_missing(client, raised):
    period(declared_on=date(2026, 7, 3))
    approved(amount_pence=1_400_000, paid_on=date(2026, 6, 5), paid_by="agent")
    unpaid = approved(supplier="Hall hire Ltd", amount_pence=20_000)
    unpaid.invoice.save("x.pdf", ContentFile(b"%PDF-1.4\n"))
    approved(supplier="Van hire", category="transport", amount_pence=9_000)
    signed_in(client, "Agent")

    page = client.get(SUMMARY).content.decode()

    assert "84% of the limit is used: £2,700 is left." in page
    for figure in ["£25", "£14,000", "£200", "£90", "£14,290", "£16,990"]:
        assert f"<td>{figure}</td>" in page or f"<strong>{figure}</strong>" in page, figure
    assert "Fri 24 Jul 2026" in page  # invoices
    assert "Fri 31 Jul 2026" in page  # paid
    assert "Fri 7 Aug 2026" in page  # the return
    assert "Tue 18 Aug 2026" in page  # the candidate's declaration
    assert "2 items without an invoice" in page and "2 unpaid" in page
    assert "Hall hire Ltd" in page and "Van hire" in page


def test_no_deadlines_until_the_declaration_is_entered(client):
    period()
    signed_in(client, "Agent")

    page = client.get(SUMMARY).content.decode()

    assert "The deadlines are shown once the day the result was declared is entered" in page


def test_the_admin_home_shows_the_spending_panel_to_the_agent_and_organisers(client):
    from django.test import Client

    period()
    approved(amount_pence=1_650_000, paid_on=date(2026, 6, 5), paid_by="agent")
    signed_in(client, "Agent")
    data_manager = Client()
    signed_in(data_manager, "Data manager")

    home = client.get("/admin/").content.decode()

    assert "Spending against the limit" in home
    assert "97% of the limit is used: only £490 is left." in home
    assert "Spending against the limit" not in data_manager.get("/admin/").content.decode()
