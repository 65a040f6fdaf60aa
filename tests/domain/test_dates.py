"""Tests for quick date entry and due-date wording."""

from __future__ import annotations

from datetime import date

import pytest

from kanban_pipe.domain.dates import (
    DATE_FORMS_HELP,
    days_ago_words,
    format_date,
    parse_date,
    parse_iso_date,
    relative_words,
)
from kanban_pipe.domain.errors import InvalidInputError

WEDNESDAY = date(2026, 11, 25)
FRIDAY = date(2026, 11, 27)
SATURDAY = date(2026, 11, 28)
MONTH_END = date(2027, 1, 31)
LEAP_MONTH_END = date(2028, 1, 31)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # ISO
        ("2026-12-31", date(2026, 12, 31)),
        ("2025-01-01", date(2025, 1, 1)),
        ("2028-02-29", date(2028, 2, 29)),
        ("2027-3-5", date(2027, 3, 5)),
        # keywords
        ("today", WEDNESDAY),
        ("tod", WEDNESDAY),
        ("tomorrow", date(2026, 11, 26)),
        ("tom", date(2026, 11, 26)),
        ("yesterday", date(2026, 11, 24)),
        ("  TODAY ", WEDNESDAY),
        ("Tomorrow", date(2026, 11, 26)),
        # weekdays: the next such day, never today
        ("mon", date(2026, 11, 30)),
        ("monday", date(2026, 11, 30)),
        ("tue", date(2026, 12, 1)),
        ("tues", date(2026, 12, 1)),
        ("tuesday", date(2026, 12, 1)),
        ("wed", date(2026, 12, 2)),
        ("wednesday", date(2026, 12, 2)),
        ("thu", date(2026, 11, 26)),
        ("thurs", date(2026, 11, 26)),
        ("thursday", date(2026, 11, 26)),
        ("fri", date(2026, 11, 27)),
        ("Friday", date(2026, 11, 27)),
        ("sat", date(2026, 11, 28)),
        ("saturday", date(2026, 11, 28)),
        ("sun", date(2026, 11, 29)),
        ("sunday", date(2026, 11, 29)),
        ("next mon", date(2026, 11, 30)),
        ("next wed", date(2026, 12, 2)),
        ("next fri", date(2026, 11, 27)),
        ("NEXT   Thursday", date(2026, 11, 26)),
        # offsets
        ("+3d", date(2026, 11, 28)),
        ("3d", date(2026, 11, 28)),
        ("+0d", WEDNESDAY),
        ("+2w", date(2026, 12, 9)),
        ("2w", date(2026, 12, 9)),
        ("+1m", date(2026, 12, 25)),
        ("1m", date(2026, 12, 25)),
        ("+2m", date(2027, 1, 25)),
        ("+1y", date(2027, 11, 25)),
        ("1y", date(2027, 11, 25)),
        ("-2d", date(2026, 11, 23)),
        ("-1w", date(2026, 11, 18)),
        ("-1m", date(2026, 10, 25)),
        ("+40d", date(2027, 1, 4)),
        ("+3D", date(2026, 11, 28)),
        # period ends
        ("eow", FRIDAY),
        ("eom", date(2026, 11, 30)),
        ("eoq", date(2026, 12, 31)),
        ("eoy", date(2026, 12, 31)),
        ("EOM", date(2026, 11, 30)),
        # day first, no year: the next occurrence (today counts)
        ("31/12", date(2026, 12, 31)),
        ("31.12", date(2026, 12, 31)),
        ("31-12", date(2026, 12, 31)),
        ("25/11", WEDNESDAY),
        ("26/11", date(2026, 11, 26)),
        ("24/11", date(2027, 11, 24)),
        ("1/1", date(2027, 1, 1)),
        ("01/01", date(2027, 1, 1)),
        ("5/3", date(2027, 3, 5)),
        # day first with a year
        ("31/12/2027", date(2027, 12, 31)),
        ("31.12.2027", date(2027, 12, 31)),
        ("31-12-2027", date(2027, 12, 31)),
        ("31/12/27", date(2027, 12, 31)),
        ("1/2/26", date(2026, 2, 1)),
        ("29/02/2028", date(2028, 2, 29)),
        # month names, no year: the next occurrence (today counts)
        ("dec 3", date(2026, 12, 3)),
        ("3 dec", date(2026, 12, 3)),
        ("december 3", date(2026, 12, 3)),
        ("3 december", date(2026, 12, 3)),
        ("Dec. 3", date(2026, 12, 3)),
        ("nov 25", WEDNESDAY),
        ("nov 24", date(2027, 11, 24)),
        ("24 november", date(2027, 11, 24)),
        ("jan 5", date(2027, 1, 5)),
        ("sept 9", date(2027, 9, 9)),
        ("may 1", date(2027, 5, 1)),
        # month names with a year
        ("3 december 2027", date(2027, 12, 3)),
        ("dec 3 2027", date(2027, 12, 3)),
        ("dec 3, 2027", date(2027, 12, 3)),
        ("3 dec 2025", date(2025, 12, 3)),
        ("  DEC   3  ", date(2026, 12, 3)),
    ],
)
def test_parse_date_on_a_wednesday(text: str, expected: date) -> None:
    assert parse_date(text, WEDNESDAY) == expected


@pytest.mark.parametrize(
    ("text", "today", "expected"),
    [
        # on a Friday, "fri" is a week later, never today
        ("fri", FRIDAY, date(2026, 12, 4)),
        ("friday", FRIDAY, date(2026, 12, 4)),
        ("next fri", FRIDAY, date(2026, 12, 4)),
        ("sat", FRIDAY, date(2026, 11, 28)),
        ("thu", FRIDAY, date(2026, 12, 3)),
        ("eow", FRIDAY, FRIDAY),
        # a weekend's working-week end is the coming Friday
        ("eow", SATURDAY, date(2026, 12, 4)),
        ("eow", date(2026, 11, 29), date(2026, 12, 4)),
        ("eow", date(2026, 11, 30), date(2026, 12, 4)),
        # months clamp to the month's end
        ("+1m", MONTH_END, date(2027, 2, 28)),
        ("1m", MONTH_END, date(2027, 2, 28)),
        ("+1m", LEAP_MONTH_END, date(2028, 2, 29)),
        ("+3m", MONTH_END, date(2027, 4, 30)),
        ("+1y", date(2028, 2, 29), date(2029, 2, 28)),
        ("eom", date(2027, 2, 10), date(2027, 2, 28)),
        ("eom", date(2028, 2, 10), date(2028, 2, 29)),
        ("eom", MONTH_END, MONTH_END),
        ("eoq", date(2027, 1, 1), date(2027, 3, 31)),
        ("eoq", date(2027, 5, 15), date(2027, 6, 30)),
        ("eoq", date(2027, 9, 30), date(2027, 9, 30)),
        ("eoq", date(2027, 10, 1), date(2027, 12, 31)),
        ("eoy", MONTH_END, date(2027, 12, 31)),
        ("tomorrow", date(2026, 12, 31), date(2027, 1, 1)),
        ("31/12", date(2026, 12, 31), date(2026, 12, 31)),
        ("1/1", date(2026, 12, 31), date(2027, 1, 1)),
        ("29/02", date(2027, 11, 25), date(2028, 2, 29)),
        ("feb 29", date(2028, 1, 10), date(2028, 2, 29)),
        ("1/1/99", date(2026, 1, 1), date(2099, 1, 1)),
    ],
)
def test_parse_date_on_other_days(text: str, today: date, expected: date) -> None:
    assert parse_date(text, today) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "blah",
        "12",
        "2026",
        "fri 3",
        "3/4/5/6",
        "next",
        "next next mon",
        "next 3d",
        "this fri",
        "fr",
        "mo",
        "d",
        "+d",
        "3",
        "+3",
        "3 days",
        "+3x",
        "++3d",
        "+12345d",
        "dec",
        "3 dec 27",
        "dec 3 10",
        "dec 3rd",
        "on dec 3",
        "dec 3 at",
        "decem 3",
        "31/12.2027",
        "31/12/202",
        "31/12/02027",
        "2026/12/31",
        "20261231",
        "2026-12-31T10:00",
        "2026-12-31 10:00",
        "12/31/2026x",
        "tomorrow 3pm",
        "eod",
        "eo m",
        "1e5",
        "today!",
    ],
)
def test_parse_date_rejects_unreadable_input(text: str) -> None:
    with pytest.raises(InvalidInputError) as caught:
        parse_date(text, WEDNESDAY)
    message = str(caught.value)
    assert f"'{text.strip()}'" in message
    assert DATE_FORMS_HELP in message


@pytest.mark.parametrize(
    "text",
    [
        "2026-02-30",
        "2027-02-29",
        "2026-13-01",
        "2026-00-10",
        "2026-04-31",
        "0000-01-01",
        "31/02",
        "32/1",
        "0/5",
        "5/13",
        "31/04/2027",
        "29/02/2027",
        "feb 30",
        "31 april",
        "nov 0",
        "apr 31 2027",
    ],
)
def test_parse_date_rejects_impossible_dates(text: str) -> None:
    with pytest.raises(InvalidInputError) as caught:
        parse_date(text, WEDNESDAY)
    message = str(caught.value)
    assert text in message
    assert "is not a real date" in message


def test_parse_date_feb_29_without_year_names_the_year_it_lacks() -> None:
    with pytest.raises(InvalidInputError, match=r"29/02 is not a real date in 2027"):
        parse_date("29/02", WEDNESDAY)


@pytest.mark.parametrize(
    ("text", "today"),
    [
        ("+9999y", WEDNESDAY),
        ("-9999y", WEDNESDAY),
        ("-3000y", WEDNESDAY),
        ("+1m", date(9999, 12, 1)),
        ("+1d", date(9999, 12, 31)),
        ("-1d", date(1, 1, 1)),
        ("tomorrow", date(9999, 12, 31)),
        ("sat", date(9999, 12, 31)),
    ],
)
def test_parse_date_rejects_offsets_beyond_the_calendar(text: str, today: date) -> None:
    with pytest.raises(InvalidInputError, match="too far from today") as caught:
        parse_date(text, today)
    assert text in str(caught.value)


def test_parse_date_error_message_matches_the_documented_form() -> None:
    with pytest.raises(InvalidInputError) as caught:
        parse_date("blah", WEDNESDAY)
    assert str(caught.value) == (
        "can't read 'blah' as a date; use 2026-12-31, today, tomorrow, fri, "
        "next mon, +3d, 2w, eom, 31/12 or dec 3"
    )


def test_every_example_in_the_help_text_parses() -> None:
    examples = DATE_FORMS_HELP.replace(" or ", ", ").split(", ")
    for example in examples:
        parse_date(example, WEDNESDAY)


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (WEDNESDAY, "today"),
        (date(2026, 11, 26), "in 1d"),
        (date(2026, 11, 28), "in 3d"),
        (date(2027, 11, 25), "in 365d"),
        (date(2026, 11, 24), "1d overdue"),
        (date(2026, 11, 23), "2d overdue"),
        (date(2026, 10, 25), "31d overdue"),
    ],
)
def test_relative_words(day: date, expected: str) -> None:
    assert relative_words(day, WEDNESDAY) == expected


@pytest.mark.parametrize(
    ("days", "expected"),
    [(0, "today"), (1, "1d ago"), (12, "12d ago"), (400, "400d ago"), (-1, "today")],
)
def test_days_ago_words(days: int, expected: str) -> None:
    assert days_ago_words(days) == expected


@pytest.mark.parametrize(
    ("day", "expected"),
    [(None, ""), (date(2026, 12, 31), "2026-12-31"), (date(2027, 1, 5), "2027-01-05")],
)
def test_format_date(day: date | None, expected: str) -> None:
    assert format_date(day) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (None, None),
        ("", None),
        ("  ", None),
        ("2026-12-31", date(2026, 12, 31)),
        (" 2027-01-05 ", date(2027, 1, 5)),
    ],
)
def test_parse_iso_date(text: str | None, expected: date | None) -> None:
    assert parse_iso_date(text) == expected


@pytest.mark.parametrize("text", ["20261231", "2026-W53-1", "31/12/2026", "tomorrow", "2026-1-5"])
def test_parse_iso_date_rejects_non_iso(text: str) -> None:
    with pytest.raises(InvalidInputError, match="as an ISO date") as caught:
        parse_iso_date(text)
    assert text in str(caught.value)


def test_parse_iso_date_rejects_impossible_dates() -> None:
    with pytest.raises(InvalidInputError, match="2026-02-30 is not a real date"):
        parse_iso_date("2026-02-30")


@pytest.mark.parametrize("day", [date(2026, 1, 1), date(2028, 2, 29), date(2026, 12, 31)])
def test_format_date_round_trips_through_both_parsers(day: date) -> None:
    assert parse_iso_date(format_date(day)) == day
    assert parse_date(format_date(day), WEDNESDAY) == day
