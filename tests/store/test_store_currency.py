"""Home currency and exchange rates; totals never add currencies silently."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from kanban_pipe.domain.errors import InvalidInputError
from kanban_pipe.domain.money import MoneyTotal, total
from kanban_pipe.store import PipelineStore, StageSum

TODAY = date(2026, 11, 25)


def test_home_currency_defaults_to_eur(store: PipelineStore, raw):
    assert store.home_currency() == "EUR"
    assert store.add_deal("Acme").currency == "EUR"
    assert store.exchange_rates() == {}


def test_home_currency_can_be_chosen_only_before_deals(store: PipelineStore, raw):
    store.set_home_currency("sek")
    assert store.home_currency() == "SEK"
    assert store.add_deal("Acme").currency == "SEK"
    with pytest.raises(InvalidInputError, match="chosen when the pipeline is created"):
        store.set_home_currency("EUR")
    assert raw.scalar("SELECT value FROM settings WHERE key = 'home_currency'") == "SEK"


@pytest.mark.parametrize(
    ("typed", "stored"), [("0.087", "0.087"), ("0,092", "0.092"), (" 11.5 ", "11.5")]
)
def test_set_exchange_rate(store: PipelineStore, raw, typed, stored):
    assert store.set_exchange_rate("sek", typed) == Decimal(stored)
    assert store.exchange_rates() == {"SEK": Decimal(stored)}
    assert raw.rows("SELECT * FROM exchange_rates") == [{"currency": "SEK", "rate": stored}]


def test_the_largest_rate_still_totals(store: PipelineStore):
    store.set_exchange_rate("IRR", "1000000000")
    store.add_deal("Huge", value=10**15, currency="IRR")
    sums = store.board_sums(today=TODAY)
    result = total(((s.value, s.currency, s.deals) for s in sums), "EUR",
                   store.exchange_rates())
    assert result.amount == 10**24
    assert result.complete


def test_setting_a_rate_again_replaces_it(store: PipelineStore, raw):
    store.set_exchange_rate("USD", "0.9")
    store.set_exchange_rate("USD", "0.95")
    assert raw.rows("SELECT * FROM exchange_rates") == [{"currency": "USD", "rate": "0.95"}]


@pytest.mark.parametrize(
    ("code", "rate", "words"),
    [
        ("SEK", "0", "must be a positive number"),
        ("SEK", "-1", "must be a positive number"),
        ("SEK", "abc", "must be a positive number"),
        ("SEK", "", "must be a positive number"),
        ("SEK", "nan", "must be a positive number"),
        ("SEK", "inf", "must be a positive number"),
        ("SEK", "sNaN", "must be a positive number"),
        ("SEK", "1e30", "is too large"),
        ("SEK", "1000000001", "is too large"),
        ("EUR", "1", "is the home currency"),
        ("SE", "1", "three-letter code"),
        ("kronor", "1", "three-letter code"),
    ],
)
def test_bad_rates_are_rejected(store: PipelineStore, raw, code, rate, words):
    with pytest.raises(InvalidInputError, match=words):
        store.set_exchange_rate(code, rate)
    assert raw.count("exchange_rates") == 0


def test_totals_convert_what_has_a_rate_and_count_the_rest_apart(store: PipelineStore):
    store.add_deal("Euro one", value=10_000)                       # 100.00 EUR
    store.add_deal("Euro two", value=20_000, stage="proposal")     # 200.00 EUR
    store.add_deal("Swedish", value=100_000, currency="SEK")       # 1,000.00 SEK
    store.add_deal("Japanese", value=1_000, currency="JPY")        # 1,000 JPY (no minor)
    store.add_deal("American", value=5_000, currency="USD")        # 50.00 USD, no rate
    store.add_deal("American 2", value=7_000, currency="USD", stage="proposal")
    store.set_exchange_rate("SEK", "0.1")
    store.set_exchange_rate("JPY", "0.0062")

    sums = sorted(store.board_sums(today=TODAY), key=lambda s: (s.stage, s.currency))
    assert sums == [
        StageSum("lead", "EUR", 1, 10_000),
        StageSum("lead", "JPY", 1, 1_000),
        StageSum("lead", "SEK", 1, 100_000),
        StageSum("lead", "USD", 1, 5_000),
        StageSum("proposal", "EUR", 1, 20_000),
        StageSum("proposal", "USD", 1, 7_000),
    ]
    home, rates = store.home_currency(), store.exchange_rates()
    everything = total(((s.value, s.currency, s.deals) for s in sums), home, rates)
    assert everything == MoneyTotal("EUR", 10_000 + 20_000 + 10_000 + 620,
                                    {"USD": 12_000}, 2, converted_deals=4)
    assert not everything.complete
    lead = total(((s.value, s.currency, s.deals) for s in sums if s.stage == "lead"),
                 home, rates)
    assert (lead.amount, dict(lead.unconverted), lead.unconverted_deals) == (
        20_620, {"USD": 5_000}, 1)
    proposal_eur = total([(20_000, "EUR", 1)], home, rates)
    assert proposal_eur.complete and proposal_eur.amount == 20_000
