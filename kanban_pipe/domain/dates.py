"""Quick date entry and due-date wording; the only place python-dateutil is used."""

from __future__ import annotations

import re
from datetime import date

from dateutil.relativedelta import FR, relativedelta, weekdays

from kanban_pipe.domain.errors import InvalidInputError

DATE_FORMS_HELP = "2026-12-31, today, tomorrow, fri, next mon, +3d, 2w, eom, 31/12 or dec 3"

# dateutil.parser is deliberately not used: even with a fixed default it guesses
# ("dec" -> Dec 25, "3" -> the 3rd, "dec 3 10" -> 2010), and without one it reads
# the clock. Regexes fix the structure; relativedelta does the calendar arithmetic.

_KEYWORD_OFFSETS: dict[str, int] = {
    "today": 0,
    "tod": 0,
    "tomorrow": 1,
    "tom": 1,
    "yesterday": -1,
}

_WEEKDAY_NAMES: dict[str, int] = {
    name: index
    for index, names in enumerate(
        [
            ("mon", "monday"),
            ("tue", "tues", "tuesday"),
            ("wed", "wednesday"),
            ("thu", "thur", "thurs", "thursday"),
            ("fri", "friday"),
            ("sat", "saturday"),
            ("sun", "sunday"),
        ]
    )
    for name in names
}

_MONTH_NAMES: dict[str, int] = {
    name: index
    for index, names in enumerate(
        [
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ],
        start=1,
    )
    for name in names
}

_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_WEEKDAY = re.compile(r"(?:next )?([a-z]+)")
_OFFSET = re.compile(r"([+-]?)(\d{1,4})([dwmy])")
# The separator is captured and reused so mixed forms like 31/12.2027 are refused.
_DAY_MONTH = re.compile(r"(\d{1,2})([/.-])(\d{1,2})(?:\2(\d{2}|\d{4}))?")
_MONTH_DAY = re.compile(r"([a-z]+)\.? (\d{1,2})(?:,? (\d{4}))?")
_DAY_MONTH_NAME = re.compile(r"(\d{1,2}) ([a-z]+)\.?(?:,? (\d{4}))?")

_OFFSET_UNITS: dict[str, str] = {"d": "days", "w": "weeks", "m": "months", "y": "years"}


def parse_date(text: str, today: date) -> date:
    """Read a quickly typed date relative to `today`, or raise InvalidInputError.

    Accepted (case-insensitive, surrounding whitespace ignored):

    - ISO ``2026-12-31``;
    - ``today``/``tod``, ``tomorrow``/``tom``, ``yesterday``;
    - weekday names (``fri``, ``friday``, ``tues``, ...): the next such day, never
      today, so ``fri`` typed on a Friday is a week later. ``next fri`` means the
      same as ``fri`` (the next Friday strictly after today), because "next" is
      read both ways in speech and a due date should not silently jump two weeks;
    - offsets ``+3d``, ``2w``, ``+1m``, ``1y``, ``-2d`` (months and years through
      relativedelta, so Jan 31 + 1m is the end of February);
    - ``eow`` (this week's Friday; on Sat/Sun the coming Friday), ``eom``, ``eoq``
      (end of the calendar quarter), ``eoy``;
    - day first ``31/12``, ``31.12``, ``31-12`` with an optional year of two or four
      digits (``31/12/27`` is 2027, in today's century);
    - month names ``dec 3``, ``3 dec``, ``december 3``, ``3 december 2027``,
      ``dec 3, 2027``.

    A day and month without a year mean their next occurrence: this year's if it
    is today or later, otherwise next year's.
    """
    shown = text.strip()
    # Collapse inner runs of whitespace so "next  mon" or "dec   3" still read.
    key = " ".join(shown.lower().split())
    try:
        result = _parse_known_form(key, shown, today)
    except OverflowError:
        # Only reachable at the calendar's edges, e.g. "tomorrow" on 9999-12-31.
        raise InvalidInputError(f"{shown} is too far from today") from None
    if result is None:
        raise InvalidInputError(f"can't read '{shown}' as a date; use {DATE_FORMS_HELP}")
    return result


def _parse_known_form(key: str, shown: str, today: date) -> date | None:
    """The date for one of the accepted forms, or None when no form matches."""
    if key in _KEYWORD_OFFSETS:
        return today + relativedelta(days=_KEYWORD_OFFSETS[key])
    if key == "eow":
        # FR(+1) keeps a Friday as is and rolls Sat/Sun on to the coming Friday.
        return today + relativedelta(weekday=FR(+1))
    if key == "eom":
        # An absolute day=31 is clamped by relativedelta to the month's last day.
        return today + relativedelta(day=31)
    if key == "eoq":
        quarter_end_month = (today.month - 1) // 3 * 3 + 3
        return today + relativedelta(month=quarter_end_month, day=31)
    if key == "eoy":
        return date(today.year, 12, 31)

    if match := _ISO.fullmatch(key):
        year, month, day = (int(part) for part in match.groups())
        return _real_date(year, month, day, shown)

    if (match := _WEEKDAY.fullmatch(key)) and match.group(1) in _WEEKDAY_NAMES:
        # Start from tomorrow so the named day is never today.
        target = weekdays[_WEEKDAY_NAMES[match.group(1)]](+1)
        return today + relativedelta(days=+1, weekday=target)

    if match := _OFFSET.fullmatch(key):
        sign, count, unit = match.groups()
        amount = -int(count) if sign == "-" else int(count)
        try:
            return today + relativedelta(**{_OFFSET_UNITS[unit]: amount})
        except (OverflowError, ValueError):
            # Whole years go through date.replace (ValueError), days through timedelta.
            raise InvalidInputError(f"{shown} is too far from today") from None

    if match := _DAY_MONTH.fullmatch(key):
        day_text, _separator, month_text, year_text = match.groups()
        return _day_month_year(int(day_text), int(month_text), year_text, shown, today)

    if (match := _MONTH_DAY.fullmatch(key)) and match.group(1) in _MONTH_NAMES:
        month_name, day_text, year_text = match.groups()
        return _day_month_year(int(day_text), _MONTH_NAMES[month_name], year_text, shown, today)

    if (match := _DAY_MONTH_NAME.fullmatch(key)) and match.group(2) in _MONTH_NAMES:
        day_text, month_name, year_text = match.groups()
        return _day_month_year(int(day_text), _MONTH_NAMES[month_name], year_text, shown, today)

    return None


def _day_month_year(day: int, month: int, year_text: str | None, shown: str, today: date) -> date:
    """A day and month with an optional typed year; without one, the next occurrence."""
    if year_text is not None:
        year = int(year_text)
        if len(year_text) == 2:
            # Two-digit years land in today's century: a due date is never 1927.
            year += today.year // 100 * 100
        return _real_date(year, month, day, shown)
    if not 1 <= month <= 12:
        raise InvalidInputError(f"{shown} is not a real date")
    # Compare (month, day) before building a date so 29/02 picks its year first and
    # is then refused in a non-leap year, instead of sliding to a far-off leap year.
    year = today.year if (month, day) >= (today.month, today.day) else today.year + 1
    return _real_date(year, month, day, shown, mention_year=True)


def _real_date(year: int, month: int, day: int, shown: str, mention_year: bool = False) -> date:
    """date(year, month, day), or InvalidInputError saying the date does not exist."""
    try:
        return date(year, month, day)
    except ValueError:
        # Only 29/02 exists in some years and not others; name the year it lacks.
        where = f" in {year}" if mention_year and _exists(2000, month, day) else ""
        raise InvalidInputError(f"{shown} is not a real date{where}") from None


def _exists(year: int, month: int, day: int) -> bool:
    """True when year-month-day is a calendar date."""
    try:
        date(year, month, day)
    except ValueError:
        return False
    return True


def relative_words(day: date, today: date) -> str:
    """Due-date wording: 'today', 'in 3d' or '2d overdue'."""
    delta = (day - today).days
    if delta == 0:
        return "today"
    if delta > 0:
        return f"in {delta}d"
    return f"{-delta}d overdue"


def days_ago_words(days: int) -> str:
    """Age wording: 'today', '1d ago', '12d ago'."""
    # A negative age only comes from clocks disagreeing between machines; show it as today.
    if days <= 0:
        return "today"
    return f"{days}d ago"


def format_date(day: date | None) -> str:
    """ISO text for a date, or the empty string for None."""
    return "" if day is None else day.isoformat()


def parse_iso_date(text: str | None) -> date | None:
    """Read a stored ISO date (YYYY-MM-DD); None or blank gives None."""
    if text is None or not text.strip():
        return None
    stripped = text.strip()
    # date.fromisoformat also takes 20261231 and 2026-W53-1; stored dates are never those.
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", stripped):
        raise InvalidInputError(f"can't read '{stripped}' as an ISO date (YYYY-MM-DD)")
    try:
        return date.fromisoformat(stripped)
    except ValueError:
        raise InvalidInputError(f"{stripped} is not a real date") from None
