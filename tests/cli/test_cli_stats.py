"""`kanban-pipe stats`: the report for people and every figure under the promised JSON keys."""

from __future__ import annotations

import json
from datetime import date, timedelta

STATS_KEYS = {
    "stages", "forecast_by_month", "win_rate", "conversion", "median_days_in_stage",
    "cycle_days", "velocity", "calibration", "by_source", "trend", "hints",
    "lost_at_unknown_stage", "scope", "team", "lost_by_reason", "lost_by_stage",
    "slipping_deals", "forecast_call",
}


def _seed(store) -> dict[str, int]:
    """Deals made 20 days ago and moved or closed 10 days ago, in whole days.

    Lead: Small 1,000 (no step, made today). Qualified: Mid 4,000 (from Lead after 10 days).
    Won: Big 10,000 (made in Commitment, won after 10 days). Lost: Gone 2,000 (in Lead).
    """
    old, then, now = store(days_ago=20), store(days_ago=10), store()
    ids = {
        "mid": old.add_deal("Mid", value=400_000, source="referral").id,
        "big": old.add_deal("Big", value=1_000_000, stage="commitment", source="referral").id,
        "gone": old.add_deal("Gone", value=200_000, source="event").id,
    }
    then.move_deal(ids["mid"], "qualified")
    then.mark_won(ids["big"])
    then.mark_lost(ids["gone"], "budget")
    ids["small"] = now.add_deal("Small", value=100_000, source="\x1b[31mred",
                                expected_close=date.today() + timedelta(days=40))
    return ids


def test_stats_json_carries_every_figure(run, store) -> None:
    _seed(store)
    result = run("stats", "--json")
    assert result.code == 0, result.err
    data = json.loads(result.out)
    assert set(data) == STATS_KEYS
    rows = {row["stage"]: row for row in data["stages"]["rows"]}
    assert (rows["lead"]["deals"], rows["lead"]["value"]["amount"]) == (1, 100_000)
    assert rows["qualified"]["weighted"]["amount"] == 100_000  # 4,000 x 25%
    assert data["stages"]["total"]["weighted"]["amount"] == 110_000  # + 1,000 x 10%
    win = data["win_rate"]
    assert (win["won"], win["lost"], win["rate"], win["average_won_value"]) == (
        1, 1, 0.5, 1_000_000)
    assert data["cycle_days"]["average"] == 10 and data["cycle_days"]["median"] == 10
    # 2 open x 10,000 x 1/2 / 10 days = 1,000.00 a day.
    assert data["velocity"]["per_day"] == 100_000 and data["velocity"]["open_deals"] == 2
    # Lead: Mid and Big went on, Gone was lost there, Small is undecided: 2 of 3.
    lead = data["conversion"][0]
    assert (lead["from"], lead["to"], lead["reached"], lead["advanced"], lead["dropped"],
            lead["undecided"], lead["rate"]) == ("lead", "qualified", 4, 2, 1, 1, 0.6667)
    days = {row["stage"]: row["median_days"] for row in data["median_days_in_stage"]}
    assert days["lead"] == 10.0 and days["commitment"] == 10.0  # Mid, Gone; Big
    assert [c["observed"] for c in data["calibration"]] == [0.5, 1.0, 1.0, 1.0]
    assert {s["source"]: (s["deals"], s["won"]) for s in data["by_source"]} == {
        "referral": (2, 1), "event": (1, 0), "\x1b[31mred": (1, 0)}
    assert len(data["trend"]) == 12
    assert data["trend"][-1]["open_value"]["amount"] == 500_000
    assert data["trend"][0]["open_value"]["amount"] == 0  # nothing existed 11 weeks ago
    months = data["forecast_by_month"]["months"]
    assert len(months) == 6 and sum(m["deals"] for m in months) == 1
    assert any("no next step" in hint for hint in data["hints"])


def test_stats_for_people(run, store) -> None:
    _seed(store)
    result = run("stats")
    assert result.code == 0, result.err
    out = result.out
    for title in ("== What to do", "== Pipeline by stage", "== Expected close, next 6 months",
                  "== Open pipeline, last 12 weeks", "== Win rate and velocity, last 90 days",
                  "== Conversion and time in stage", "== Probability: set vs your history",
                  "== Lead sources"):
        assert title in out
    assert "Weighted forecast: 1.1k EUR" in out
    assert "Won 1 · lost 1 · win rate 50%" in out
    assert "Velocity 2 open × 10k EUR × 50% ÷ 10d" in out and "= 1k EUR a day" in out
    assert "Lead → Qualified        67%" in out
    # A source with a terminal escape is shown, not obeyed.
    assert "?[31mred" in out and "\x1b" not in out


def test_stats_on_an_empty_pipeline(run) -> None:
    result = run("stats")
    assert result.code == 0, result.err
    assert "• Lead is empty: feed it, nothing new is coming in." in result.out
    data = json.loads(run("stats", "--json").out)
    assert data["win_rate"]["rate"] is None and data["velocity"]["per_day"] is None


def test_lost_reasons_are_listed_added_removed_and_reset(run) -> None:
    assert run("lost-reasons").out.split("\n")[0] == "price"
    added = run("lost-reasons", "add", "went", "silent")
    assert added.code == 0 and added.out.rstrip().endswith("went silent")
    again = run("lost-reasons", "add", "Went Silent")
    assert again.code == 1 and "already in the list" in again.err
    assert "\nprice\n" not in run("lost-reasons", "remove", "PRICE").out
    missing = run("lost-reasons", "remove", "nothing like it")
    assert missing.code == 1 and "not in the list" in missing.err
    assert run("lost-reasons", "reset").out.split() [:1] == ["price"]


def test_stats_scope_period_and_team_in_json(run, store) -> None:
    ids = _seed(store)
    other = store(days_ago=5, user="ben")
    ben = other.add_deal("Ben's", value=300_000, owner="ben", source="event").id
    other.mark_lost(ben, "Price")
    data = json.loads(run("stats", "--json", "--owner", "anna").out)
    assert data["scope"]["owner"] == "anna" and data["stages"]["total"]["deals"] == 2
    assert [t["owner"] for t in data["team"]] == ["anna"]
    data = json.loads(run("stats", "--json").out)
    team = {t["owner"]: t for t in data["team"]}
    assert set(team["anna"]) == {
        "owner", "open_deals", "open_value", "weighted", "won", "lost", "win_rate",
        "average_cycle_days", "no_next_step", "step_overdue", "stale", "activities_7_days",
        "needs_attention"}
    assert (team["anna"]["won"], team["anna"]["lost"], team["ben"]["lost"]) == (1, 1, 1)
    assert data["lost_by_reason"] == [
        {"label": "price", "deals": 1, "value": data["lost_by_reason"][0]["value"]},
        {"label": "budget", "deals": 1, "value": data["lost_by_reason"][1]["value"]}]
    assert [r["label"] for r in data["lost_by_stage"]] == ["Lead"]
    assert data["lost_by_stage"][0]["deals"] == 2
    assert data["lost_by_stage"][0]["value"]["amount"] == 500_000
    # Gone and Big closed 10 days ago, Ben's 5: the last 7 days hold only Ben's.
    week = json.loads(run("stats", "--json", "--since=-6d").out)
    assert (week["win_rate"]["won"], week["win_rate"]["lost"]) == (0, 1)
    assert week["scope"]["since"] == (date.today() - timedelta(days=6)).isoformat()
    quarter = json.loads(run("stats", "--json", "--period", "this-month").out)
    assert quarter["scope"]["period"] == "this-month"
    assert quarter["scope"]["since"] == date.today().replace(day=1).isoformat()
    only = json.loads(run("stats", "--json", "--by", "owner").out)
    assert set(only) == {"scope", "team"}
    assert ids


def test_stats_by_owner_for_people_and_bad_periods(run, store) -> None:
    _seed(store)
    result = run("stats", "--by", "owner")
    assert result.code == 0, result.err
    assert "== Team" in result.out and "== Pipeline by stage" not in result.out
    assert "OWNER  OPEN" in result.out and "\nanna " in result.out
    full = run("stats", "--source", "referral").out
    assert "source referral" in full and "== Lost, last 90 days" in full
    for args, words in ((("--since", "tomorrow"), "is after the period's end"),
                        (("--since", "soon"), "--since:"),
                        (("--until", "today"), "--until needs --since"),
                        (("--period", "this-month", "--since=-3d"), "not both")):
        bad = run("stats", *args)
        assert bad.code != 0 and words in bad.err and "Traceback" not in bad.err


def test_stats_is_parsed_alone_as_the_full_parser_would(capsys) -> None:
    import pytest

    from kanban_pipe.cli import run
    from kanban_pipe.cli.parser import build_parser

    for argv in (["stats"], ["--db", "x.db", "stats", "--json", "--owner", "anna"],
                 ["stats", "--user", "bob", "--period", "this-month"],
                 ["--read-only", "stats", "--by", "owner", "--since=-30d"]):
        alone = run._alone(argv)
        assert alone is not None
        full = build_parser().parse_args(argv)
        assert {k: v for k, v in vars(alone).items() if k != "parser"} == {
            k: v for k, v in vars(full).items() if k != "parser"}
    assert run._alone(["--db", "stats", "list"]) is None  # "stats" is the file here
    assert run._alone(["list"]) is None
    for parser in (build_parser(only="stats"), build_parser()):
        with pytest.raises(SystemExit):
            parser.parse_args(["stats", "--help"])
    alone_help, full_help = capsys.readouterr().out.split("usage: kanban-pipe stats")[1:]
    assert alone_help == full_help
    for parser in (build_parser(only="stats"), build_parser()):  # the same one-line error
        with pytest.raises(SystemExit):
            parser.parse_args(["stats", "--period", "someday"])
    alone_error, full_error = capsys.readouterr().err.split("usage: kanban-pipe stats")[1:]
    assert alone_error == full_error
