"""Reading cell values of an import file: amounts, dates, timestamps, yes/no, formula guards."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo
from enum import StrEnum

from kanban_pipe.domain.amounts import MAX_MINOR, minor_digits, parse_amount
from kanban_pipe.domain.dates import parse_date
from kanban_pipe.domain.errors import InvalidInputError
from kanban_pipe.store.rows import stamp


class DateOrder(StrEnum):
    """How a numeric date like 03/04/2026 is read."""

    DAY_FIRST = "day-first"
    MONTH_FIRST = "month-first"


# -- formulas -------------------------------------------------------------------------------

# What a spreadsheet runs as a formula (or as a DDE call) when a cell starts with it.
FORMULA_STARTS = "=+-@\t\r"


def neutralise(cell: str) -> str:
    """A CSV cell a spreadsheet shows as text: a leading apostrophe before a formula start.

    Cells already made of apostrophes and a formula start get one more, so `restore`
    gives back exactly what was exported.
    """
    if cell and (cell[0] in FORMULA_STARTS or (cell[0] == "'" and _guarded(cell))):
        return "'" + cell
    return cell


def restore(cell: str) -> str:
    """Undo `neutralise`: drop the apostrophe a spreadsheet (or our export) put first."""
    if cell[:1] == "'" and _guarded(cell):
        return cell[1:]
    return cell


def _guarded(cell: str) -> bool:
    rest = cell.lstrip("'")
    return bool(rest) and rest[0] in FORMULA_STARTS


# -- amounts --------------------------------------------------------------------------------

_PLAIN_AMOUNT = re.compile(r"([0-9]{1,16})(?:\.([0-9]{1,3}))?")
_SYMBOLS = "$€£¥"


def read_amount(text: str, currency: str) -> int | None:
    """An amount cell as minor units of `currency`; empty is None, no value (not 0).

    Plain numbers take a fast path that gives what parse_amount gives (a test holds them
    to that); everything else, and every refusal, is parse_amount's own.
    """
    cleaned = text.strip()
    if not cleaned:
        return None
    minor = plain_minor(cleaned, minor_digits(currency))
    if minor is not None:
        return minor
    return parse_amount(_strip_currency(cleaned, currency), currency)


def plain_minor(text: str, digits: int) -> int | None:
    """Minor units of a plain '12000' or '12000.5' with at most `digits` decimals, else None."""
    match = _PLAIN_AMOUNT.fullmatch(text)
    if match is None:
        return None
    whole, fraction = match.groups()
    if fraction is None:
        minor = int(whole) * 10**digits
    elif len(fraction) <= digits:
        minor = int(whole) * 10**digits + int(fraction.ljust(digits, "0"))
    else:
        return None
    return minor if minor <= MAX_MINOR else None


def _strip_currency(text: str, currency: str) -> str:
    """'$12,000' or '12 000 EUR' without the currency mark (only the row's own code)."""
    stripped = text.strip(_SYMBOLS).strip()
    code = currency.upper()
    upper = stripped.upper()
    if upper.startswith(code):
        stripped = stripped[len(code):]
    elif upper.endswith(code):
        stripped = stripped[:-len(code)]
    return stripped.strip() or text


def minor_units_from_json(value: object) -> int:
    """A JSON `value` number as kanban-pipe's JSON writes it: whole minor units."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInputError(
            "a JSON value is a whole number of minor units (cents), as the export writes it")
    if value < 0:
        raise InvalidInputError(f"an amount can't be negative: {value}")
    if value > MAX_MINOR:
        raise InvalidInputError(f"{value} is too large an amount")
    return value


# -- dates ----------------------------------------------------------------------------------

# Matched against lower-cased text (hence "t", "z", "pm").
_TIME = r"(?:[ t]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?: ?[ap]m)?(?:z|[+-]\d{2}:?\d{2})?)?"
_NUMERIC = re.compile(r"(\d{1,2})([/.-])(\d{1,2})(?:\2(\d{4}|\d{2}))?" + _TIME)
_YEAR_FIRST = re.compile(r"(\d{4})([/.-])(\d{1,2})\2(\d{1,2})" + _TIME)
AMBIGUOUS_HINT = "day and month could be either way round: say --dayfirst or --monthfirst"


def date_order_evidence(values: Iterable[str]) -> tuple[bool, bool]:
    """Whether any numeric date can only be day-first, and whether any only month-first."""
    day_first = month_first = False
    for value in values:
        match = _NUMERIC.fullmatch(value.strip().lower())
        if match is None:
            continue
        first, second = int(match.group(1)), int(match.group(3))
        day_first = day_first or (first > 12 >= second)
        month_first = month_first or (second > 12 >= first)
    return day_first, month_first


def read_file_date(text: str, order: DateOrder | None, today: date) -> date:
    """A date cell: ISO, numeric day/month in `order`, or a form parse_date reads."""
    key = text.strip().lower()
    if match := _YEAR_FIRST.fullmatch(key):
        return _real(int(match.group(1)), int(match.group(3)), int(match.group(4)), text)
    if match := _NUMERIC.fullmatch(key):
        first, second, year_text = int(match.group(1)), int(match.group(3)), match.group(4)
        if year_text is None:
            raise InvalidInputError(f"'{text.strip()}' has no year; write the whole date")
        year = int(year_text) + (today.year // 100 * 100 if len(year_text) == 2 else 0)
        if order is None:
            if first == second or first > 12 or second > 12:
                order = DateOrder.DAY_FIRST if first > 12 else DateOrder.MONTH_FIRST
            else:
                raise InvalidInputError(f"'{text.strip()}' is ambiguous: {AMBIGUOUS_HINT}")
        day, month = (first, second) if order is DateOrder.DAY_FIRST else (second, first)
        if month > 12:
            raise InvalidInputError(f"'{text.strip()}' is not a {order.value} date")
        return _real(year, month, day, text)
    if not any(char.isalpha() for char in key):
        raise InvalidInputError(
            f"can't read '{text.strip()}' as a date; use 2026-12-31 or 31/12/2026")
    return parse_date(text, today)


def _real(year: int, month: int, day: int, text: str) -> date:
    try:
        return date(year, month, day)
    except ValueError:
        raise InvalidInputError(f"'{text.strip()}' is not a real date") from None


# A timestamp exactly as the store writes it (ISO 8601, UTC, to the second).
STORED_STAMP = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+00:00")


def read_timestamp(text: str) -> str:
    """A timestamp cell as stored (ISO 8601 UTC to the second); naive ones are UTC."""
    cleaned = text.strip()
    try:
        moment = datetime.fromisoformat(cleaned)
    except ValueError:
        raise InvalidInputError(
            f"can't read '{cleaned}' as a timestamp; use 2026-11-25T10:00:00+00:00") from None
    if STORED_STAMP.fullmatch(cleaned):
        return cleaned  # already exactly as stored: skip the re-formatting
    return stamp(moment if moment.tzinfo else moment.replace(tzinfo=UTC))


_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
_CLOCK = re.compile(r"(\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(?: ?([ap])\.?m\.?)?"
                    r" ?(z|utc|[+-]\d{2}:?\d{2})?$")
# A moment known only to the day is taken at noon UTC: the same calendar day for
# whoever looks at it from UTC-11 to UTC+11 (midnight UTC is the day before in America).
_NOON = time(12, 0)


def read_moment(text: str, order: DateOrder | None, today: date) -> str:
    """A CRM's date or date-and-time cell as a stored timestamp; naive ones are UTC.

    ISO forms ('2024-06-02 10:00:00', '...T10:00:00+02:00') are read as they are; other
    dates ('03/15/2026 2:32 PM', '15.03.2026') by `order`, as date cells are.
    """
    cleaned = text.strip()
    if _ISO_DAY.fullmatch(cleaned):
        return stamp(datetime.combine(_real_iso(cleaned), _NOON, UTC))
    if cleaned[:4].isdigit() and cleaned[4:5] == "-":
        try:
            return read_timestamp(cleaned)
        except InvalidInputError:
            pass  # e.g. '2024-06-02 2:32 PM': read below
    key = cleaned.lower()
    clock = _CLOCK.search(key)
    day_text = key[:clock.start()].rstrip(" ,t") if clock else key
    try:
        day = read_file_date(day_text or key, order, today)
    except InvalidInputError as error:
        if str(error).startswith("can't read"):
            raise InvalidInputError(
                f"can't read '{cleaned}' as a timestamp; use 2026-11-25T10:00:00+00:00, "
                "2026-11-25 10:00 or a date") from None
        raise InvalidInputError(str(error).replace(f"'{day_text}'", f"'{cleaned}'")) from None
    if clock is None:
        return stamp(datetime.combine(day, _NOON, UTC))
    hour, minute, second = int(clock.group(1)), int(clock.group(2)), int(clock.group(3) or 0)
    if clock.group(4):
        if not 1 <= hour <= 12:
            raise InvalidInputError(f"'{cleaned}' is not a real time")
        hour = hour % 12 + (12 if clock.group(4) == "p" else 0)
    zone = clock.group(5)
    offset = UTC if zone in (None, "z", "utc") else _offset(zone, cleaned)
    try:
        moment = datetime.combine(day, time(hour, minute, second), offset)
    except ValueError:
        raise InvalidInputError(f"'{cleaned}' is not a real time") from None
    return stamp(moment)


def _real_iso(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidInputError(f"'{text}' is not a real date") from None


def _offset(zone: str, text: str) -> tzinfo:
    digits = zone.replace(":", "")
    hours, minutes = int(digits[1:3]), int(digits[3:5])
    if hours > 23 or minutes > 59:
        raise InvalidInputError(f"'{text}' has no real time zone offset")
    span = timedelta(hours=hours, minutes=minutes)
    return timezone(span if digits[0] == "+" else -span)


_YES = frozenset({"yes", "y", "true", "t", "1", "x"})
_NO = frozenset({"no", "n", "false", "f", "0", ""})


def read_flag(value: object) -> bool:
    """A yes/no cell (yes, true, 1, x / no, false, 0, empty) or a JSON boolean."""
    if isinstance(value, bool):
        return value
    key = str(value).strip().lower()
    if key in _YES:
        return True
    if key in _NO:
        return False
    raise InvalidInputError(f"can't read '{value}' as yes or no")


def read_position(text: str) -> int | None:
    """A card position (a whole number from 0), or None when empty."""
    cleaned = text.strip()
    if not cleaned:
        return None
    if not (cleaned.isascii() and cleaned.isdigit()) or len(cleaned) > 12:
        raise InvalidInputError(f"position '{cleaned}' must be a whole number from 0")
    return int(cleaned)
