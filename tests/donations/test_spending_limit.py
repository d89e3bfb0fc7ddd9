"""The spending limit: £11,390 plus 8p (borough) or 12p (county) per elector."""

import pytest
from django.urls import reverse

from donations.models import SpendingSettings
from donations.spending_rules import spending_limit
from tests.donations.spending_helpers import period, signed_in

pytestmark = pytest.mark.django_db


def test_a_borough_seat_of_70000_electors_may_spend_16990_pounds():
    limit = spending_limit(electorate=70_000, seat_type="borough")

    assert limit.electors_pence == 560_000  # £5,600
    assert limit.limit_pence == 1_699_000  # £11,390 + £5,600 = £16,990
    assert limit.formula == (
        "£11,390 + 8p × 70,000 electors (borough constituency) = £11,390 + £5,600 = £16,990"
    )


def test_a_county_seat_counts_12p_per_elector():
    limit = spending_limit(electorate=70_000, seat_type="county")

    assert limit.limit_pence == 1_139_000 + 840_000  # £11,390 + £8,400 = £19,790
    assert limit.formula.endswith("= £11,390 + £8,400 = £19,790")


def test_odd_electorates_keep_the_pence():
    # 72,531 × 8p = £5,802.48; 72,531 × 12p = £8,703.72
    assert spending_limit(electorate=72_531, seat_type="borough").limit_pence == 1_719_248
    assert spending_limit(electorate=72_531, seat_type="county").limit_pence == 2_009_372


def test_no_limit_until_the_electorate_and_seat_type_are_entered():
    assert SpendingSettings(electorate=70_000).limit is None
    assert SpendingSettings(seat_type="county").limit is None


def test_the_agent_enters_the_figures_and_admin_shows_the_formula(client):
    signed_in(client, "Agent")
    url = reverse("admin:donations_spendingsettings_change", args=[1])
    assert client.get(reverse("admin:donations_spendingsettings_changelist")).url == url

    response = client.post(
        url,
        {
            "electorate": "70000",
            "seat_type": "borough",
            "period_start": "2026-05-18",
            "period_end": "2026-07-02",
            "declared_on": "",
        },
    )

    assert response.status_code == 302, response.context["adminform"].form.errors
    row = SpendingSettings.objects.get()
    assert (row.electorate, row.seat_type, row.limit.limit_pence) == (70_000, "borough", 1_699_000)
    page = client.get(url).content.decode()
    assert "£16,990" in page
    assert "£11,390 + 8p × 70,000 electors (borough constituency)" in page


def test_a_period_that_ends_before_it_starts_is_refused(client):
    signed_in(client, "Agent")
    period()
    url = reverse("admin:donations_spendingsettings_change", args=[1])

    response = client.post(
        url,
        {
            "electorate": "70000",
            "seat_type": "county",
            "period_start": "2026-07-02",
            "period_end": "2026-05-18",
            "declared_on": "",
        },
    )

    assert "The regulated period cannot end before it starts." in response.content.decode()
    assert SpendingSettings.objects.get().seat_type == "borough"
