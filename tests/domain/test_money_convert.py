"""Conversion into the home currency: exact, rounded half away from zero once per amount."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import pytest

from kanban_pipe.domain.amounts import minor_digits
from kanban_pipe.domain.money import convert, total


def by_decimal(amount: int, currency: str, home: str, rate: Decimal) -> int:
    """The conversion worked in Decimal: whole units, times the rate, back to minor units."""
    whole = Decimal(amount) / Decimal(10) ** minor_digits(currency)
    home_minor = whole * rate * Decimal(10) ** minor_digits(home)
    return int(home_minor.quantize(Decimal(1), rounding=ROUND_HALF_UP))


@pytest.mark.parametrize(("amount", "currency", "home", "rate", "expected"), [
    (10_000, "USD", "EUR", "0.92", 9_200),  # 100.00 USD is 92.00 EUR
    (5, "USD", "EUR", "0.5", 3),  # 0.025 EUR: a half cent rounds up
    (-5, "USD", "EUR", "0.5", -3),  # and away from zero below it
    (1, "USD", "EUR", "0.4", 0),  # 0.004 EUR rounds down
    (1_000, "JPY", "EUR", "0.0062", 620),  # 1,000 JPY (no minor digits) is 6.20 EUR
    (12_345, "EUR", "JPY", "162.5", 20_061),  # 123.45 EUR is 20,060.625 JPY
    (1_234, "KWD", "EUR", "2.99", 369),  # 1.234 KWD (three digits) is 3.68966 EUR
    (10**15 + 1, "GBP", "EUR", "1.123456789", 1_123_456_789_000_001),
])
def test_convert_agrees_with_decimal_half_up(amount: int, currency: str, home: str,
                                             rate: str, expected: int) -> None:
    assert convert(amount, currency, home, {currency: Decimal(rate)}) == expected
    assert by_decimal(amount, currency, home, Decimal(rate)) == expected


def test_total_rounds_each_amount_on_its_own_and_keeps_the_rest_apart() -> None:
    rates = {"USD": Decimal("0.5")}
    money = total([(5, "USD", 1), (5, "USD", 2), (700, "EUR", 1), (None, "EUR", 4),
                   (900, "SEK", 3)], "EUR", rates)
    # 0.025 twice, each rounded to 0.03: 6 cents, not the 5 of the summed 0.05.
    assert (money.amount, money.converted_deals) == (6 + 700, 4)
    assert (dict(money.unconverted), money.unconverted_deals, money.no_value_deals) == (
        {"SEK": 900}, 3, 4)
    assert convert(5, "SEK", "EUR", rates) is None
