"""Phone numbers for calling: parsed with `phonenumbers` and kept in E.164 (+447700900123)."""

import phonenumbers
from django.core.exceptions import ValidationError

# Ofcom keeps 07700 900000 to 07700 900999 for drama: the numbers never ring anyone. The
# demo call lists and practice calls use them, so they count as UK numbers here even though
# `phonenumbers` (rightly) says no line has them.
DRAMA_RANGE = ("+447700900000", "+447700900999")

NOT_UK = "Not a UK phone number"


def phone_to_e164(value: str) -> str:
    """'07700 900123', '+44 7700 900123', '0044 1332 000000' -> E.164.

    Raises ValidationError for anything that is not a valid UK number (including the Crown
    dependencies, which share +44)."""
    raw = (value or "").strip()
    if not raw:
        raise ValidationError("No phone number", code="phone")
    try:
        number = phonenumbers.parse(raw, "GB")
    except phonenumbers.NumberParseException:
        raise ValidationError(NOT_UK, code="phone") from None
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    if number.country_code == 44 and is_drama_number(e164):
        return e164
    if number.country_code != 44 or not phonenumbers.is_valid_number(number):
        raise ValidationError(NOT_UK, code="phone")
    return e164


def is_drama_number(e164: str) -> bool:
    low, high = DRAMA_RANGE
    return len(e164) == len(low) and low <= e164 <= high


def phone_for_display(e164: str) -> str:
    """'+447700900123' -> '07700 900123', the way a caller dials it in the UK."""
    if is_drama_number(e164):
        return f"0{e164[3:7]} {e164[7:]}"
    try:
        number = phonenumbers.parse(e164, "GB")
    except phonenumbers.NumberParseException:
        return e164
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)


def phone_masked(e164: str) -> str:
    """For lists of refused rows: enough to find the row, not the whole number."""
    return f"{e164[:5]}•••••{e164[-3:]}" if len(e164) > 10 else "•••••"
