"""Forecast and statistics maths, checked against small examples worked out by hand."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from fractions import Fraction

import pytest

from kanban_pipe.domain.charts import bar, health_hints, percent, sparkline, split_bar
from kanban_pipe.domain.models import DealStatus
from kanban_pipe.domain.stages import DEFAULT_STAGES
from kanban_pipe.domain.stats import (
    ClosedSum,
    DealGroup,
    Reach,
    StageDays,
    StatsInputs,
    StatusShift,
    StatusSum,
    calibration,
    compute_stats,
    conversions,
    forecast_by_month,
    forecast_months,
    median_of_counts,
    open_value_trend,
    pipeline_by_stage,
    results_by_source,
    sales_cycle,
    time_in_stage,
    trend_days,
    win_rate,
)

TODAY = date(2026, 11, 25)
OPEN, WON, LOST, PAUSED = DealStatus.OPEN, DealStatus.WON, DealStatus.LOST, DealStatus.PAUSED
RATES = {"USD": Decimal("0.9")}


@pytest.mark.parametrize(
    ("counts", "median"),
    [
        ({}, None),
        ({7: 1}, 7.0),
        ({3: 1, 5: 1, 10: 1}, 5.0),  # 3 5 10
        ({2: 2, 4: 1, 9: 1}, 3.0),  # 2 2 4 9: between 2 and 4
        ({1: 1, 2: 1, 4: 1, 6: 1, 8: 1, 10: 1}, 5.0),  # 1 2 4 6 8 10: between 4 and 6
    ],
)
def test_median_of_counts(counts: dict[int, int], median: float | None) -> None:
    assert median_of_counts(counts) == median


def test_months_and_trend_days() -> None:
    assert forecast_months(date(2026, 11, 25), 3) == [
        date(2026, 11, 1), date(2026, 12, 1), date(2027, 1, 1)]
    days = trend_days(TODAY)
    assert len(days) == 12 and days[-1] == TODAY and days[0] == date(2026, 9, 9)


def test_pipeline_converts_what_has_a_rate_and_counts_the_rest_apart() -> None:
    totals = [
        # Lead: 2 EUR deals of 10,000.00 in all; 1 USD deal of 1,000.00 = 900.00 EUR.
        StatusSum(OPEN, "lead", "EUR", 2, 1_000_000, 100_000),
        StatusSum(OPEN, "lead", "USD", 1, 100_000, 10_000),
        # Proposal: one SEK deal, no SEK rate: counted apart, never added.
        StatusSum(OPEN, "proposal", "SEK", 1, 5_000_000, 2_500_000),
        StatusSum(WON, "won", "EUR", 3, 9_000_000, 9_000_000),  # not open: not in the pipeline
    ]
    pipeline = pipeline_by_stage(totals, DEFAULT_STAGES, "EUR", RATES)
    assert [(line.stage.key, line.deals) for line in pipeline.lines] == [
        ("lead", 3), ("qualified", 0), ("proposal", 1), ("commitment", 0)]
    lead = pipeline.lines[0]
    assert lead.value.amount == 1_090_000 and lead.weighted.amount == 109_000
    assert pipeline.deals == 4
    assert pipeline.value.amount == 1_090_000
    assert pipeline.value.unconverted == {"SEK": 5_000_000}
    assert pipeline.value.unconverted_deals == 1
    assert pipeline.weighted.amount == 109_000


def test_forecast_by_month_folds_passed_dates_into_this_month() -> None:
    groups = [
        DealGroup(OPEN, "EUR", "", 1, 100_000, 10_000, "2026-10", close_passed=1),
        DealGroup(OPEN, "EUR", "", 2, 300_000, 150_000, "2026-11", close_passed=1),
        DealGroup(OPEN, "EUR", "", 1, 200_000, 160_000, "2027-01"),
        DealGroup(OPEN, "EUR", "", 4, 900_000, 90_000, "later"),
        DealGroup(OPEN, "EUR", "", 3, 50_000, 5_000, None),
    ]
    forecast = forecast_by_month(groups, TODAY, "EUR", {})
    months = [(m.month.isoformat()[:7], m.deals, m.value.amount, m.weighted.amount)
              for m in forecast.months]
    # November: the October date (passed, still open) plus November's two deals.
    assert months == [("2026-11", 3, 400_000, 160_000), ("2026-12", 0, 0, 0),
                      ("2027-01", 1, 200_000, 160_000), ("2027-02", 0, 0, 0),
                      ("2027-03", 0, 0, 0), ("2027-04", 0, 0, 0)]
    assert (forecast.past_due, forecast.later, forecast.undated) == (2, 4, 3)


CLOSED = [
    # Won: 10,000.00 after 10 days and 20,000.00 after 20 days; lost: 3 deals.
    ClosedSum(WON, "EUR", 1, 1_000_000, 10),
    ClosedSum(WON, "EUR", 1, 2_000_000, 20),
    ClosedSum(LOST, "EUR", 3, 4_000_000),
]


def test_win_rate_cycle_and_velocity_by_hand() -> None:
    win = win_rate(CLOSED, "EUR", {})
    # 2 won of 5 closed: 40%; average won value (10,000 + 20,000) / 2 = 15,000.00.
    assert (win.won, win.lost, win.rate) == (2, 3, Fraction(2, 5))
    assert win.average_won == 1_500_000
    cycle = sales_cycle(CLOSED)
    assert (cycle.won, cycle.average_days, cycle.median_days) == (2, 15, 15.0)
    stats = compute_stats(StatsInputs(
        TODAY, DEFAULT_STAGES, "EUR", {}, closed=tuple(CLOSED),
        totals=(StatusSum(OPEN, "lead", "EUR", 8, 800_000, 80_000),)))
    # 8 open x 15,000.00 x 2/5 / 15 days = 3,200.00 a day.
    assert stats.velocity.per_day == 320_000


def test_average_won_value_leaves_out_deals_without_a_rate() -> None:
    win = win_rate([ClosedSum(WON, "EUR", 2, 3_000_000, 5), ClosedSum(WON, "SEK", 1, 9, 5)],
                   "EUR", {})
    assert win.won == 3 and win.average_won == 1_500_000
    assert win.won_value.unconverted == {"SEK": 9}


def test_velocity_needs_closed_history() -> None:
    stats = compute_stats(StatsInputs(TODAY, DEFAULT_STAGES, "EUR", {}))
    assert stats.velocity.per_day is None
    assert stats.win_rate.rate is None and stats.cycle.average_days is None


# Ten deals, by the furthest stage each reached and their status now:
#   A lead open, B lead lost, C qualified open, D and E qualified lost, F proposal paused,
#   G proposal lost, H commitment open, I and J won.
REACH = [
    Reach("lead", OPEN, 1), Reach("lead", LOST, 1), Reach("qualified", OPEN, 1),
    Reach("qualified", LOST, 2), Reach("proposal", PAUSED, 1), Reach("proposal", LOST, 1),
    Reach("commitment", OPEN, 1), Reach("won", WON, 2),
]


def test_conversion_rates_by_hand() -> None:
    steps = conversions(REACH, DEFAULT_STAGES)
    table = [(c.from_stage.key, c.to_stage.key, c.reached, c.advanced, c.dropped, c.undecided,
              c.rate) for c in steps]
    assert table == [
        # All 10 reached Lead; 8 went on (C..J), B was lost there, A is still there: 8/9.
        ("lead", "qualified", 10, 8, 1, 1, Fraction(8, 9)),
        # 8 reached Qualified; F, G, H, I, J went on, D and E lost there, C open: 5/7.
        ("qualified", "proposal", 8, 5, 2, 1, Fraction(5, 7)),
        # 5 reached Proposal; H, I, J went on, G lost, F paused: 3/4.
        ("proposal", "commitment", 5, 3, 1, 1, Fraction(3, 4)),
        # 3 reached Commitment; I and J won, H is open: 2/2.
        ("commitment", "won", 3, 2, 0, 1, Fraction(1)),
    ]


def test_calibration_by_hand() -> None:
    rows = calibration(REACH, DEFAULT_STAGES)
    # Won 2 (I, J). Lost after reaching Lead: B, D, E, G (2/6); Qualified: D, E, G (2/5);
    # Proposal: G (2/3); Commitment: none (2/2).
    assert [(r.stage.key, r.won, r.lost, r.observed) for r in rows] == [
        ("lead", 2, 4, Fraction(1, 3)), ("qualified", 2, 3, Fraction(2, 5)),
        ("proposal", 2, 1, Fraction(2, 3)), ("commitment", 2, 0, Fraction(1))]
    assert not any(r.differs for r in rows)  # fewer than 10 closed: too few to argue with


def test_calibration_differs_widely_only_with_enough_closed_deals() -> None:
    # 3 won and 9 lost in Lead: 25% seen against 10% set, 15 points apart, 12 closed.
    rows = calibration([Reach("won", WON, 3), Reach("lead", LOST, 9)], DEFAULT_STAGES)
    assert rows[0].observed == Fraction(1, 4) and rows[0].differs
    # Commitment: 3 of 3 won (100% against 80%) but only 3 closed deals.
    assert rows[3].observed == 1 and not rows[3].differs


def test_moving_back_keeps_the_furthest_stage() -> None:
    # A deal that reached Proposal, was moved back and lost: it counts as lost in Proposal.
    steps = conversions([Reach("proposal", LOST, 1)], DEFAULT_STAGES)
    assert [(c.advanced, c.dropped) for c in steps] == [(1, 0), (1, 0), (0, 1), (0, 0)]


def test_median_days_in_stage() -> None:
    days = [StageDays("lead", 2, 2), StageDays("lead", 5, 1), StageDays("lead", 9, 1),
            StageDays("qualified", 4, 3)]
    rows = time_in_stage(days, DEFAULT_STAGES)
    # Lead: 2 2 5 9 -> 3.5; Qualified: 4 4 4 -> 4; nothing has left Proposal yet.
    assert [(r.stage.key, r.visits, r.median_days) for r in rows] == [
        ("lead", 4, 3.5), ("qualified", 3, 4.0), ("proposal", 0, None),
        ("commitment", 0, None)]


def test_results_by_source() -> None:
    groups = [
        DealGroup(OPEN, "EUR", "referral", 2, 200_000, point=3),
        DealGroup(WON, "EUR", "referral", 1, 300_000),
        DealGroup(LOST, "EUR", "referral", 1, 50_000),
        DealGroup(WON, "USD", "website", 1, 100_000),
        DealGroup(OPEN, "EUR", "", 1, 10_000),
    ]
    rows = results_by_source(groups, "EUR", RATES)
    assert [(r.source, r.deals, r.open, r.won, r.lost, r.win_rate) for r in rows] == [
        ("referral", 4, 2, 1, 1, Fraction(1, 2)), ("", 1, 1, 0, 0, None),
        ("website", 1, 0, 1, 0, Fraction(1))]
    assert rows[0].won_value.amount == 300_000 and rows[0].open_value.amount == 200_000
    assert rows[2].won_value.amount == 90_000  # 1,000 USD at 0.9


def test_open_value_trend_replays_status_changes() -> None:
    days = [date(2026, 11, 11), date(2026, 11, 18), date(2026, 11, 25)]
    groups = [
        DealGroup(OPEN, "EUR", "", 1, 100, point=0),  # open since before the first day
        DealGroup(OPEN, "EUR", "", 1, 50, point=2),  # created in the last week
        DealGroup(OPEN, "EUR", "", 1, 20, point=1),  # created in week 2, resumed in week 3
        DealGroup(LOST, "EUR", "", 1, 999, point=0),  # closed deals count only via shifts
    ]
    shifts = [
        StatusShift("EUR", 0, 1, 30),  # a deal of 30 left the open pipeline in week 2
        StatusShift("EUR", 1, 2, -20),  # the deal of 20 came back in week 3
    ]
    points = open_value_trend(days, groups, shifts, "EUR", {})
    # Day 1: 100 + 30; day 2: 100 + 20 - 20 (paused then); day 3: 100 + 50 + 20.
    assert [p.value.amount for p in points] == [130, 100, 170]


def test_health_hints_in_plain_words() -> None:
    stats = compute_stats(StatsInputs(
        TODAY, DEFAULT_STAGES, "EUR", {},
        totals=(StatusSum(OPEN, "lead", "EUR", 1, 100, 10),
                StatusSum(OPEN, "qualified", "EUR", 4, 100, 25)),
        groups=(DealGroup(OPEN, "EUR", "", 5, 200, 35, None, stale=2, no_next_step=1,
                          step_overdue=3, unqualified=1, close_passed=0),)))
    hints = health_hints(stats)
    assert hints[0] == ("Lead is thin (1 deal against 4 in Qualified): feed it with new "
                        "leads.")
    assert hints[1].startswith("2 of 5 deals open are stale (40%): clean it")
    assert hints[2].startswith("1 deal is in Proposal or later without a decision maker")
    assert hints[3].startswith("1 deal has no next step")
    assert hints[4].startswith("3 next steps are overdue")
    assert "No deal was won or lost in the last 90 days" in hints[5]


def test_empty_pipeline_hints_feed_it() -> None:
    hints = health_hints(compute_stats(StatsInputs(TODAY, DEFAULT_STAGES, "EUR", {})))
    assert hints[0] == "Lead is empty: feed it, nothing new is coming in."


@pytest.mark.parametrize(
    ("value", "scale", "width", "drawn"),
    [(0, 10, 10, ""), (10, 10, 10, "█" * 10), (5, 10, 10, "█████"), (1, 2, 2, "█"),
     (1, 4, 2, "▌"), (3, 16, 2, "▍"), (1, 1000, 10, "▏")],
)
def test_bar_in_eighths(value: int, scale: int, width: int, drawn: str) -> None:
    assert bar(value, scale, width) == drawn


def test_split_bar_and_sparkline_read_without_colour() -> None:
    assert split_bar(25, 100, 100, 8) == "██░░░░░░"
    assert sparkline([0, 5, 10]) == "▁▅█" and sparkline([3, 3]) == "▅▅"
    assert percent(Fraction(2, 3)) == "67%" and percent(None) == "–"
