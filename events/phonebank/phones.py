"""Phone numbers for calling: parsed with `phonenumbers` and kept in E.164 (+447700900123)."""

import phonenumbers
from django.core.exceptions import ValidationError

# Ofcom keeps 07700 900000 to 07700 900999 (mobile) and 01632 960000 to 01632 960999
# (landline) for drama: the numbers never ring anyone. The demo call lists and practice
# calls use them, so they count as UK numbers here even though `phonenumbers` (rightly)
# says no line has them.
DRAMA_RANGE = ("+447700900000", "+447700900999")
DRAMA_RANGES = (DRAMA_RANGE, ("+441632960000", "+441632960999"))

NOT_UK = "Not a UK phone number"

# Volunteers dial from their own phones: only numbers that cost them what a UK landline
# or mobile call costs (or nothing) are accepted.
UAN = phonenumbers.PhoneNumberType.UAN
CALLABLE_TYPES = frozenset(
    {
        phonenumbers.PhoneNumberType.MOBILE,
        phonenumbers.PhoneNumberType.FIXED_LINE,
        phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
        phonenumbers.PhoneNumberType.TOLL_FREE,  # 0800, 0808: free to call
        UAN,  # 03: charged as a geographic call (but 055 is UAN too: refused below)
    }
)
SERVICE_CHARGE = (
    phonenumbers.PhoneNumberType.PREMIUM_RATE,
    phonenumbers.PhoneNumberType.SHARED_COST,
)
CROWN_DEPENDENCIES = {"IM": "an Isle of Man", "GG": "a Guernsey", "JE": "a Jersey"}
WHY_NOT = {
    phonenumbers.PhoneNumberType.PERSONAL_NUMBER: (
        "070 numbers are personal numbers that cost callers a lot"
    ),
    phonenumbers.PhoneNumberType.PAGER: "076 numbers are pagers: nobody answers them",
    phonenumbers.PhoneNumberType.VOIP: (
        "056 numbers are internet-phone numbers that can cost callers more than a landline"
    ),
}


def phone_to_e164(value: str) -> str:
    """'07700 900123', '+44 7700 900123', '0044 1332 000000' -> E.164.

    Only numbers a volunteer can call from their own phone at a normal cost: UK mobiles,
    landlines, 03 numbers and freephone. Raises ValidationError saying why otherwise: not a
    UK number (code "phone"), or one that is, of a kind volunteers must not be asked to
    call (premium rate, service charge, personal numbers, pagers, the Crown dependencies,
    which share +44), or written with an extension or as a spreadsheet formula (code
    "phone_refused")."""
    raw = (value or "").strip()
    if not raw:
        raise ValidationError("No phone number", code="phone")
    if raw.startswith("="):  # ="07700 900123" keeps a spreadsheet's 0, or a formula
        raise ValidationError(
            "Written as a spreadsheet formula (it starts with =): export the sheet's values",
            code="phone_refused",
        )
    try:
        number = phonenumbers.parse(raw, "GB")
    except phonenumbers.NumberParseException:
        raise ValidationError(NOT_UK, code="phone") from None
    if number.extension:
        raise ValidationError(
            "Has an extension: callers cannot dial one, give the person's direct number",
            code="phone_refused",
        )
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    if number.country_code == 44 and is_drama_number(e164):
        return e164
    # The region of a +44 number that is valid anywhere: GB, a Crown dependency or None.
    region = phonenumbers.region_code_for_number(number) if number.country_code == 44 else None
    if region is None:
        raise ValidationError(NOT_UK, code="phone")
    refused = _why_not_callable(number, region=region)
    if refused:
        raise ValidationError(refused, code="phone_refused")
    return e164


def _why_not_callable(number: phonenumbers.PhoneNumber, *, region: str) -> str:
    """Why volunteers must not call this valid +44 number; "" when they may. Region "GB"
    is phonenumbers' is_valid_number_for_region(number, "GB")."""
    kind = phonenumbers.number_type(number)
    is_03 = str(number.national_number).startswith("3")
    if region == "GB" and kind in CALLABLE_TYPES and (kind != UAN or is_03):
        return ""
    national = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    prefix = national.split(" ")[0]
    if region in CROWN_DEPENDENCIES:
        what = "mobile" if kind == phonenumbers.PhoneNumberType.MOBILE else "number"
        return (
            f"{prefix} is {CROWN_DEPENDENCIES[region]} {what}: calls to it cost volunteers "
            "more than a UK call"
        )
    if kind == phonenumbers.PhoneNumberType.PREMIUM_RATE and national.startswith("09"):
        return f"{prefix} numbers are premium rate: volunteers would pay to call them"
    if kind in SERVICE_CHARGE:  # 084, 087 (phonenumbers calls 0845 premium rate too)
        return f"{prefix} numbers carry a service charge: volunteers would pay to call them"
    if kind == UAN:
        return f"{prefix} numbers are corporate numbers that cost callers more than a landline"
    return WHY_NOT.get(kind, f"{prefix} numbers are not ones volunteers can call at a normal cost")


def is_drama_number(e164: str) -> bool:
    return any(len(e164) == len(low) and low <= e164 <= high for low, high in DRAMA_RANGES)


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
