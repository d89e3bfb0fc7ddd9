"""Integer pence in, words out: every amount is stored and computed in pence (GBP)."""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation


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


def pounds_text_to_pence(text: str) -> int | None:
    """Parse what a donor types ("10", "£12.50", "1,000") to pence; None if it is not money."""
    cleaned = text.strip().replace("£", "").replace(",", "").replace(" ", "")
    if not cleaned:
        return None
    try:
        amount = Decimal(cleaned)
    except InvalidOperation:
        return None
    # (is_finite() first: only a finite amount has a whole-number exponent.)
    if not amount.is_finite() or -int(amount.as_tuple().exponent) > 2:
        return None
    return int((amount * 100).quantize(Decimal("1"), rounding=ROUND_HALF_UP))
