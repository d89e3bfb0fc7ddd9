"""Reading a contacts file: the CSV, its columns, each row's name, number, postcode and
consent (where and when), and rows repeating a number. Nothing here touches the database;
services/imports.py keeps what is read, checks it against what is on file and adds it."""

import calendar
import csv
import io
import re
from datetime import date, datetime, time
from typing import IO

from django.core.exceptions import ValidationError

from events.ics import LONDON
from events.phonebank.phones import phone_masked, phone_to_e164
from volunteers.validators import normalise_postcode

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 50_000

# Header names people use, matched after lower-casing and dropping spaces, _ and -.
COLUMNS = {
    "name": {"name", "fullname"},
    "first_name": {"firstname", "forename", "givenname", "first"},
    "surname": {"surname", "lastname", "familyname", "last"},
    "phone": {"phone", "phonenumber", "number", "mobile", "telephone", "tel", "mobilenumber"},
    "postcode": {"postcode", "postalcode", "zip"},
    "consent": {"consent", "consentsource", "agreed", "whereagreed", "source", "consentwhere"},
    "consent_date": {"consentdate", "dateagreed", "date", "agreedon", "consentwhen", "when"},
}
DATE_FORMATS = ["%Y-%m-%d", "%d/%m/%Y", "%d/%m/%y", "%d %b %Y", "%d %B %Y", "%d-%m-%Y"]
NO_YEAR_FORMATS = ["%d %b", "%d %B", "%d/%m", "%b %d", "%B %d"]


class ImportFileError(ValidationError):
    """The file as a whole cannot be read (not CSV, too big, no phone column)."""


def _key(header: str) -> str:
    return re.sub(r"[\s_\-]", "", (header or "").strip().lower())


def _columns(headers: list[str], *, needs_consent: bool = True) -> dict[str, int]:
    found: dict[str, int] = {}
    for index, header in enumerate(headers):
        key = _key(header)
        for column, names in COLUMNS.items():
            if key in names and column not in found:
                found[column] = index
    if "phone" not in found:
        raise ImportFileError(
            "The file needs a header row with a phone column (and name, postcode, consent "
            "source and date). See the example on this page."
        )
    if "name" not in found and "first_name" not in found:
        raise ImportFileError("The file needs a name (or first name) column.")
    if "consent" not in found and needs_consent:
        raise ImportFileError(
            "The file needs a column saying where each person agreed to be called "
            '(e.g. "street stall"), with the date in it or in its own column.'
        )
    return found


def _text(file: IO[bytes] | IO[str] | str | bytes) -> str:
    raw = file if isinstance(file, str | bytes) else file.read()
    if len(raw) > MAX_BYTES:
        raise ImportFileError(f"The file is over {MAX_BYTES // (1024 * 1024)} MB.")
    text = raw if isinstance(raw, str) else _decoded(raw)
    if "\x00" in text:
        # PostgreSQL cannot store it, and a CSV file saved from a spreadsheet never has one:
        # a UTF-16 or Excel file, or a damaged one.
        line = text.count("\n", 0, text.index("\x00")) + 1
        raise ImportFileError(
            f"The file has a NUL character in it (line {line}), so it is not a plain CSV "
            'file. Save it from your spreadsheet as "CSV UTF-8" and try again.'
        )
    return text.lstrip("\ufeff")


def _decoded(raw: bytes) -> str:
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ImportFileError("The file is not text (save it from your spreadsheet as CSV).")


def consent_date_parse(value: str, *, today: date) -> date | None:
    """'14 Nov', '14 November 2025', '14/11/2025', '2025-11-14' -> a date, never in the
    future: a day and month without a year is the latest such day up to today. None when
    not understood. '29 Feb' is this year's or last year's; when neither has been (the
    last was years ago, more likely a slip), ValidationError asks for the year."""
    value = re.sub(r"\s+", " ", (value or "").strip().rstrip("."))
    if not value:
        return None
    for fmt in DATE_FORMATS:
        try:
            return datetime.strptime(value, fmt).date()  # noqa: DTZ007 - a date, no time
        except ValueError:
            continue
    for fmt in NO_YEAR_FORMATS:
        try:
            # Read in a leap year, so that 29 February is understood whatever today is.
            day = datetime.strptime(f"{value} 2000", f"{fmt} %Y").date()  # noqa: DTZ007
        except ValueError:
            continue
        return _latest_up_to(today, month=day.month, day=day.day)
    return None


def _latest_up_to(today: date, *, month: int, day: int) -> date:
    """This year's day-month if it is not after today, otherwise last year's."""
    for year in (today.year, today.year - 1):
        try:
            candidate = date(year, month, day)
        except ValueError:  # 29 February in a year that has none
            continue
        if candidate <= today:
            return candidate
    # Only 29 February gets here, when neither this year nor last year had one up to today.
    last = next(y for y in range(today.year - 2, today.year - 9, -1) if calendar.isleap(y))
    raise ValidationError(
        f"29 Feb without a year: the last one was in {last}, years ago. "
        f"Write the year (like 29 Feb {last})",
        code="consent_date",
    )


def _consent_parts(row: list[str], columns: dict[str, int], *, today: date):
    where = _cell(row, columns.get("consent"))
    when_text = _cell(row, columns.get("consent_date"))
    if not when_text and "," in where:
        head, _, tail = where.rpartition(",")
        try:
            is_date = consent_date_parse(tail, today=today) is not None
        except ValidationError:  # a date, but one to ask about: _row_parse says why
            is_date = True
        if is_date:
            where, when_text = head.strip(), tail.strip()
    return where, when_text


def _cell(row: list[str], index: int | None) -> str:
    if index is None or index >= len(row):
        return ""
    return row[index].strip()


def file_rows_read(
    file: IO[bytes] | IO[str] | str | bytes,
    *,
    today: date,
    wording: str,
    needs_consent: bool = True,
) -> tuple[list[dict], list[dict]]:
    """The file's usable rows ({line, first_name, surname, phone, postcode, consent_text,
    consent_where, consent_at}) and the refused ones ({line, reason, name, phone masked}).
    Without `needs_consent` (a screened list's import) no consent column is asked for and
    rows carry none. Raises ImportFileError when the file as a whole cannot be used."""
    reader = csv.reader(io.StringIO(_text(file)))
    try:
        headers = next(reader)
    except StopIteration:
        raise ImportFileError("The file is empty.") from None
    except csv.Error:
        raise ImportFileError("The file is not a CSV file.") from None
    columns = _columns(headers, needs_consent=needs_consent)
    valid: list[dict] = []
    refused: list[dict] = []
    by_phone: dict[str, int] = {}
    try:
        rows = list(reader)
    except csv.Error as exc:
        raise ImportFileError(f"The file is not a CSV file ({exc}).") from None
    if len(rows) > MAX_ROWS:
        raise ImportFileError(f"The file has over {MAX_ROWS:,} rows; split it into parts.")
    for line, row in enumerate(rows, start=2):
        if not any(cell.strip() for cell in row):
            continue
        parsed, reason = _row_parse(
            row, columns, today=today, wording=wording, needs_consent=needs_consent
        )
        shown = (parsed or {}).get("first_name") or _cell(row, columns.get("name"))
        if reason is None and parsed is not None and parsed["phone"] in by_phone:
            reason = f"Same number as line {by_phone[parsed['phone']]}"
        if reason is not None or parsed is None:
            number = (parsed or {}).get("phone") or ""
            refused.append(
                {
                    "line": line,
                    "reason": reason or "Not a usable row",
                    "name": shown[:60],
                    "phone": phone_masked(number),
                }
            )
            continue
        by_phone[parsed["phone"]] = line
        valid.append({**parsed, "line": line})
    return valid, refused


def _row_parse(
    row, columns, *, today: date, wording: str, needs_consent: bool = True
) -> tuple[dict | None, str | None]:
    first_name = _cell(row, columns.get("first_name"))
    surname = _cell(row, columns.get("surname"))
    if not first_name:
        first, _, rest = _cell(row, columns.get("name")).partition(" ")
        first_name, surname = first, surname or rest.strip()
    phone_text = _cell(row, columns.get("phone"))
    if not first_name:
        return None, "No name"
    if not phone_text:
        return None, "No phone number"
    try:
        phone = phone_to_e164(phone_text)
    except ValidationError as error:
        if error.code == "phone_refused":  # a UK number volunteers must not call: say why
            return None, error.messages[0]
        return None, "Not a valid UK phone number"
    result = {"first_name": first_name[:60], "surname": surname[:60], "phone": phone}
    if not needs_consent:
        try:
            postcode = normalise_postcode(_cell(row, columns.get("postcode")))
        except ValidationError:
            return result, "Postcode not recognised (leave it blank or correct it)"
        return {**result, "postcode": postcode}, None
    where, when_text = _consent_parts(row, columns, today=today)
    if not where:
        return result, "No consent source (where they agreed to be called)"
    if not when_text:
        return result, "No date for when they agreed to be called"
    try:
        when = consent_date_parse(when_text, today=today)
    except ValidationError as error:
        return result, error.messages[0]
    if when is None:
        return result, f'Date "{when_text[:20]}" not understood (write it like 14 Nov 2025)'
    if when > today:
        return result, "The date they agreed is in the future"
    try:
        postcode = normalise_postcode(_cell(row, columns.get("postcode")))
    except ValidationError:
        return result, "Postcode not recognised (leave it blank or correct it)"
    return {
        **result,
        "postcode": postcode,
        "consent_text": wording,
        "consent_where": where[:200],
        "consent_at": datetime.combine(when, time(12), tzinfo=LONDON).isoformat(),
    }, None
