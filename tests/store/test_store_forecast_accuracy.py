"""Forecast accuracy: two past months' forecasts rebuilt from the activity log, worked by
hand, on both engines; kept once rebuilt, the same when rebuilt read-only.

Today is 2026-11-25; the past months are May to October. Every event at 10:00 UTC. Lead
10 %, Qualified 25 %, Proposal 50 % (best case), Commitment 80 % (commit):

- A anna 10,000 made Aug 20 in Proposal, close Sep 20; to Commitment Sep 10; won Oct 5.
- B anna 20,000 made Aug 25 in Commitment, close Sep 30; close pushed to Nov 15 on Sep 15;
  lost Oct 20.
- C anna 4,000 made Sep 5 in Lead, close Sep 28; won Sep 25.
- D ben 8,000 made Aug 1 in Qualified, close Oct 15; own 60 % on Aug 2; called commit Sep 20.
- E anna 6,000 made Aug 10 in Proposal, close Sep 15; paused Aug 20 until Dec 1.
- F anna 50,000 made Aug 5 in Commitment, close Sep 10; deleted Nov 1 (a mistake).

On Sep 1: A (Proposal, best case, weighted 5,000) and B (commit 20,000, weighted 16,000).
Won in September: C, 4,000. On Oct 1: A (Commitment now, its passed date counts: commit
10,000, weighted 8,000) and D (commit at its own 60 %: 8,000, weighted 4,800); B's date
had moved to November. Won in October: A, 10,000, all of it committed.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime

import pytest

from kanban_pipe.domain.stats import StatsScope, compute_stats
from kanban_pipe.store import PipelineStore, forecast_history, open_store
from kanban_pipe.store.forecast_history import SNAPSHOT_MONTHS_KEY
from kanban_pipe.store.stats import gather_stats
from tests.store.conftest import MutableClock

TODAY = date(2026, 11, 25)
EUR = 100


@pytest.fixture
def history(open_as: Callable[..., PipelineStore], clock: MutableClock) -> PipelineStore:
    """The pipeline described above."""
    store = open_as("anna")
    ids: dict[str, int] = {}

    def at(month: int, day: int) -> None:
        clock.now = datetime(2026, month, day, 10, tzinfo=UTC)

    def add(name: str, month: int, day: int, value: int, stage: str, close: date,
            owner: str = "anna") -> None:
        at(month, day)
        ids[name] = store.add_deal(name, value=value * EUR, stage=stage, owner=owner,
                                   expected_close=close).id

    add("D", 8, 1, 8_000, "qualified", date(2026, 10, 15), owner="ben")
    at(8, 2)
    store.edit_deal(ids["D"], probability=60)
    add("F", 8, 5, 50_000, "commitment", date(2026, 9, 10))
    add("E", 8, 10, 6_000, "proposal", date(2026, 9, 15))
    add("A", 8, 20, 10_000, "proposal", date(2026, 9, 20))
    at(8, 20)
    store.pause_deal(ids["E"], date(2026, 12, 1))
    add("B", 8, 25, 20_000, "commitment", date(2026, 9, 30))
    add("C", 9, 5, 4_000, "lead", date(2026, 9, 28))
    at(9, 10)
    store.move_deal(ids["A"], "commitment")
    at(9, 15)
    store.edit_deal(ids["B"], expected_close=date(2026, 11, 15))
    at(9, 20)
    store.edit_deal(ids["D"], forecast_category="commit")
    at(9, 25)
    store.mark_won(ids["C"])
    at(10, 5)
    store.mark_won(ids["A"])
    at(10, 20)
    store.mark_lost(ids["B"], "price")
    at(11, 1)
    store.delete_deal(ids["F"])
    at(11, 25)
    return store


def _figures(stats) -> dict[str, tuple]:
    return {m.month: (m.weighted.amount // EUR, m.commit.amount // EUR,
                      m.best_case.amount // EUR, m.won.amount // EUR,
                      m.committed_won.amount // EUR, m.forecast_deals, m.won_deals)
            for m in stats.accuracy}


# weighted, commit, best case, won, committed and won, deals forecast, deals won
SEPTEMBER = (21_000, 20_000, 30_000, 4_000, 0, 2, 1)
OCTOBER = (12_800, 18_000, 18_000, 10_000, 10_000, 2, 1)
EMPTY = (0, 0, 0, 0, 0, 0, 0)


def test_two_past_months_rebuilt_from_the_log(history: PipelineStore) -> None:
    stats = compute_stats(gather_stats(history, today=TODAY))
    figures = _figures(stats)
    assert list(figures) == ["2026-05", "2026-06", "2026-07", "2026-08", "2026-09", "2026-10"]
    assert figures["2026-09"] == SEPTEMBER
    assert figures["2026-10"] == OCTOBER
    assert figures["2026-08"] == EMPTY
    september, october = stats.accuracy[4], stats.accuracy[5]
    assert september.won_of_weighted == pytest.approx(4_000 / 21_000)
    assert (september.won_of_commit, september.commit_kept) == (0.2, 0.0)
    assert october.commit_kept == pytest.approx(10 / 18)
    assert stats.accuracy[0].won_of_weighted is None  # nothing forecast in May


def test_a_reps_months_count_their_own_deals(history: PipelineStore) -> None:
    figures = _figures(compute_stats(gather_stats(history, today=TODAY,
                                                  scope=StatsScope(owner="ben"))))
    assert figures["2026-10"] == (4_800, 8_000, 8_000, 0, 0, 1, 0)
    assert figures["2026-09"] == EMPTY


def test_months_are_kept_once_rebuilt_and_later_changes_do_not_rewrite_them(
        history: PipelineStore, pipeline_target: str, raw,
        monkeypatch: pytest.MonkeyPatch) -> None:
    gather_stats(history, today=TODAY)
    kept = raw.tuples("SELECT month, owner, weighted FROM forecast_snapshots ORDER BY 1, 2")
    assert kept == [("2026-09", "anna", 21_000 * EUR), ("2026-10", "anna", 8_000 * EUR),
                    ("2026-10", "ben", 4_800 * EUR)]
    assert raw.tuples("SELECT value FROM settings WHERE key = ?", (SNAPSHOT_MONTHS_KEY,)) == [
        ('["2026-05", "2026-06", "2026-07", "2026-08", "2026-09", "2026-10"]',)]
    # Today's edits change today's deals, not what the forecast said on October 1.
    [deal] = [d for d in history.list_deals() if d.title == "D"]
    history.edit_deal(deal.id, probability=10, expected_close=date(2026, 12, 1))
    assert _figures(compute_stats(gather_stats(history, today=TODAY)))["2026-10"] == OCTOBER
    # A reader that may not write rebuilds from the log and finds the same.
    raw.execute("DELETE FROM forecast_snapshots")
    raw.execute("DELETE FROM settings WHERE key = ?", (SNAPSHOT_MONTHS_KEY,))
    reader = open_store(pipeline_target, user="anna", read_only="asked for --read-only")
    rebuilt: list[int] = []
    real = forecast_history.rebuild_forecasts

    def counted(*args: object, **kwargs: object) -> object:
        rebuilt.append(len(args[2]))  # type: ignore[arg-type]
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(forecast_history, "rebuild_forecasts", counted)
    try:
        figures = _figures(compute_stats(gather_stats(reader, today=TODAY)))
        again = _figures(compute_stats(gather_stats(reader, today=TODAY)))
    finally:
        reader.close()
    assert (figures["2026-09"], figures["2026-10"]) == (SEPTEMBER, OCTOBER)
    assert again == figures
    assert rebuilt == [6]  # once for the six months: the second read remembers them
    assert raw.tuples("SELECT count(*) FROM forecast_snapshots") == [(0,)]
