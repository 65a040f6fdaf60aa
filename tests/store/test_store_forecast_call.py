"""The forecast call on a small fixed history, worked by hand, on both engines: categories
(the owner's or the stage's default), own probabilities in every weighted sum, targets per
month and quarter with the gap, and the call kept in the history (undo restores it).

Today is Wednesday 2026-11-25 (Q4: October to December). Values in EUR; Lead 10 %,
Qualified 25 %, Proposal 50 % (best case by default), Commitment 80 % (commit by default):

- P1 anna Proposal 10,000, close Nov 30: best case by default, weighted 5,000.
- P2 anna Commitment 20,000, close Dec 10: commit by default, weighted 16,000.
- P3 ben Lead 30,000, close Dec 20, called commit at its own 40 %: weighted 12,000.
- P4 ben Qualified 8,000, close Nov 1 (passed: counts in November), omitted: weighted
  2,000 at the stage's 25 %, in no call.
- W1 anna won Nov 5, 5,000; W2 ben won Oct 10, 7,000; W3 won Sep 1, 1,000 (last quarter).
- Targets: the team 30,000 in November, 50,000 in December, 100,000 for Q4; anna 25,000 in
  December.

November: won 5,000, commit 0, best case 10,000, weighted 7,000, gap 30,000 - 5,000 = 25,000.
December: won 0, commit 50,000, best case 50,000, weighted 28,000, gap 0.
Q4: won 12,000, commit 50,000, best case 60,000, weighted 35,000, gap 38,000.
anna's December: commit 20,000 against 25,000, gap 5,000.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, date, datetime

import pytest

from kanban_pipe.domain.errors import InvalidInputError
from kanban_pipe.domain.models import ForecastCategory, Target
from kanban_pipe.domain.stats import StatsScope, compute_stats
from kanban_pipe.store import PipelineStore
from kanban_pipe.store.stats import gather_stats
from tests.store.conftest import MutableClock

TODAY = date(2026, 11, 25)
EUR = 100  # minor units per euro


@pytest.fixture
def called(open_as: Callable[..., PipelineStore], clock: MutableClock
           ) -> tuple[PipelineStore, dict[str, int]]:
    """The pipeline described above, and its deal ids by name."""
    store = open_as("anna")
    ids: dict[str, int] = {}

    def at(month: int, day: int) -> None:
        clock.now = datetime(2026, month, day, 10, tzinfo=UTC)

    def add(name: str, value: int, **options: object) -> None:
        ids[name] = store.add_deal(name, value=value * EUR, **options).id  # type: ignore[arg-type]

    at(8, 20)
    add("W3", 1_000, owner="ben")
    at(9, 1)
    store.mark_won(ids["W3"])
    at(10, 1)
    add("W2", 7_000, owner="ben")
    at(10, 10)
    store.mark_won(ids["W2"])
    add("W1", 5_000)
    at(11, 5)
    store.mark_won(ids["W1"])
    at(11, 20)
    add("P1", 10_000, stage="proposal", expected_close=date(2026, 11, 30))
    add("P2", 20_000, stage="commitment", expected_close=date(2026, 12, 10))
    add("P3", 30_000, owner="ben", expected_close=date(2026, 12, 20))
    add("P4", 8_000, owner="ben", stage="qualified", expected_close=date(2026, 11, 1))
    at(11, 25)
    store.edit_deal(ids["P3"], forecast_category="commit", probability=40)
    store.edit_deal(ids["P4"], forecast_category=ForecastCategory.OMITTED)
    for period, amount, owner in (("2026-11", 30_000, ""), ("dec", 50_000, ""),
                                  ("2026-Q4", 100_000, ""), ("2026-12", 25_000, "anna")):
        store.set_target(period, amount * EUR, owner=owner, today=TODAY)
    return store, ids


def _euros(line: object) -> dict[str, int | None]:
    fields = ("won", "commit", "best_case", "weighted")
    figures: dict[str, int | None] = {
        name: getattr(line, name).amount // EUR for name in fields}
    figures["gap"] = None if line.gap is None else line.gap // EUR  # type: ignore[attr-defined]
    figures["deals"] = line.deals  # type: ignore[attr-defined]
    return figures


def test_the_call_by_month_and_quarter_against_the_team_targets(called) -> None:
    store, _ = called
    stats = compute_stats(gather_stats(store, today=TODAY))
    call = stats.call
    assert call is not None and call.owner == ""
    months = {line.period: _euros(line) for line in call.months}
    assert months["2026-11"] == {"won": 5_000, "commit": 0, "best_case": 10_000,
                                 "weighted": 7_000, "gap": 25_000, "deals": 2}
    assert months["2026-12"] == {"won": 0, "commit": 50_000, "best_case": 50_000,
                                 "weighted": 28_000, "gap": 0, "deals": 2}
    assert months["2027-01"]["gap"] is None  # no target set
    assert [q.period for q in call.quarters] == ["2026-Q4"]
    assert _euros(call.quarters[0]) == {"won": 12_000, "commit": 50_000, "best_case": 60_000,
                                        "weighted": 35_000, "gap": 38_000, "deals": 4}


def test_own_probabilities_weigh_in_every_weighted_sum(called) -> None:
    store, _ = called
    stats = compute_stats(gather_stats(store, today=TODAY))
    weighted = {line.stage.key: line.weighted.amount // EUR for line in stats.pipeline.lines}
    assert weighted == {"lead": 12_000, "qualified": 2_000, "proposal": 5_000,
                        "commitment": 16_000}
    assert stats.pipeline.weighted.amount == 35_000 * EUR
    sums = {s.stage: (s.value, s.own_value, s.own_weighted)
            for s in store.board_sums(today=TODAY)}
    assert sums["lead"] == (30_000 * EUR, 30_000 * EUR, 12_000 * EUR)
    assert sums["qualified"] == (8_000 * EUR, 0, 0)


def test_a_reps_call_is_against_their_own_target(called) -> None:
    store, _ = called
    stats = compute_stats(gather_stats(store, today=TODAY, scope=StatsScope(owner="anna")))
    assert stats.call is not None and stats.call.owner == "anna"
    months = {line.period: _euros(line) for line in stats.call.months}
    assert months["2026-12"] == {"won": 0, "commit": 20_000, "best_case": 20_000,
                                 "weighted": 16_000, "gap": 5_000, "deals": 1}
    assert months["2026-11"]["gap"] is None  # anna has no November target
    assert stats.call.quarters == ()


def test_the_call_is_kept_in_the_history_and_undone(called) -> None:
    store, ids = called
    deal = store.get_deal(ids["P3"])
    assert (deal.forecast_category, deal.probability) == (ForecastCategory.COMMIT, 40)
    edits = [a for a in store.activities(deal.id) if a.kind.value == "edited"]
    assert edits[0].detail == "changed forecast category to commit, probability to 40%"
    changes = json.loads(store.rows("SELECT changes FROM activities WHERE deal_id = ? AND"
                                    " kind = 'edited'", [deal.id])[0][0])
    assert changes["forecast_category"] == [None, "commit"]
    assert changes["probability"] == [None, 40]
    restored, _ = store.undo()  # the last change of anna's: P4 omitted
    assert restored.id == ids["P4"] and restored.forecast_category is None
    back = store.edit_deal(deal.id, forecast_category=None, probability=None)
    assert (back.forecast_category, back.probability) == (None, None)


def test_targets_are_listed_replaced_and_removed(called) -> None:
    store, _ = called
    assert store.targets() == [
        Target("2026-11", "", 30_000 * EUR, "EUR"), Target("2026-12", "", 50_000 * EUR, "EUR"),
        Target("2026-12", "anna", 25_000 * EUR, "EUR"),
        Target("2026-Q4", "", 100_000 * EUR, "EUR")]
    store.set_target("this-month", 40_000 * EUR, today=TODAY)
    assert store.targets()[0] == Target("2026-11", "", 40_000 * EUR, "EUR")
    assert store.remove_target("q4", today=TODAY) == "2026-Q4"
    with pytest.raises(InvalidInputError, match="no target for 2026-Q4"):
        store.remove_target("2026-Q4", today=TODAY)
    with pytest.raises(InvalidInputError, match="not a month or quarter"):
        store.set_target("2026-13", 1, today=TODAY)
    assert len(store.targets()) == 3


def test_bad_calls_are_refused_and_change_nothing(called) -> None:
    store, ids = called
    before = store.get_deal(ids["P1"])
    for fields, message in (({"forecast_category": "maybe"}, "not one of pipeline"),
                            ({"probability": 101}, "between 0 and 100"),
                            ({"probability": "lots"}, "whole number")):
        with pytest.raises(InvalidInputError, match=message):
            store.edit_deal(before.id, **fields)
    assert store.get_deal(before.id) == before
