"""The agent's spending pages in Chromium at a laptop's size (1280x800): the admin home's
panel, the summary with its warning and deadlines, and the printable return; an organiser
proposes an item and the agent approves it."""

from datetime import date

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from donations.models import Donation, Donor, Payment, SpendingItem
from tests.donations.spending_helpers import item, period, staff
from tests.support.admin import sign_in_browser_with_two_factor

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def laptop_page(browser_session, live_server):
    visit = browser_session.new_page(width=1280, height=800)
    yield visit
    visit.page.context.close()


def a_campaign_ledger():
    period(declared_on=date(2026, 7, 3))
    donor = Donor.objects.create(email="pat@example.org")
    donation = Donation.objects.create(
        donor=donor,
        amount_pence=120_000,
        name="Pat Elector",
        email="pat@example.org",
        address_line1="12 Kedleston Road",
        town="Derby",
        postcode="DE22 1GB",
        permissible_source=Donation.Source.ELECTOR,
        declared_at=timezone.now(),
        received_pence=120_000,
        first_received_at=timezone.now(),
        check_status=Donation.Check.ACCEPTED,
        checked_at=timezone.now(),
        status=Donation.Status.RECEIVED,
    )
    Payment.objects.create(
        donation=donation, stripe_key="pi_1", amount_pence=120_000, received_at=timezone.now()
    )
    done = {"status": "approved", "approved_by_name": "agent"}
    item(
        amount_pence=1_000_000,
        description="Three leaflet drops",
        invoice_received_on=date(2026, 6, 3),
        paid_on=date(2026, 6, 10),
        paid_by="agent",
        **done,
    )
    item(
        supplier="Facebook",
        description="Online ads",
        category="advertising",
        amount_pence=350_000,
        invoice_received_on=date(2026, 6, 20),
        **done,
    )
    item(
        supplier="Derby Cabs",
        description="Taxis on polling day",
        category="transport",
        amount_pence=4_500,
        **done,
    )
    item(
        supplier="St Mark's Hall",
        description="Hall lent free for a hustings",
        category="meetings",
        amount_pence=15_000,
        notional=True,
        donor=Donor.objects.create(email="hall@example.org"),
        **done,
    )


def test_the_agent_reads_the_summary_and_the_return(laptop_page, live_server):
    a_campaign_ledger()
    page = sign_in_browser_with_two_factor(laptop_page.page, live_server, staff("Agent"))

    page.goto(f"{live_server.url}/admin/")
    expect(page.get_by_role("heading", name="Spending against the limit")).to_be_visible()
    page.screenshot(path="test-results/ledger-home.png")
    page.get_by_role("link", name="The ledger's summary, deadlines and what is missing").click()
    expect(page.get_by_text("80% of the limit is used: £3,295 is left.")).to_be_visible()
    expect(page.get_by_text("Tue 18 Aug 2026")).to_be_visible()
    page.screenshot(path="test-results/ledger-dashboard.png", full_page=True)
    assert laptop_page.serious_accessibility_violations() == []

    page.get_by_role("link", name="The return (printable)").click()
    expect(page.get_by_role("heading", name="Part 1: spending by category")).to_be_visible()
    expect(page.get_by_text("Transport: £45")).to_be_visible()
    expect(page.get_by_role("cell", name="Pat Elector")).to_be_visible()
    page.screenshot(path="test-results/ledger-return.png", full_page=True)
    assert laptop_page.serious_accessibility_violations() == []
    page.emulate_media(media="print")
    expect(page.locator("#header")).to_be_hidden()
    page.screenshot(path="test-results/ledger-return-print.png", full_page=True)
    assert laptop_page.console_errors == [] and laptop_page.failed_responses == []


def test_an_organiser_proposes_and_the_agent_approves(browser_session, live_server):
    period()
    organiser_visit = browser_session.new_page(width=1280, height=800)
    page = sign_in_browser_with_two_factor(organiser_visit.page, live_server, staff("Organiser"))
    page.goto(f"{live_server.url}/admin/donations/spendingitem/add/")
    page.get_by_label("Supplier").fill("Derby Print Co")
    page.get_by_label("Description").fill("Posters")
    page.get_by_label("Category").select_option("unsolicited")
    page.get_by_label("Amount (£)").fill("12,50")
    page.get_by_label("Date incurred").fill("2026-06-01")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(
        page.get_by_text("Enter an amount in pounds, such as 13,000 or 13000.50.")
    ).to_be_visible()
    page.get_by_label("Amount (£)").fill("125.50")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_text("was added successfully")).to_be_visible()
    organiser_visit.page.context.close()
    proposed = SpendingItem.objects.get()
    assert (proposed.amount_pence, proposed.status) == (12_550, "proposed")

    agent_visit = browser_session.new_page(width=1280, height=800)
    page = sign_in_browser_with_two_factor(agent_visit.page, live_server, staff("Agent"))
    page.goto(f"{live_server.url}/admin/donations/spendingitem/{proposed.pk}/change/")
    page.get_by_role("button", name=f"Approve S{proposed.pk}").click()
    expect(page.get_by_text(f"Approved S{proposed.pk}.")).to_be_visible()
    expect(page.get_by_text("Approved by agent (")).to_be_visible()
    agent_visit.page.context.close()
