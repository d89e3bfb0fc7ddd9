"""The one parser of pounds typed by donors and organisers."""

import pytest

from campaign_site.core.money import pounds_text_to_pence


@pytest.mark.parametrize(
    ("typed", "pence"),
    [
        ("5", 500),
        ("5.00", 500),
        ("£5", 500),
        (" £5.5 ", 550),
        ("1,000", 100_000),
        ("1,000.50", 100_050),
        ("13,000,000", 1_300_000_000),
    ],
)
def test_pounds_as_people_type_them(typed, pence):
    assert pounds_text_to_pence(typed) == pence


@pytest.mark.parametrize(
    "typed",
    [
        "5,00",
        "12,50",
        "12,5",
        "1,00,000",
        "\u0665",
        "\uff15",
        "1e3",
        "NaN",
        "Infinity",
        "-5",
        "5.001",
        "",
        "£",
        "ten",
    ],
)
def test_ambiguous_or_odd_amounts_are_refused(typed):
    assert pounds_text_to_pence(typed) is None
