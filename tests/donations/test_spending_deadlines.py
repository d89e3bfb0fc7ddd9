"""The deadlines after the declaration of the result: 21, 28 and 35 calendar days, then 7
working days (no weekends, no England and Wales bank holidays) for the candidate."""

from datetime import date

import pytest

from donations.spending_rules import is_working_day, spending_deadlines, working_days_after


def test_the_deadlines_from_a_friday_declaration():
    d = spending_deadlines(date(2026, 7, 3))  # Friday 3 July 2026

    assert d.invoices_by == date(2026, 7, 24)
    assert d.paid_by == date(2026, 7, 31)
    assert d.return_by == date(2026, 8, 7)  # a Friday
    # Mon 10 ... Fri 14 (5), Mon 17 (6), Tue 18 (7): the weekends are not counted.
    assert d.candidate_declaration_by == date(2026, 8, 18)


def test_a_bank_holiday_in_the_seven_working_days_is_skipped():
    d = spending_deadlines(date(2026, 7, 23))

    assert d.return_by == date(2026, 8, 27)  # Thursday
    # Fri 28 (1), Mon 31 August is the summer bank holiday, Tue 1 (2) ... Tue 8 September (7).
    assert d.candidate_declaration_by == date(2026, 9, 8)


def test_christmas_and_new_year_are_skipped_across_the_year_end():
    d = spending_deadlines(date(2026, 11, 18))

    assert d.return_by == date(2026, 12, 23)
    # Thu 24 (1); Fri 25 and Mon 28 (Boxing Day's substitute) are bank holidays; Tue 29 (2),
    # Wed 30 (3), Thu 31 (4); Fri 1 January 2027 is one too; Mon 4 (5), Tue 5 (6), Wed 6 (7).
    assert d.candidate_declaration_by == date(2027, 1, 6)


def test_a_return_due_on_a_weekend_still_counts_from_that_day():
    d = spending_deadlines(date(2026, 6, 27))

    assert d.return_by == date(2026, 8, 1)  # a Saturday: calendar days are not moved
    assert d.candidate_declaration_by == date(2026, 8, 11)  # Mon 3 ... Tue 11


def test_beyond_the_bank_holiday_table_the_date_is_not_guessed():
    d = spending_deadlines(date(2027, 12, 1))

    assert d.return_by == date(2028, 1, 5)
    assert d.candidate_declaration_by is None
    assert "gov.uk/bank-holidays" in d.candidate_declaration_problem


def test_working_days():
    assert is_working_day(date(2026, 12, 24))
    assert not is_working_day(date(2026, 12, 28))  # substitute Boxing Day
    assert not is_working_day(date(2027, 3, 26))  # Good Friday
    assert not is_working_day(date(2026, 6, 6))  # a Saturday
    assert working_days_after(date(2026, 4, 2), 1) == date(2026, 4, 7)  # over Easter
    with pytest.raises(ValueError):
        is_working_day(date(2028, 1, 4))
