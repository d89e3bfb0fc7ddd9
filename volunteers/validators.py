"""UK postcodes and phone numbers: checked, then stored in one normal form."""

import re

from django.core.exceptions import ValidationError

_POSTCODE = re.compile(r"^(GIR0AA|[A-PR-UWYZ][A-HK-Y]?\d[A-Z\d]?\d[ABD-HJLNP-UW-Z]{2})$")
_PHONE_SEPARATORS = re.compile(r"[\s\-().]")
_UK_PHONE = re.compile(r"^(?:\+44|0044|0)([1-9]\d{8,9})$")


def normalise_postcode(value: str) -> str:
    """'de221aa ' -> 'DE22 1AA'. Raises ValidationError for anything not a UK postcode."""
    compact = re.sub(r"\s+", "", value or "").upper()
    if not compact:
        return ""
    if not _POSTCODE.match(compact):
        raise ValidationError(
            "Enter a UK postcode, such as DE22 1AA, or leave it blank.", code="postcode"
        )
    return f"{compact[:-3]} {compact[-3:]}"


def normalise_uk_phone(value: str) -> str:
    """'07700 900123' or '+44 7700 900123' -> '+447700900123' (E.164)."""
    compact = _PHONE_SEPARATORS.sub("", value or "")
    if not compact:
        return ""
    match = _UK_PHONE.match(compact)
    if not match:
        raise ValidationError(
            "Enter a UK phone number, such as 07700 900123, or leave it blank.", code="phone"
        )
    return f"+44{match.group(1)}"


def validate_postcode(value: str) -> None:
    normalise_postcode(value)


def validate_uk_phone(value: str) -> None:
    normalise_uk_phone(value)
