"""Tests for reading and showing money amounts in minor units."""

from __future__ import annotations

import pytest

from kanban_pipe.domain.amounts import (
    AMOUNT_FORMS_HELP,
    MAX_MINOR,
    format_amount,
    format_compact,
    format_plain,
    minor_digits,
    parse_amount,
)
from kanban_pipe.domain.errors import InvalidInputError


@pytest.mark.parametrize(
    ("currency", "expected"),
    [
        ("EUR", 2),
        ("USD", 2),
        ("GBP", 2),
        ("HUF", 2),
        ("XYZ", 2),
        ("eur", 2),
        ("JPY", 0),
        ("jpy", 0),
        ("KRW", 0),
        ("ISK", 0),
        ("CLP", 0),
        ("VND", 0),
        ("XOF", 0),
        ("XAF", 0),
        ("UGX", 0),
        ("PYG", 0),
        ("BHD", 3),
        ("KWD", 3),
        ("OMR", 3),
        ("JOD", 3),
        ("TND", 3),
    ],
)
def test_minor_digits(currency: str, expected: int) -> None:
    assert minor_digits(currency) == expected


@pytest.mark.parametrize(
    ("text", "currency", "expected"),
    [
        ("12000", "EUR", 1_200_000),
        ("0", "EUR", 0),
        ("0.00", "EUR", 0),
        ("007", "EUR", 700),
        ("  12000  ", "EUR", 1_200_000),
        # space grouping, including the spaces spreadsheets paste
        ("12 000", "EUR", 1_200_000),
        ("12\u00a0000", "EUR", 1_200_000),
        ("12\u2009000", "EUR", 1_200_000),
        ("12\u202f000", "EUR", 1_200_000),
        ("1 234 567.89", "EUR", 123_456_789),
        # comma grouping
        ("12,000", "EUR", 1_200_000),
        ("1,234,567", "EUR", 123_456_700),
        ("12,000.50", "EUR", 1_200_050),
        ("12,000.5", "EUR", 1_200_050),
        # decimal point
        ("12000.5", "EUR", 1_200_050),
        ("12000.50", "EUR", 1_200_050),
        ("0.01", "EUR", 1),
        # decimal comma: one comma, one or two digits at the end
        ("12,50", "EUR", 1_250),
        ("12,5", "EUR", 1_250),
        ("12 000,50", "EUR", 1_200_050),
        ("1,5k", "EUR", 150_000),
        # suffixes
        ("12k", "EUR", 1_200_000),
        ("12K", "EUR", 1_200_000),
        ("2K", "EUR", 200_000),
        ("12.5k", "EUR", 1_250_000),
        ("12 k", "EUR", 1_200_000),
        ("1.2345k", "EUR", 123_450),
        ("1.23456k", "EUR", 123_456),
        ("1.2m", "EUR", 120_000_000),
        ("1.2M", "EUR", 120_000_000),
        ("1,500m", "EUR", 150_000_000_000),
        ("1.23456789m", "EUR", 123_456_789),
        # other currencies' minor units
        ("12000", "JPY", 12_000),
        ("1.5k", "JPY", 1_500),
        ("1.234k", "JPY", 1_234),
        ("12.345", "BHD", 12_345),
        ("12", "BHD", 12_000),
        ("12.5", "usd", 1_250),
        # the limit itself is allowed
        ("10000000000000", "EUR", MAX_MINOR),
        ("10m", "JPY", 10_000_000),
    ],
)
def test_parse_amount(text: str, currency: str, expected: int) -> None:
    assert parse_amount(text, currency) == expected


def test_parse_amount_defaults_to_eur() -> None:
    assert parse_amount("12.50") == 1_250


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "abc",
        "nan",
        "NaN",
        "inf",
        "Infinity",
        "1e5",
        "1E5",
        "1,2,3.4.5",
        "1.2.3",
        "12,0000",
        "1,00,000",
        "12,000,50",
        "12,5.5",
        "1 2 3",
        "12  000",
        "12 00",
        ".5",
        "5.",
        "k",
        "12kk",
        "12km",
        "12b",
        "12x",
        "EUR 12000",
        "12000 EUR",
        "\u20ac12000",
        "$12",
        "+12",
        "12-",
        "-",
        "-abc",
        "0x10",
        "1_000",
        "\u0661\u0662",
        "1" * 41,
    ],
)
def test_parse_amount_rejects_unreadable_input(text: str) -> None:
    with pytest.raises(InvalidInputError) as caught:
        parse_amount(text)
    message = str(caught.value)
    assert f"'{text.strip()}'" in message
    assert AMOUNT_FORMS_HELP in message


def test_parse_amount_error_message_matches_the_documented_form() -> None:
    with pytest.raises(InvalidInputError) as caught:
        parse_amount("abc")
    assert str(caught.value) == (
        "can't read 'abc' as an amount; use 12000, 12 000, 12,000.50, 12.5k or 1.2m"
    )


@pytest.mark.parametrize("text", ["-5", "-12.5k", "\u22125", "- 5", "-0"])
def test_parse_amount_rejects_negative_amounts(text: str) -> None:
    with pytest.raises(InvalidInputError, match="an amount can't be negative") as caught:
        parse_amount(text)
    assert text in str(caught.value)


@pytest.mark.parametrize(
    ("text", "currency"),
    [
        ("12.345", "EUR"),
        ("12.000", "EUR"),
        ("0.001", "EUR"),
        ("1.234567k", "EUR"),
        ("12.5", "JPY"),
        ("12.0", "JPY"),
        ("1.2345k", "JPY"),
        ("1.2345", "BHD"),
    ],
)
def test_parse_amount_rejects_more_decimals_than_the_currency_has(text: str, currency: str) -> None:
    with pytest.raises(InvalidInputError, match="too many decimal places") as caught:
        parse_amount(text, currency)
    message = str(caught.value)
    assert text in message
    assert currency in message


@pytest.mark.parametrize(
    ("text", "currency"),
    [
        ("10000000000000.01", "EUR"),
        ("10000000000001", "EUR"),
        ("100000000m", "EUR"),
        ("1000000000000001", "JPY"),
        ("99999999999999999999", "EUR"),
    ],
)
def test_parse_amount_rejects_too_large_amounts(text: str, currency: str) -> None:
    with pytest.raises(InvalidInputError, match="too large") as caught:
        parse_amount(text, currency)
    assert text in str(caught.value)


@pytest.mark.parametrize(
    ("minor", "currency", "expected"),
    [
        (0, "EUR", "0 EUR"),
        (5, "EUR", "0.05 EUR"),
        (95_000, "EUR", "950 EUR"),
        (1_200_000, "EUR", "12,000 EUR"),
        (1_200_050, "EUR", "12,000.50 EUR"),
        (1_200_005, "EUR", "12,000.05 EUR"),
        (123_456_789, "EUR", "1,234,567.89 EUR"),
        (1_200_000, "eur", "12,000 EUR"),
        (12_000, "JPY", "12,000 JPY"),
        (12_345, "BHD", "12.345 BHD"),
        (12_000, "BHD", "12 BHD"),
        (12_050, "BHD", "12.050 BHD"),
        (-1_200_050, "EUR", "-12,000.50 EUR"),
        (MAX_MINOR, "EUR", "10,000,000,000,000 EUR"),
    ],
)
def test_format_amount(minor: int, currency: str, expected: str) -> None:
    assert format_amount(minor, currency) == expected


@pytest.mark.parametrize(
    ("minor", "currency", "expected"),
    [
        (0, "EUR", "0 EUR"),
        (95_000, "EUR", "950 EUR"),
        (99_999, "EUR", "999.99 EUR"),
        (100_000, "EUR", "1k EUR"),
        (1_200_000, "EUR", "12k EUR"),
        (1_250_000, "EUR", "12.5k EUR"),
        (1_200_050, "EUR", "12k EUR"),
        (1_234_567, "EUR", "12.3k EUR"),
        (1_235_000, "EUR", "12.4k EUR"),
        (1_296_000, "EUR", "13k EUR"),
        (99_994_000, "EUR", "999.9k EUR"),
        (99_996_000, "EUR", "1m EUR"),
        (120_000_000, "EUR", "1.2m EUR"),
        (125_000_000, "EUR", "1.3m EUR"),
        (1_234_567_800, "EUR", "12.3m EUR"),
        (150_000_000_000, "EUR", "1,500m EUR"),
        (MAX_MINOR, "EUR", "10,000,000m EUR"),
        (1_200_000, "JPY", "1.2m JPY"),
        (950, "JPY", "950 JPY"),
        (1_234_567, "BHD", "1.2k BHD"),
        (1_250_000, "usd", "12.5k USD"),
        (-1_250_000, "EUR", "-12.5k EUR"),
        (-95_000, "EUR", "-950 EUR"),
    ],
)
def test_format_compact(minor: int, currency: str, expected: str) -> None:
    assert format_compact(minor, currency) == expected


@pytest.mark.parametrize(
    ("minor", "currency", "expected"),
    [
        (0, "EUR", "0"),
        (5, "EUR", "0.05"),
        (1_200_000, "EUR", "12000"),
        (1_200_050, "EUR", "12000.50"),
        (123_456_789, "EUR", "1234567.89"),
        (12_000, "JPY", "12000"),
        (12_345, "BHD", "12.345"),
        (-1_200_050, "EUR", "-12000.50"),
    ],
)
def test_format_plain(minor: int, currency: str, expected: str) -> None:
    assert format_plain(minor, currency) == expected


ROUND_TRIP_AMOUNTS = [
    (0, "EUR"),
    (1, "EUR"),
    (99, "EUR"),
    (95_000, "EUR"),
    (1_200_000, "EUR"),
    (1_200_050, "EUR"),
    (123_456_789, "EUR"),
    (MAX_MINOR, "EUR"),
    (12_000, "JPY"),
    (1_234_567, "JPY"),
    (12_345, "BHD"),
    (12_050, "KWD"),
]


@pytest.mark.parametrize(("minor", "currency"), ROUND_TRIP_AMOUNTS)
def test_format_plain_round_trips(minor: int, currency: str) -> None:
    assert parse_amount(format_plain(minor, currency), currency) == minor


@pytest.mark.parametrize(("minor", "currency"), ROUND_TRIP_AMOUNTS)
def test_format_amount_round_trips_without_the_code(minor: int, currency: str) -> None:
    text = format_amount(minor, currency).removesuffix(f" {currency}")
    assert parse_amount(text, currency) == minor


@pytest.mark.parametrize(
    ("minor", "currency"),
    [
        (95_000, "EUR"),
        (1_200_000, "EUR"),
        (1_250_000, "EUR"),
        (120_000_000, "EUR"),
        (150_000_000_000, "EUR"),
        (1_200_000, "JPY"),
        (MAX_MINOR, "EUR"),
    ],
)
def test_format_compact_round_trips_when_exact(minor: int, currency: str) -> None:
    text = format_compact(minor, currency).removesuffix(f" {currency}")
    assert parse_amount(text, currency) == minor
