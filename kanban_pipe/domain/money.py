"""Totals across currencies: convert what has a rate, count the rest apart, never mix."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal


@dataclass(frozen=True, slots=True)
class MoneyTotal:
    """A sum in the home currency plus the amounts that had no exchange rate."""

    currency: str
    amount: int = 0
    unconverted: Mapping[str, int] = field(default_factory=dict)
    unconverted_deals: int = 0
    converted_deals: int = 0  # deals in `amount`: 0 EUR of none is no total of 0
    no_value_deals: int = 0  # deals without a value (None): in no sum, counted here

    @property
    def shows_home(self) -> bool:
        """Whether the home-currency sum means something to show (it is not a bare 0 left
        over from deals that all lacked an exchange rate)."""
        return bool(self.amount or self.converted_deals or not self.unconverted)

    @property
    def complete(self) -> bool:
        """True when every amount could be converted."""
        return self.unconverted_deals == 0


def convert(amount: int, currency: str, home: str, rates: Mapping[str, Decimal]) -> int | None:
    """Minor units of `currency` in minor units of `home`, or None without a rate.

    A rate is how many home units one unit of the other currency is worth; minor-unit
    digits may differ (JPY has none), so the conversion goes through whole units.
    """
    if currency == home:
        return amount
    factor = _factor(currency, home, rates)
    return None if factor is None else _scaled(amount, factor)


def _factor(currency: str, home: str, rates: Mapping[str, Decimal]) -> tuple[int, int] | None:
    """The exact fraction (numerator, denominator) that takes minor units of `currency` to
    minor units of `home`: rate * 10**home's digits / 10**currency's digits."""
    rate = rates.get(currency)
    if rate is None:
        return None
    numerator, denominator = rate.as_integer_ratio()
    return numerator * _minor_scale(home), denominator * _minor_scale(currency)


def _scaled(amount: int, factor: tuple[int, int]) -> int:
    """amount * factor rounded half away from zero (Decimal's ROUND_HALF_UP), in integers:
    the statistics convert tens of thousands of group sums, ~5x faster than in Decimal."""
    numerator, denominator = factor
    exact = amount * numerator
    if exact >= 0:
        return (2 * exact + denominator) // (2 * denominator)
    return -((-2 * exact + denominator) // (2 * denominator))


_SCALES: dict[str, int] = {}


def _minor_scale(currency: str) -> int:
    """10 ** the currency's minor digits, worked out once per currency."""
    scale = _SCALES.get(currency)
    if scale is None:
        from kanban_pipe.domain.amounts import minor_digits

        scale = _SCALES[currency] = 10 ** minor_digits(currency)
    return scale


def total(
    amounts: Iterable[tuple[int | None, str, int]], home: str, rates: Mapping[str, Decimal]
) -> MoneyTotal:
    """Sum (amount, currency, deal count) triples into the home currency.

    An amount of None is deals without a value: counted in `no_value_deals`, in no sum.
    Each amount is converted (and rounded) on its own, as `convert` does.
    """
    converted = 0
    unconverted: dict[str, int] = {}
    unconverted_deals = converted_deals = no_value = 0
    # Each currency's fraction once per total, not once per amount.
    factors: dict[str, tuple[int, int] | None] = {}
    for amount, currency, deals in amounts:
        if amount is None:
            no_value += deals
            continue
        if currency == home:
            converted += amount
            converted_deals += deals
            continue
        if currency not in factors:
            factors[currency] = _factor(currency, home, rates)
        factor = factors[currency]
        if factor is None:
            unconverted[currency] = unconverted.get(currency, 0) + amount
            unconverted_deals += deals
        else:
            converted += _scaled(amount, factor)
            converted_deals += deals
    return MoneyTotal(home, converted, unconverted, unconverted_deals, converted_deals,
                      no_value)


# Amounts without an exchange rate shown apart in a cell; more currencies than this, '?'.
SHOWN_APART = 2


def compact_text(money: MoneyTotal) -> str:
    """A total in the home currency, and apart what had no exchange rate: '1k EUR + 250k
    USD', '250k USD' (never a '0 EUR' that reads like the total), '… + ?' past two."""
    from kanban_pipe.domain.amounts import format_compact

    parts = [format_compact(money.amount, money.currency)] if money.shows_home else []
    apart = sorted(money.unconverted.items())
    parts += [format_compact(value, code) for code, value in apart[:SHOWN_APART]]
    if len(apart) > SHOWN_APART:
        parts.append("?")
    return " + ".join(parts)


def no_rate_note(*totals: MoneyTotal) -> str:
    """Which currencies had no exchange rate and how to add one ('' when none lacked it)."""
    codes = sorted({code for money in totals for code in money.unconverted})
    if not codes:
        return ""
    home = totals[0].currency
    return (f"Amounts in {', '.join(codes)} have no exchange rate to {home}: shown apart, "
            f"never added in (`kanban-pipe currency set {codes[0]} RATE` adds them).")
