"""The forecast call from the command line: `edit --category/--probability`, `targets`, and
`stats` (text and `--json` forecast_call) against the targets, with the gap."""

from __future__ import annotations

import json
from datetime import date

from kanban_pipe.domain.forecast import parse_period


def _month(day: date) -> str:
    return day.isoformat()[:7]


def test_edit_calls_a_deal_and_list_json_shows_it(run) -> None:
    assert run("add", "Acme", "--value", "10k", "--stage", "proposal").code == 0
    result = run("edit", "1", "--category", "commit", "--probability", "70%")
    assert result.code == 0, result.err
    assert result.out == "edited #1 'Acme': changed forecast category, probability\n"
    [deal] = json.loads(run("list", "--json").out)
    assert (deal["forecast_category"], deal["probability"]) == ("commit", 70)
    assert "changed forecast category to commit, probability to 70%" in run("show", "1").out
    assert run("undo").code == 0
    [deal] = json.loads(run("list", "--json").out)
    assert (deal["forecast_category"], deal["probability"]) == (None, None)


def test_bad_calls_get_one_line_and_change_nothing(run) -> None:
    run("add", "Acme", "--value", "10k")
    for option, value, words in (("--category", "maybe", "is not one of pipeline, best case"),
                                 ("--probability", "120", "between 0 and 100")):
        result = run("edit", "1", option, value)
        assert result.code != 0 and words in result.err
        assert result.err.count("\n") == 1 and "Traceback" not in result.err
    [deal] = json.loads(run("list", "--json").out)
    assert (deal["forecast_category"], deal["probability"], deal["version"]) == (None, None, 1)


def test_targets_set_list_and_remove(run) -> None:
    assert run("targets").out.startswith("no targets set")
    assert run("targets", "set", "2027-01", "120k").out == (
        "target for 2027-01 (team): 120,000 EUR\n")
    assert run("targets", "set", "2027-q1", "300k", "--owner", "ben").code == 0
    listed = json.loads(run("targets", "--json").out)
    assert listed == [
        {"period": "2027-01", "owner": None, "amount": "120000.00", "currency": "EUR"},
        {"period": "2027-Q1", "owner": "ben", "amount": "300000.00", "currency": "EUR"}]
    assert "2027-Q1  ben   300,000 EUR" in run("targets").out
    assert run("targets", "remove", "2027-01").code == 0
    result = run("targets", "remove", "2027-01")
    assert result.code != 0 and "no target for 2027-01 is set" in result.err
    result = run("targets", "set", "someday", "5k")
    assert result.code != 0 and "is not a month or quarter" in result.err
    assert [t["period"] for t in json.loads(run("targets", "--json").out)] == ["2027-Q1"]


def test_stats_show_the_call_against_this_months_target(run) -> None:
    today = date.today()
    run("add", "Sure", "--value", "30k", "--stage", "commitment", "--close", "today")
    run("add", "Maybe", "--value", "10k", "--stage", "proposal", "--close", "today")
    run("add", "Long shot", "--value", "50k", "--close", "today")
    run("edit", "3", "--category", "best case", "--probability", "20")
    run("targets", "set", "this-month", "40k")
    data = json.loads(run("stats", "--json").out)["forecast_call"]
    first = data["months"][0]
    assert first["period"] == _month(today) and data["owner"] is None
    assert first["commit"]["amount_decimal"] == "30000.00"
    assert first["best_case"]["amount_decimal"] == "90000.00"
    # 30k at 80 %, 10k at 50 %, 50k at its own 20 %.
    assert first["weighted"]["amount_decimal"] == "39000.00"
    assert first["target"]["amount_decimal"] == "40000.00"
    assert (first["gap"], first["gap_decimal"]) == (1_000_000, "10000.00")
    text = run("stats").out
    assert "== Forecast call" in text and "short 10k EUR" in text
    quarter = parse_period("this-quarter", today)
    assert data["quarters"] == []  # no quarter target
    run("targets", "set", "this-quarter", "30k")
    data = json.loads(run("stats", "--json").out)["forecast_call"]
    assert [q["period"] for q in data["quarters"]] == [quarter]
    assert data["quarters"][0]["gap"] == 0
