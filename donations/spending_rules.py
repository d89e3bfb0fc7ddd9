"""The law's arithmetic for a candidate's spending, written once: the limit and the deadlines.

Source: Electoral Commission, "UK Parliamentary general election: guidance for candidates and
agents", spending limits (the short-campaign limit after the 2023 uprating) and the deadlines
after the declaration of the result. The Acting Returning Officer gives the electorate figure
and says whether the seat is a borough or a county constituency.
"""

from dataclasses import dataclass
from datetime import date, timedelta

from campaign_site.core.money import pence_to_text

LIMIT_FIXED_PENCE = 1_139_000  # £11,390
PER_ELECTOR_PENCE = {"borough": 8, "county": 12}

INVOICES_DAYS = 21  # invoices received within 21 calendar days of the declaration
PAYMENT_DAYS = 28  # paid within 28
RETURN_DAYS = 35  # the return delivered within 35
CANDIDATE_DECLARATION_WORKING_DAYS = 7  # the candidate's declaration, after the return

# England and Wales bank holidays (source: https://www.gov.uk/bank-holidays). Working days
# after the last year listed cannot be counted: add the next year's from the same page.
BANK_HOLIDAYS_ENGLAND_AND_WALES = frozenset(
    date.fromisoformat(day)
    for day in [
        "2026-01-01",  # New Year's Day
        "2026-04-03",  # Good Friday
        "2026-04-06",  # Easter Monday
        "2026-05-04",  # Early May bank holiday
        "2026-05-25",  # Spring bank holiday
        "2026-08-31",  # Summer bank holiday
        "2026-12-25",  # Christmas Day
        "2026-12-28",  # Boxing Day (substitute day)
        "2027-01-01",  # New Year's Day
        "2027-03-26",  # Good Friday
        "2027-03-29",  # Easter Monday
        "2027-05-03",  # Early May bank holiday
        "2027-05-31",  # Spring bank holiday
        "2027-08-30",  # Summer bank holiday
        "2027-12-27",  # Christmas Day (substitute day)
        "2027-12-28",  # Boxing Day (substitute day)
    ]
)
BANK_HOLIDAY_YEARS = frozenset(day.year for day in BANK_HOLIDAYS_ENGLAND_AND_WALES)


class BankHolidaysUnknown(ValueError):
    """The working days run into a year whose bank holidays are not in the table."""


@dataclass(frozen=True)
class SpendingLimit:
    seat_type: str
    electorate: int
    per_elector_pence: int

    @property
    def electors_pence(self) -> int:
        return self.per_elector_pence * self.electorate

    @property
    def limit_pence(self) -> int:
        return LIMIT_FIXED_PENCE + self.electors_pence

    @property
    def formula(self) -> str:
        """£11,390 + 8p × 70,000 electors = £11,390 + £5,600 = £16,990"""
        fixed = pence_to_text(LIMIT_FIXED_PENCE)
        return (
            f"{fixed} + {self.per_elector_pence}p × {self.electorate:,} electors "
            f"({self.seat_type} constituency) = {fixed} + {pence_to_text(self.electors_pence)} "
            f"= {pence_to_text(self.limit_pence)}"
        )


def spending_limit(*, electorate: int, seat_type: str) -> SpendingLimit:
    """The short-campaign limit for a seat of this type and electorate."""
    if seat_type not in PER_ELECTOR_PENCE:
        raise ValueError(f"Unknown seat type {seat_type!r}")
    return SpendingLimit(
        seat_type=seat_type,
        electorate=electorate,
        per_elector_pence=PER_ELECTOR_PENCE[seat_type],
    )


def is_working_day(day: date) -> bool:
    if day.year not in BANK_HOLIDAY_YEARS:
        raise BankHolidaysUnknown(
            f"The bank holidays of {day.year} are not in the table: add them from "
            "https://www.gov.uk/bank-holidays (donations/spending_rules.py)."
        )
    return day.weekday() < 5 and day not in BANK_HOLIDAYS_ENGLAND_AND_WALES


def working_days_after(start: date, days: int) -> date:
    """The day that ends `days` working days after `start` (start itself not counted)."""
    day = start
    counted = 0
    while counted < days:
        day += timedelta(days=1)
        if is_working_day(day):
            counted += 1
    return day


@dataclass(frozen=True)
class Deadlines:
    declared_on: date
    invoices_by: date
    paid_by: date
    return_by: date
    candidate_declaration_by: date | None  # None: bank holidays of that year not known
    candidate_declaration_problem: str = ""


def spending_deadlines(declared_on: date) -> Deadlines:
    """The deadlines counted from the declaration of the result: calendar days for the
    invoices, payments and the return; working days (England and Wales) for the candidate's
    declaration after the return's due date."""
    return_by = declared_on + timedelta(days=RETURN_DAYS)
    try:
        candidate_by: date | None = working_days_after(
            return_by, CANDIDATE_DECLARATION_WORKING_DAYS
        )
        problem = ""
    except BankHolidaysUnknown as exc:
        candidate_by, problem = None, str(exc)
    return Deadlines(
        declared_on=declared_on,
        invoices_by=declared_on + timedelta(days=INVOICES_DAYS),
        paid_by=declared_on + timedelta(days=PAYMENT_DAYS),
        return_by=return_by,
        candidate_declaration_by=candidate_by,
        candidate_declaration_problem=problem,
    )
