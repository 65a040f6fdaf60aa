"""Statistics from a real history: a small pipeline whose figures are worked out by hand.

Every event happens at 10:00 UTC on the day named, so days in stage are whole days.
"""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from fractions import Fraction
from pathlib import Path

import pytest

from kanban_pipe.domain.models import NextStep
from kanban_pipe.domain.rules import deal_flags, is_stale, next_step_state
from kanban_pipe.domain.stats import compute_stats
from kanban_pipe.store import PipelineStore, open_store
from kanban_pipe.store.schema import _V2
from kanban_pipe.store.sqlite_engine import SQLITE_DIALECT
from kanban_pipe.store.stats import MOVE_KINDS, gather_stats, history_indexes, history_sql

HISTORY = history_sql(SQLITE_DIALECT)
STATS_INDEXES = history_indexes(HISTORY)
MOVE_FROM, MOVE_TO, MOVE_DAYS = HISTORY.move_from, HISTORY.move_to, HISTORY.move_days

TODAY = date(2026, 11, 25)


class Clock:
    """A clock the test moves from event to event."""

    def __init__(self) -> None:
        self.now = datetime(2026, 10, 1, 10, tzinfo=UTC)

    def at(self, month: int, day: int) -> None:
        """Move to 10:00 UTC on that day of 2026."""
        self.now = datetime(2026, month, day, 10, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture(autouse=True)
def utc_local_time() -> Iterator[None]:
    """Days are local days: pin the zone so the hand-worked figures hold everywhere."""
    before = os.environ.get("TZ")
    os.environ["TZ"] = "UTC"
    time.tzset()
    yield
    if before is None:
        del os.environ["TZ"]
    else:
        os.environ["TZ"] = before
    time.tzset()


@dataclass
class History:
    """The store with the worked example, and deal ids by name."""

    store: PipelineStore
    ids: dict[str, int]


def build(store: PipelineStore, clock: Clock) -> dict[str, int]:
    """The worked example (values in EUR unless said; minor units in the code)."""
    ids: dict[str, int] = {}

    def add(name: str, month: int, day: int, value: int, **options: object) -> int:
        clock.at(month, day)
        ids[name] = store.add_deal(name, value=value * 100, **options).id  # type: ignore[arg-type]
        return ids[name]

    def move(name: str, month: int, day: int, stage: str) -> None:
        clock.at(month, day)
        store.move_deal(ids[name], stage)

    # Alpha 10,000 referral: Lead 4d, Qualified 10d, Proposal 6d, won Oct 21 (cycle 20d).
    add("Alpha", 10, 1, 10_000, source="referral")
    move("Alpha", 10, 5, "qualified")
    move("Alpha", 10, 15, "proposal")
    clock.at(10, 21)
    store.mark_won(ids["Alpha"])
    # Beta 20,000 website: Lead 2d, Qualified 10d (skips Proposal), Commitment 18d,
    # won Oct 31 (cycle 30d).
    add("Beta", 10, 1, 20_000, source="website")
    move("Beta", 10, 3, "qualified")
    move("Beta", 10, 13, "commitment")
    clock.at(10, 31)
    store.mark_won(ids["Beta"])
    # Gamma 5,000 referral: Lead 6d, lost in Qualified after 10d (Oct 26).
    add("Gamma", 10, 10, 5_000, source="referral")
    move("Gamma", 10, 16, "qualified")
    clock.at(10, 26)
    store.mark_lost(ids["Gamma"], "budget")
    # Delta 8,000 event: lost in Lead after 8d (Nov 9).
    add("Delta", 11, 1, 8_000, source="event")
    clock.at(11, 9)
    store.mark_lost(ids["Delta"], "no need")
    # Epsilon 40,000 website: Lead 10d, open in Qualified, closes Dec 15, step due Nov 30.
    add("Epsilon", 11, 2, 40_000, source="website", expected_close=date(2026, 12, 15),
        next_step=NextStep("Demo", "anna", date(2026, 11, 30)))
    move("Epsilon", 11, 12, "qualified")
    # Zeta 30,000 referral: made in Proposal, unqualified, close date passed, no next step,
    # untouched since Nov 3 (stale: Proposal allows 10 days).
    add("Zeta", 11, 3, 30_000, source="referral", stage="proposal",
        expected_close=date(2026, 11, 20))
    # Eta 12,000 event: Lead 1d, Qualified 1d, Proposal 1d, moved back to Qualified.
    add("Eta", 11, 20, 12_000, source="event")
    move("Eta", 11, 21, "qualified")
    move("Eta", 11, 22, "proposal")
    move("Eta", 11, 23, "qualified")
    # Theta 5,000 USD (no rate), open in Lead.
    add("Theta", 11, 24, 5_000, currency="USD")
    # Iota 1,000: a move undone, then paused (not open).
    add("Iota", 11, 5, 1_000)
    move("Iota", 11, 6, "qualified")
    store.undo()
    clock.at(11, 7)
    store.pause_deal(ids["Iota"], date(2026, 12, 31))
    # Kappa: a mistake, deleted: in no figure at all.
    add("Kappa", 11, 8, 99_000, source="referral")
    move("Kappa", 11, 9, "qualified")
    clock.at(11, 10)
    store.delete_deal(ids["Kappa"])
    clock.at(11, 25)
    return ids


@pytest.fixture
def history(tmp_path: Path) -> Iterator[History]:
    """A fresh file holding the worked example."""
    clock = Clock()
    store = open_store(str(tmp_path / "stats.db"), user="anna", clock=clock)
    ids = build(store, clock)
    yield History(store, ids)
    store.close()


def test_stage_visits_come_from_moves_and_losses(history: History) -> None:
    inputs = gather_stats(history.store, today=TODAY)
    visits: dict[str, list[int]] = {}
    for row in inputs.stage_days:
        visits.setdefault(row.stage, []).extend([row.days] * row.visits)
    # Undone (Iota) and deleted (Kappa) moves are left out.
    assert {k: sorted(v) for k, v in visits.items()} == {
        "lead": [1, 2, 4, 6, 8, 10],  # Eta, Beta, Alpha, Gamma, Delta (lost), Epsilon
        "qualified": [1, 10, 10, 10],  # Eta, Alpha, Beta, Gamma (lost)
        "proposal": [1, 6],  # Eta (moved back), Alpha (won)
        "commitment": [18],  # Beta
    }


def test_figures_worked_by_hand(history: History) -> None:
    stats = compute_stats(gather_stats(history.store, today=TODAY))
    # Median days: Lead 1 2 4 6 8 10 -> 5; Qualified 1 10 10 10 -> 10; Proposal 1 6 -> 3.5.
    assert [t.median_days for t in stats.time_in_stage] == [5.0, 10.0, 3.5, 18.0]
    # Furthest stage: Alpha, Beta won; Gamma lost in Qualified; Delta lost in Lead;
    # Epsilon open in Qualified; Zeta open in Proposal; Eta reached Proposal (moved back);
    # Theta open and Iota paused in Lead. Nine deals (Kappa is deleted).
    # Zeta sits in Proposal quiet past its 10-day stale limit: aged out, not converted.
    # Epsilon (13 days in Qualified, usual 10: aged after max(2 x 10, 14) = 20) is not.
    assert [(c.reached, c.advanced, c.dropped, c.aged, c.undecided, c.rate)
            for c in stats.conversion] == [
        (9, 6, 1, 0, 2, Fraction(6, 7)),  # Delta lost in Lead; Theta, Iota undecided
        (6, 4, 1, 0, 1, Fraction(4, 5)),  # Gamma lost; Epsilon undecided
        (4, 2, 0, 1, 1, Fraction(2, 3)),  # Zeta aged out; Eta undecided
        (2, 2, 0, 0, 0, Fraction(1)),
    ]
    # Won 2; lost after reaching Lead: Gamma, Delta, and Zeta aged out (2/5); after
    # Qualified: Gamma and Zeta (2/4); Proposal: Zeta (2/3).
    assert [c.observed for c in stats.calibration] == [
        Fraction(2, 5), Fraction(1, 2), Fraction(2, 3), Fraction(1)]
    # Undecided: Epsilon, Eta, Theta (Iota is paused, still counted as not yet decided).
    assert [c.undecided for c in stats.calibration] == [4, 2, 1, 0]
    # Last 90 days: won Alpha and Beta, lost Gamma and Delta: 50%, average 15,000.
    assert (stats.win_rate.won, stats.win_rate.lost, stats.win_rate.rate) == (2, 2,
                                                                               Fraction(1, 2))
    assert stats.win_rate.average_won == 1_500_000
    # Cycle 20 and 30 days: average 25, median 25.
    assert (stats.cycle.average_days, stats.cycle.median_days) == (25, 25.0)
    # Velocity: 4 open (Epsilon, Zeta, Eta, Theta) x 15,000 x 1/2 / 25 days = 1,200 a day.
    assert stats.velocity.open_deals == 4 and stats.velocity.per_day == 120_000


def test_pipeline_forecast_and_health(history: History) -> None:
    stats = compute_stats(gather_stats(history.store, today=TODAY))
    lines = {line.stage.key: line for line in stats.pipeline.lines}
    assert lines["lead"].deals == 1 and lines["lead"].value.amount == 0
    assert lines["lead"].value.unconverted == {"USD": 500_000}  # Theta: no USD rate
    # Qualified: Epsilon 40,000 + Eta 12,000 = 52,000, weighted 25% = 13,000.
    assert (lines["qualified"].value.amount, lines["qualified"].weighted.amount) == (
        5_200_000, 1_300_000)
    assert (lines["proposal"].value.amount, lines["proposal"].weighted.amount) == (
        3_000_000, 1_500_000)
    assert stats.pipeline.weighted.amount == 2_800_000
    months = {m.month.isoformat()[:7]: (m.deals, m.value.amount, m.weighted.amount)
              for m in stats.forecast.months}
    assert months["2026-11"] == (1, 3_000_000, 1_500_000)  # Zeta: Nov 20 passed, due now
    assert months["2026-12"] == (1, 4_000_000, 1_000_000)  # Epsilon
    assert (stats.forecast.past_due, stats.forecast.undated) == (1, 2)  # Eta, Theta undated
    # Zeta is stale and unqualified; Zeta, Eta and Theta have no next step.
    health = stats.health
    assert (health.stale, health.no_next_step, health.step_overdue, health.unqualified) == (
        1, 3, 0, 1)


def test_sources_and_trend(history: History) -> None:
    stats = compute_stats(gather_stats(history.store, today=TODAY))
    assert [(s.source, s.deals, s.won, s.lost, s.won_value.amount, s.open_value.amount)
            for s in stats.sources] == [
        ("referral", 3, 1, 1, 1_000_000, 3_000_000),  # Alpha won, Gamma lost, Zeta open
        ("", 2, 0, 0, 0, 0),  # Theta (USD, apart) and Iota (paused)
        ("event", 2, 0, 1, 0, 1_200_000),  # Delta lost, Eta open
        ("website", 2, 1, 0, 2_000_000, 4_000_000),  # Beta won, Epsilon open
    ]
    trend = {p.day.isoformat(): p.value.amount for p in stats.trend}
    assert trend == {
        "2026-09-09": 0, "2026-09-16": 0, "2026-09-23": 0, "2026-09-30": 0,
        "2026-10-07": 3_000_000,  # Alpha + Beta
        "2026-10-14": 3_500_000,  # + Gamma
        "2026-10-21": 2_500_000,  # Alpha won that morning
        "2026-10-28": 2_000_000,  # Gamma lost
        "2026-11-04": 7_800_000,  # Beta won; Delta, Epsilon, Zeta came in
        "2026-11-11": 7_000_000,  # Delta lost; Iota came and was paused
        "2026-11-18": 7_000_000,
        "2026-11-25": 8_200_000,  # + Eta: the open pipeline of today
    }
    assert stats.trend[-1].value.unconverted == {"USD": 500_000}


def test_sql_flags_agree_with_the_rules(history: History) -> None:
    store = history.store
    stages = {s.key: s for s in store.stages()}
    deals = store.list_deals()
    health = compute_stats(gather_stats(store, today=TODAY)).health
    assert health.stale == sum(is_stale(d, stages[d.stage], TODAY) for d in deals)
    assert health.no_next_step == sum(
        next_step_state(d, TODAY).value == "missing" for d in deals)
    assert health.unqualified == sum(
        deal_flags(d, stages[d.stage], TODAY).unqualified for d in deals)


def test_the_proposed_indexes_change_nothing_but_speed(history: History,
                                                       tmp_path: Path) -> None:
    before = gather_stats(history.store, today=TODAY)
    conn = sqlite3.connect(history.store.path)
    for statement in STATS_INDEXES:
        conn.execute(statement)
    conn.commit()
    plan = " ".join(str(row) for row in conn.execute(
        f"EXPLAIN QUERY PLAN SELECT {MOVE_FROM}, {MOVE_TO}, {MOVE_DAYS}, count(*)"
        f" FROM activities WHERE {MOVE_KINDS} GROUP BY 1, 2, 3"))
    conn.close()
    assert "activities_moves" in plan
    after = gather_stats(history.store, today=TODAY)
    assert sorted(map(repr, after.stage_days)) == sorted(map(repr, before.stage_days))
    assert sorted(map(repr, after.shifts)) == sorted(map(repr, before.shifts))
    assert sorted(map(repr, after.reach)) == sorted(map(repr, before.reach))


def test_migration_v2_builds_the_indexes_the_statistics_read() -> None:
    # Migration v2's SQL is frozen in store.schema; the queries are built in store.stats.
    # An index is only read when both spell its expressions the same way.
    frozen = " ".join(" ".join(line.split("--")[0].split()) for line in _V2.splitlines())
    for statement in STATS_INDEXES:
        assert statement in frozen.replace("( ", "(").replace(" )", ")"), statement


def test_an_empty_pipeline(tmp_path: Path) -> None:
    store = open_store(str(tmp_path / "empty.db"), user="anna")
    try:
        stats = compute_stats(gather_stats(store, today=TODAY))
    finally:
        store.close()
    assert stats.pipeline.deals == 0 and stats.win_rate.rate is None
    assert all(c.rate is None for c in stats.conversion)
    assert [p.value.amount for p in stats.trend] == [0] * 12
