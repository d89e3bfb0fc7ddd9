"""The £50 rule, written once: the form, the model, the agent's checks and checkout all ask
this module.

The law (the Political Parties, Elections and Referendums Act 2000 as it applies to
candidates, and the Electoral Commission's guidance for candidates and agents): a candidate
may keep a donation of more than £50 only from a permissible source, and for an individual
that means being on a UK electoral register. The agent checks within 30 days and returns
what cannot be accepted, and the spending return records each such donor's name and
address.

What we ask for, and refuse a gift over £50 without (a decision, stated here once):

- the donor's full name, first and last at least, as on the register;
- the home address as an electoral register entry has it: the first line (house and
  street), the town and a valid UK postcode (a second line is optional). A register entry
  always has a post town and a postcode, and the agent needs all three to find the donor
  on it. (An overseas elector gives the UK address they are registered at; a company or
  other permissible source gives its registered UK address.)
- who is giving: a person on a UK electoral register, or another permissible source for
  the agent to check;
- the donor's declaration that this is true and not given on anyone else's behalf. The Act
  does not ask for it; it is the evidence the agent keeps of what the donor said.

A gift of exactly £50 is not "more than £50" and needs none of this.
"""

from dataclasses import dataclass

from django.core.exceptions import ValidationError

from volunteers.validators import normalise_postcode

PERMISSIBILITY_THRESHOLD_PENCE = 5_000
_REASON = "We need this for gifts over £50."


@dataclass(frozen=True)
class Missing:
    """One thing a gift over £50 lacks: the field, how the agent's screens name it, and
    what the donor is told next to the field."""

    field: str  # name, address_line1, town, postcode, permissible_source or declaration
    what: str
    donor_message: str


def permissibility_needed(amount_pence: int) -> bool:
    """Whether a gift of this amount (each month's, for a monthly gift) is over £50."""
    return amount_pence > PERMISSIBILITY_THRESHOLD_PENCE


def permissibility_missing(
    *,
    amount_pence: int,
    name: str,
    address_line1: str,
    town: str,
    postcode: str,
    permissible_source: str,
    declared: bool,
) -> list[Missing]:
    """What a gift lacks before it may be taken or accepted; empty when nothing does (and
    always for a gift of £50 or less)."""
    if not permissibility_needed(amount_pence):
        return []
    missing = []
    if len((name or "").split()) < 2:
        missing.append(
            Missing(
                "name",
                "the donor's full name (first and last)",
                "For a gift over £50, give your full name (first and last).",
            )
        )
    if not (address_line1 or "").strip():
        missing.append(
            Missing(
                "address_line1", "the donor's home address", f"Enter your home address. {_REASON}"
            )
        )
    if not (town or "").strip():
        missing.append(Missing("town", "the donor's town", f"Enter your town or city. {_REASON}"))
    if not _valid_postcode(postcode):
        missing.append(
            Missing(
                "postcode",
                "the donor's postcode (a UK postcode)",
                f"Enter your postcode. {_REASON}",
            )
        )
    if not permissible_source:
        missing.append(
            Missing(
                "permissible_source",
                "the donor's permissible source",
                f"Choose who is giving. {_REASON}",
            )
        )
    if not declared:
        missing.append(
            Missing(
                "declaration",
                "the donor's permissibility declaration",
                f"Tick the declaration. {_REASON}",
            )
        )
    return missing


def _valid_postcode(postcode: str) -> bool:
    try:
        return bool(normalise_postcode(postcode or ""))
    except ValidationError:
        return False
