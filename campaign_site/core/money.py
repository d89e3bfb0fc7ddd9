"""Integer pence in, words out: every amount is stored and computed in pence (GBP)."""

import re


def pence_to_text(pence: int) -> str:
    """£10, £12.50, £1,300 (whole pounds drop the pence)."""
    sign = "-" if pence < 0 else ""
    pounds, rest = divmod(abs(int(pence)), 100)
    if rest:
        return f"{sign}£{pounds:,}.{rest:02d}"
    return f"{sign}£{pounds:,}"


def pence_as_pounds(pence: int) -> str:
    """1300000 -> "13,000"; 1300050 -> "13,000.50" (what a person types, without the £)."""
    return pence_to_text(pence).removeprefix("£")


def pence_to_decimal_text(pence: int) -> str:
    """12.50 (for CSV cells and form values)."""
    pounds, rest = divmod(int(pence), 100)
    return f"{pounds}.{rest:02d}"


# Pounds as people type them: "5", "5.00", "1,000", "1,000.50". A comma only ever separates
# thousands (groups of exactly three digits): "5,00" may mean five pounds or five hundred, so it
# is refused rather than guessed. [0-9], not \d: Python's int and Decimal accept any script's
# digits, and exponents ("1e3"), NaN and Infinity.
POUNDS_TYPED = re.compile(
    r"(?P<pounds>[0-9]{1,3}(?:,[0-9]{3})+|[0-9]{1,12})(?:\.(?P<pence>[0-9]{1,2}))?"
)


def pounds_text_to_pence(text: str) -> int | None:
    """Parse what a donor types ("10", "£12.50", "1,000") to pence; None if it is not money."""
    cleaned = text.strip().removeprefix("£").strip()
    match = POUNDS_TYPED.fullmatch(cleaned)
    if match is None:
        return None
    pounds = int(match["pounds"].replace(",", ""))
    pence = int((match["pence"] or "0").ljust(2, "0"))
    return pounds * 100 + pence
