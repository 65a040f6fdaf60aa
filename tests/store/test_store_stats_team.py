"""The manager's figures on a small fixed history, worked by hand, on both engines: one rule
for 'open' across the board, the statistics, `list` and review; the team table; lost deals
by reason and stage; the scope (owner, source, period); aged-out deals in the conversion.

Every event happens at 10:00 UTC on the day named; today is Wednesday 2026-11-25. Deals
(values in EUR; Lead stays fresh 14 days, Qualified 14, Proposal 10):

- A anna web 10,000 Lead, made Nov 1, no next step, a note logged Nov 24.
- B anna web 20,000 made in Proposal Nov 20, step due Nov 20 (overdue), a call Nov 22.
- C ben event 5,000 made in Qualified Nov 24, no next step.
- D ben web 8,000 Lead, made Oct 1, paused Oct 2 until Nov 10: open again, stale.
- E anna event 4,000 made Oct 1, won from Lead Oct 21 (cycle 20 days).
- F ben web 6,000 made Oct 5, to Qualified Oct 10, lost Nov 5: 'Price ' (the list's 'price').
- G ben event 3,000 made Nov 1, lost in Lead Nov 10: 'went silent'.
- H anna web 2,000 made Jul 1, lost in Lead Jul 10: 'price' (before the last 90 days).
- I anna 1,000 Lead, made Nov 2, paused until Dec 31 (not open).
- Logged this week (from Nov 19): anna a call on B and a note on A, ben a call on C;
  ben's call on G on Nov 8 is older.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from fractions import Fraction

import pytest

from kanban_pipe.domain.charts import health_hints
from kanban_pipe.domain.models import ActivityKind, NextStep
from kanban_pipe.domain.stats import StatsScope, compute_stats
from kanban_pipe.store import PipelineStore
from kanban_pipe.store.listing import listed_deals
from kanban_pipe.store.review import review_candidates
from kanban_pipe.store.stats import gather_stats
from tests.store.conftest import MutableClock

TODAY = date(2026, 11, 25)


@pytest.fixture
def team(open_as: Callable[..., PipelineStore], clock: MutableClock
         ) -> tuple[PipelineStore, dict[str, int]]:
    """The pipeline described above, and its deal ids by letter."""
    store = open_as("anna")
    ids: dict[str, int] = {}

    def at(month: int, day: int) -> None:
        clock.now = datetime(2026, month, day, 10, tzinfo=UTC)

    def add(name: str, month: int, day: int, value: int, **options: object) -> None:
        at(month, day)
        ids[name] = store.add_deal(name, value=value * 100, **options).id  # type: ignore[arg-type]

    add("H", 7, 1, 2_000, owner="anna", source="web")
    at(7, 10)
    store.mark_lost(ids["H"], "price")
    add("D", 10, 1, 8_000, owner="ben", source="web")
    add("E", 10, 1, 4_000, owner="anna", source="event")
    at(10, 2)
    store.pause_deal(ids["D"], date(2026, 11, 10))
    add("F", 10, 5, 6_000, owner="ben", source="web")
    at(10, 10)
    store.move_deal(ids["F"], "qualified")
    at(10, 21)
    store.mark_won(ids["E"])
    add("A", 11, 1, 10_000, owner="anna", source="web")
    add("G", 11, 1, 3_000, owner="ben", source="event")
    add("I", 11, 2, 1_000, owner="anna")
    add("C", 11, 24, 5_000, owner="ben", source="event", stage="qualified")
    at(11, 3)
    store.pause_deal(ids["I"], date(2026, 12, 31))
    at(11, 5)
    store.mark_lost(ids["F"], "Price ")
    ben = open_as("ben")
    at(11, 8)
    ben.log_activity(ids["G"], ActivityKind.CALL, "chased")
    at(11, 10)
    store.mark_lost(ids["G"], "went silent")
    at(11, 24)
    ben.log_activity(ids["C"], ActivityKind.CALL, "intro")
    add("B", 11, 20, 20_000, owner="anna", source="web", stage="proposal",
        next_step=NextStep("Send quote", "anna", date(2026, 11, 20)))
    at(11, 22)
    store.log_activity(ids["B"], ActivityKind.CALL, "pricing")
    at(11, 24)
    store.log_activity(ids["A"], ActivityKind.NOTE, "asked for a demo")
    at(11, 25)
    return store, ids


def test_one_rule_for_open_across_board_stats_list_and_review(team) -> None:
    store, ids = team
    stats = compute_stats(gather_stats(store, today=TODAY))
    open_stages = {line.stage.key for line in stats.pipeline.lines}
    board = {}
    for row in store.board_sums(today=TODAY):
        if row.stage in open_stages:
            board[row.stage] = board.get(row.stage, 0) + row.deals
    in_stats = {line.stage.key: line.deals for line in stats.pipeline.lines if line.deals}
    listed = list(listed_deals(store, today=TODAY))
    by_stage: dict[str, int] = {}
    for deal in listed:
        by_stage[deal.stage] = by_stage.get(deal.stage, 0) + 1
    # A and the resumed D in Lead, C in Qualified, B in Proposal: four open everywhere.
    assert board == in_stats == by_stage == {"lead": 2, "qualified": 1, "proposal": 1}
    assert stats.pipeline.deals == len(listed) == 4
    assert {d.id for d in listed} == {ids[n] for n in "ABCD"}
    # D is stale: counted so in the statistics, listed by --stale, and up for review.
    stale = [d.id for d in listed_deals(store, today=TODAY, stale=True)]
    assert stale == [ids["D"]] and stats.health.stale == 1
    assert ids["D"] in {d.id for d in review_candidates(store, today=TODAY)}
    # The Lead's weighted value has D's 800 in it: (10,000 + 8,000) x 10%.
    assert stats.pipeline.lines[0].weighted.amount == 180_000


def test_team_table_by_hand(team) -> None:
    store, _ = team
    stats = compute_stats(gather_stats(store, today=TODAY))
    rows = [(t.owner, t.open_deals, t.open_value.amount, t.weighted.amount, t.won, t.lost,
             t.win_rate, t.cycle_days, t.no_next_step, t.step_overdue, t.stale, t.touches)
            for t in stats.team]
    assert rows == [
        # ben: C and D without a step, D stale: 3 flags on 2 deals, first.
        ("ben", 2, 1_300_000, 205_000, 0, 2, Fraction(0), None, 2, 0, 1, 1),
        # anna: A without a step, B overdue: 2 flags on 2 deals. Won E (20 days); H was
        # lost before the period. Logged: the call on B and the note on A.
        ("anna", 2, 3_000_000, 1_100_000, 1, 0, Fraction(1), Fraction(20), 1, 1, 0, 2),
    ]


def test_lost_by_reason_and_stage_by_hand(team) -> None:
    store, _ = team
    lost = compute_stats(gather_stats(store, today=TODAY)).lost
    assert [(r.label, r.deals, r.value.amount) for r in lost.by_reason] == [
        ("price", 1, 600_000), ("went silent", 1, 300_000)]
    assert [(r.label, r.deals, r.value.amount) for r in lost.by_stage] == [
        ("Lead", 1, 300_000), ("Qualified", 1, 600_000)]
    # From July on, H counts too: 'price' and 'Price ' are one reason.
    since = StatsScope(since=date(2026, 7, 1))
    lost = compute_stats(gather_stats(store, today=TODAY, scope=since)).lost
    assert [(r.label, r.deals, r.value.amount) for r in lost.by_reason] == [
        ("price", 2, 800_000), ("went silent", 1, 300_000)]
    assert [(r.label, r.deals) for r in lost.by_stage] == [("Lead", 2), ("Qualified", 1)]


def test_the_scope_narrows_every_figure(team) -> None:
    store, _ = team
    anna = compute_stats(gather_stats(store, today=TODAY, scope=StatsScope(owner="anna")))
    assert anna.pipeline.deals == 2 and [t.owner for t in anna.team] == ["anna"]
    assert (anna.win_rate.won, anna.win_rate.lost) == (1, 0)
    web = compute_stats(gather_stats(store, today=TODAY, scope=StatsScope(source="web")))
    assert web.pipeline.deals == 3  # A, B, D
    assert (web.win_rate.won, web.win_rate.lost) == (0, 1)  # F; H is older
    october = StatsScope(since=date(2026, 10, 1), until=date(2026, 10, 31))
    stats = compute_stats(gather_stats(store, today=TODAY, scope=october))
    assert (stats.win_rate.won, stats.win_rate.lost, stats.win_rate.days) == (1, 0, 31)
    assert stats.pipeline.deals == 4  # the open pipeline is today's, whatever the period


def test_conversion_counts_aged_deals_as_not_converted(team) -> None:
    store, _ = team
    stats = compute_stats(gather_stats(store, today=TODAY))
    lead = stats.conversion[0]
    # Reached Lead: all nine. Went on: B, C, E (won from Lead), F. Lost there: G, H.
    # Lead visits: F 5 days, G 9, H 9, E 20: median 9, aged after max(18, 14) days. A has
    # sat 24 days (touched, but not moving) and D is stale: aged out. I is paused: undecided.
    assert (lead.reached, lead.advanced, lead.dropped, lead.aged, lead.undecided) == (
        9, 4, 2, 2, 1)
    assert lead.rate == Fraction(4, 8)
    # Calibration of Lead: won E of the decided 1 + 3 lost (F, G, H) + 2 aged; B, C, I
    # are still undecided.
    calibration = stats.calibration[0]
    assert (calibration.won, calibration.lost, calibration.aged, calibration.undecided) == (
        1, 3, 2, 3)
    assert calibration.observed == Fraction(1, 6)


def test_the_touches_index_counts_exactly_the_touch_kinds() -> None:
    from kanban_pipe.domain.models import TOUCH_KINDS
    from kanban_pipe.store.postgres.schema import _V4 as SERVER_V4
    from kanban_pipe.store.schema import _V4
    from kanban_pipe.store.stats import TOUCHES_SQL

    assert TOUCHES_SQL == "kind IN ({})".format(
        ", ".join(repr(kind.value) for kind in sorted(TOUCH_KINDS, key=list(ActivityKind).index)))
    assert f"WHERE {TOUCHES_SQL};" in _V4 and f"WHERE {TOUCHES_SQL};" in SERVER_V4


def test_the_week_of_touches_is_read_from_its_index(team) -> None:
    store, _ = team
    if store.engine.dialect.history_columns:
        pytest.skip("SQLite's plan: the server's planner chooses for itself")
    plan = store.rows(
        "EXPLAIN QUERY PLAN SELECT actor, count(*) FROM activities INDEXED BY"
        " activities_touches WHERE at >= ? AND kind IN ('call', 'email', 'meeting', 'note')"
        " GROUP BY actor", ["2026-11-19"])
    assert "USING INDEX activities_touches" in " ".join(str(row) for row in plan)


def test_slipping_deals_by_hand(team) -> None:
    store, ids = team
    # A: 24 days in Lead (aged after 18) and noted yesterday: slipping. D is aged too but
    # quiet (stale), so not slipping: nobody is working it.
    assert compute_stats(gather_stats(store, today=TODAY)).slipping == 1
    # C's close date pushed twice (a pull-in and an undone push do not count).
    for day in (date(2026, 12, 10), date(2026, 12, 20), date(2026, 12, 1), date(2027, 1, 5)):
        store.edit_deal(ids["C"], expected_close=day)
    store.undo()  # the push to Jan 5
    assert compute_stats(gather_stats(store, today=TODAY)).slipping == 1
    store.edit_deal(ids["C"], expected_close=date(2027, 2, 1))
    stats = compute_stats(gather_stats(store, today=TODAY))
    assert stats.slipping == 2
    assert any(hint.startswith("2 deals are slipping") for hint in health_hints(stats))
    # Narrowed to ben, only C. (Narrowed to anna, the usual time is her own deals':
    # Lead visits of 9 and 20 days, aged after 29 days, so A is not slipping there.)
    ben = StatsScope(owner="ben")
    assert compute_stats(gather_stats(store, today=TODAY, scope=ben)).slipping == 1
    anna = StatsScope(owner="anna")
    assert compute_stats(gather_stats(store, today=TODAY, scope=anna)).slipping == 0
