"""Totals without exchange rates in `list` and `stats`: amounts apart, never a 0 total."""

from __future__ import annotations

import json


def test_list_of_deals_without_a_rate_shows_their_amounts_not_zero(run) -> None:
    run("add", "Big fleet", "--currency", "USD", "--value", "250k")
    total = run("list").out.splitlines()[-1]
    assert total == ("1 deal, 250k USD without an exchange rate to EUR "
                     "(`kanban-pipe currency set USD RATE` to add USD)")
    assert "0 EUR" not in total
    run("add", "Small", "--value", "1000")
    run("add", "Krona", "--currency", "SEK", "--value", "5000")
    assert run("list").out.splitlines()[-1] == (
        "3 deals, 1k EUR + 5k SEK, 250k USD without an exchange rate "
        "(`kanban-pipe currency set SEK RATE` to add SEK)")
    assert run("currency", "set", "USD", "0.9").code == 0
    assert run("currency", "set", "SEK", "0.1").code == 0
    assert run("list").out.splitlines()[-1] == "3 deals, 226.5k EUR"


def test_stats_cells_show_what_had_no_rate_apart(run) -> None:
    run("add", "Big fleet", "--currency", "USD", "--value", "250k")  # Lead
    run("add", "Small", "--value", "1000", "--stage", "qualified")
    run("add", "Dollars too", "--currency", "USD", "--value", "10k", "--stage", "qualified")
    lines = run("stats").out.splitlines()
    rows: dict[str, str] = {}
    for line in lines[lines.index("== Pipeline by stage"):]:  # its rows come first
        if line.split()[:1] in (["Lead"], ["Qualified"], ["Proposal"]):
            rows.setdefault(line.split()[0], line)
    assert rows["Lead"].split() == ["Lead", "1", "250k", "USD", "10%", "25k", "USD"]
    assert rows["Qualified"].split() == ["Qualified", "2", "1k", "EUR", "+", "10k", "USD",
                                         "25%", "250", "EUR", "+", "2.5k", "USD"]
    assert rows["Proposal"].split() == ["Proposal", "0", "0", "EUR", "50%", "0", "EUR"]
    assert ("Amounts in USD have no exchange rate to EUR: shown apart, never added in "
            "(`kanban-pipe currency set USD RATE` adds them).") in lines
    assert not any(line.rstrip().endswith("*") for line in lines)


def test_stats_json_amounts_say_their_unit(run) -> None:
    run("add", "Small", "--value", "4500.50")
    run("add", "Big fleet", "--currency", "USD", "--value", "250k")
    total = json.loads(run("stats", "--json").out)["stages"]["total"]["value"]
    assert total == {
        "amount": 450_050, "amount_minor": 450_050, "amount_decimal": "4500.50",
        "currency": "EUR", "converted_deals": 1, "unconverted": {"USD": 25_000_000},
        "unconverted_decimal": {"USD": "250000.00"}, "unconverted_deals": 1}
