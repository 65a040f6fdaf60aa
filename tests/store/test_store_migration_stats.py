"""Schema v8: the statistics' won and lost deals, lost deals' days, status changes' deals
and deleted deals are each read from an index alone.

deals_grouped holds a closed deal's groups in their order (no sort) and a lost deal's two
stamps; deals_by_id a deal's figures by id for the status changes; deals_deleted the few
deleted deals, found without a scan.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from kanban_pipe.domain.models import DealStatus
from kanban_pipe.domain.stats import StatsScope, trend_days
from kanban_pipe.store import PipelineStore, schema
from kanban_pipe.store.postgres import schema as server_schema
from kanban_pipe.store.stats import gather_stats
from tests.store.conftest import MutableClock

TODAY = date(2026, 11, 25)
INDEXES = ("deals_grouped", "deals_by_id", "deals_deleted")


def _index_names(store: PipelineStore) -> set[str]:
    if store.engine.dialect.history_columns:  # the server
        sql = "SELECT indexname FROM pg_indexes WHERE schemaname = current_schema()"
    else:
        sql = "SELECT name FROM sqlite_schema WHERE type = 'index'"
    return {name for (name,) in store.rows(sql)}


def _pipeline(store: PipelineStore, clock: MutableClock) -> None:
    """Won (anna, web), two lost (ben: one in Lead 20 days, one in Qualified 10 days after
    10 in Lead), one open, one moved and then deleted."""
    clock.now = datetime(2026, 11, 1, 10, tzinfo=UTC)
    won = store.add_deal("Won", value=1_000_00, source="web").id
    lost = store.add_deal("Lost", value=2_000_00, owner="ben").id
    later = store.add_deal("Lost later", value=500_00, owner="ben").id
    store.add_deal("Open", value=3_000_00)
    gone = store.add_deal("Gone", value=100_00).id
    clock.now = datetime(2026, 11, 11, 10, tzinfo=UTC)
    store.move_deal(later, "qualified")
    store.move_deal(gone, "qualified")
    clock.now = datetime(2026, 11, 21, 10, tzinfo=UTC)
    store.mark_won(won)
    store.mark_lost(lost, "price")
    store.mark_lost(later, "timing")
    store.delete_deal(gone)


def test_both_engines_have_the_indexes_at_the_same_version(store: PipelineStore) -> None:
    assert set(INDEXES) <= _index_names(store)
    assert schema.MIGRATIONS.index(schema._v8) == server_schema.MIGRATIONS.index(
        server_schema._v8)
    assert schema._V8.split() == server_schema._V8.split()


def test_closed_groups_lost_days_and_shifts_by_hand(
        open_as: Callable[..., PipelineStore], clock: MutableClock) -> None:
    store = open_as("anna")
    _pipeline(store, clock)
    inputs = gather_stats(store, today=TODAY)
    closed = sorted((g.status, g.currency, g.source, g.owner, g.deals, g.value, g.close_month,
                     g.point, g.category) for g in inputs.groups
                    if g.status in (DealStatus.WON, DealStatus.LOST))
    home = store.home_currency()
    assert closed == [
        (DealStatus.LOST, home, "", "ben", 2, 2_500_00, None, 0, None),
        (DealStatus.WON, home, "web", "anna", 1, 1_000_00, None, 0, None),
    ]
    # Visits: the won deal's 20 days in Lead (winning is a move), the later-lost one's 10;
    # the lost deals' last stages; the deleted deal's move out of Lead is none.
    assert sorted((d.stage, d.days, d.visits) for d in inputs.stage_days) == [
        ("lead", 10, 1), ("lead", 20, 1), ("lead", 20, 1), ("qualified", 10, 1)]
    days = trend_days(TODAY)
    # Made in the week ending 4 Nov, closed in the one ending today: 3,500 left the open
    # pipeline (the deleted deal is in no figure).
    assert [(s.currency, s.created_point, s.changed_point, s.value) for s in inputs.shifts] == [
        (home, days.index(date(2026, 11, 4)), days.index(TODAY), 3_500_00)]
    ben = gather_stats(store, today=TODAY, scope=StatsScope(owner="ben"))
    assert [(g.status, g.deals, g.value) for g in ben.groups
            if g.status in (DealStatus.WON, DealStatus.LOST)] == [(DealStatus.LOST, 2, 2_500_00)]
    assert sorted((d.stage, d.days) for d in ben.stage_days) == [
        ("lead", 10), ("lead", 20), ("qualified", 10)]


@pytest.mark.file_only("reads SQLite's query plans")
def test_the_reads_come_from_the_indexes_alone(
        open_as: Callable[..., PipelineStore], clock: MutableClock,
        monkeypatch: pytest.MonkeyPatch) -> None:
    store = open_as("anna")
    _pipeline(store, clock)
    captured: list[tuple[str, Any]] = []
    original = store.rows

    def spy(sql: str, params: Any = ()) -> list[tuple[Any, ...]]:
        captured.append((sql, params))
        return original(sql, params)

    monkeypatch.setattr(store, "rows", spy)
    # Every query on this store's connection, where the spy sees it (the history's are
    # otherwise read on the companion; test_store_stats_beside holds the two equal).
    monkeypatch.setattr(store, "companion", lambda: None)
    gather_stats(store, today=TODAY)
    gather_stats(store, today=TODAY, scope=StatsScope(owner="ben", source=""))
    monkeypatch.undo()

    def plans(index: str) -> list[str]:
        return [" ".join(str(row[-1]) for row in store.rows(f"EXPLAIN QUERY PLAN {sql}", params))
                for sql, params in captured if f"INDEXED BY {index}" in sql]

    grouped = plans("deals_grouped")
    assert len(grouped) == 4  # the closed groups, the lost days; twice
    assert all("COVERING INDEX deals_grouped" in plan for plan in grouped), grouped
    # The closed groups in the index's order: no sort.
    assert sum("TEMP B-TREE" not in plan for plan in grouped) == 2, grouped
    by_id = plans("deals_by_id")
    assert len(by_id) == 2 and all("COVERING INDEX deals_by_id" in p for p in by_id), by_id
    deleted = plans("deals_deleted")
    assert len(deleted) == 2 and all("INDEX deals_deleted" in p for p in deleted), deleted


@pytest.mark.file_only("rewinds the file's own schema version")
def test_a_file_from_before_gets_the_indexes(db_path: Path,
                                             open_as: Callable[..., PipelineStore],
                                             raw: Any) -> None:
    open_as("anna").close()
    conn = raw.connect()
    try:
        for name in INDEXES:
            conn.execute(f"DROP INDEX {name}")
        conn.execute(f"PRAGMA user_version = {schema.MIGRATIONS.index(schema._v8)}")
        conn.commit()
    finally:
        conn.close()
    store = open_as("anna")
    assert set(INDEXES) <= _index_names(store)
    assert raw.scalar("PRAGMA user_version") == schema.SCHEMA_VERSION
