"""`stages` and `currency`: listing and configuring the pipeline from the command line."""

from __future__ import annotations

import json
from decimal import Decimal


def test_stages_table_lists_the_default_pipeline(run) -> None:
    result = run("stages")
    lines = result.out.splitlines()
    assert lines[0].split()[:5] == ["#", "KEY", "NAME", "PROB", "STALE"]
    assert [line.split()[:5] for line in lines[1:]] == [
        ["1", "lead", "Lead", "10%", "14d"],
        ["2", "qualified", "Qualified", "25%", "14d"],
        ["3", "proposal", "Proposal", "50%", "10d"],
        ["4", "commitment", "Commitment", "80%", "7d"],
        ["5", "won", "Won", "100%", "-"],
    ]
    assert "Decision maker involved" in lines[1]
    assert "needs qualification" in lines[3] and "won stage" in lines[5]


def test_stages_add_rename_move_set_remove(run, store) -> None:
    added = run("stages", "add", "Demo", "done", "--probability", "40", "--stale-after", "5",
                "--milestone", "Demo given")
    assert added.out == "added stage Demo done (demo_done) at position 5\n"  # before Won
    stage = {s.key: s for s in store().stages()}["demo_done"]
    assert (stage.probability, stage.stale_after_days, stage.milestone) == (40, 5, "Demo given")

    assert run("stages", "rename", "demo_done", "Demo").out == (
        "renamed stage demo_done: Demo done → Demo\n")
    assert run("stages", "move", "demo", "2").out == "moved stage Demo to position 2\n"
    assert [s.key for s in store().stages()][:3] == ["lead", "demo_done", "qualified"]

    result = run("stages", "set", "demo", "--probability", "30", "--no-requires-qualification",
                 "--qualifies", "need", "--milestone", "Demo accepted")
    assert result.code == 0 and "Demo accepted" in result.out
    stage = {s.key: s for s in store().stages()}["demo_done"]
    assert (stage.probability, stage.milestone, stage.qualifies, stage.requires_qualification) \
        == (30, "Demo accepted", "need", False)
    run("stages", "set", "demo", "--requires-qualification", "--qualifies", "none")
    stage = {s.key: s for s in store().stages()}["demo_done"]
    assert (stage.requires_qualification, stage.qualifies) == (True, None)

    assert run("stages", "remove", "demo").out == "removed stage Demo (demo_done)\n"
    assert "demo_done" not in [s.key for s in store().stages()]


def test_stage_errors(run) -> None:
    deal_id = run("add", "Acme").out.strip()
    held = run("stages", "remove", "lead")
    assert held.code == 1 and "stage Lead holds 1 deal(s); move them first" in held.err
    assert run("stages", "remove", "nowhere").code == 1
    assert run("stages", "set", "lead", "--probability", "101").err.startswith(
        "kanban-pipe: error: probability 101 must be between 0 and 100")
    assert run("stages", "set", "lead").code == 1  # nothing to set
    assert run("stages", "move", "lead", "9").err == (
        "kanban-pipe: error: position must be between 1 and 5\n")
    assert run("stages", "set", "lead", "--probability", "high").code == 2
    assert run("stages", "add", "Lead").code == 1  # exists already
    assert run("show", deal_id).code == 0


def test_currency_show_set_and_home(run, store) -> None:
    assert run("currency").out.startswith("home currency: EUR\nno exchange rates")
    assert run("currency", "home", "sek").out == "home currency is now SEK\n"
    assert run("currency", "set", "eur", "11.5").out == "1 EUR = 11.5 SEK\n"
    assert store().exchange_rates() == {"EUR": Decimal("11.5")}
    assert run("currency").out == (
        "home currency: SEK\nexchange rates (SEK per unit):\n  EUR  11.5\n")
    bad = run("currency", "set", "usd", "-3")
    assert bad.code == 1 and "must be a positive number" in bad.err

    run("add", "Euro deal", "--currency", "EUR", "--value", "1000")
    run("add", "Dollar deal", "--currency", "USD", "--value", "1000")
    total_line = run("list").out.splitlines()[-1]
    # EUR is converted at the rate; USD has no rate and is reported apart, never added.
    assert total_line == ("2 deals, 11.5k SEK + 1k USD without an exchange rate "
                          "(`kanban-pipe currency set USD RATE` to add USD)")
    late = run("currency", "home", "NOK")
    assert late.code == 1 and "it has deals now" in late.err
    assert json.loads(run("list", "--json").out)[0]["currency"] == "EUR"
