"""Totals with amounts that have no exchange rate: shown apart, never as a 0 total."""

from __future__ import annotations

from decimal import Decimal

from kanban_pipe.domain.charts import money_text
from kanban_pipe.domain.money import total

RATES = {"USD": Decimal("0.9")}


def test_only_unconverted_deals_show_no_home_zero() -> None:
    money = total([(25_000_000, "SEK", 2)], "EUR", RATES)
    assert (money.amount, money.converted_deals, money.shows_home) == (0, 0, False)
    assert money_text(money) == "250k SEK"


def test_a_real_zero_is_shown() -> None:
    money = total([(0, "EUR", 1), (500_000, "SEK", 1)], "EUR", RATES)
    assert money.shows_home and money_text(money) == "0 EUR + 5k SEK"
    assert money_text(total([], "EUR", RATES)) == "0 EUR"  # an empty stage


def test_past_two_currencies_the_rest_is_a_question_mark() -> None:
    money = total([(100_000, "USD", 1), (500_000, "SEK", 1), (200_000, "GBP", 1),
                   (300_000, "NOK", 1)], "EUR", RATES)
    assert money.amount == 90_000 and money.unconverted_deals == 3
    assert money_text(money) == "900 EUR + 2k GBP + 3k NOK + ?"
