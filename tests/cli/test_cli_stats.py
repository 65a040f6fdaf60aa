"""`kanban-pipe stats`: the report for people and every figure under the promised JSON keys."""

from __future__ import annotations

import json
from datetime import date, timedelta

STATS_KEYS = {
    "stages", "forecast_by_month", "win_rate", "conversion", "median_days_in_stage",
    "cycle_days", "velocity", "calibration", "by_source", "trend", "hints",
    "lost_at_unknown_stage", "scope", "team", "lost_by_reason", "lost_by_stage",
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
