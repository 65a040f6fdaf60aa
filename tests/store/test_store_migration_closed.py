"""Schema v6: the won and lost deals of a period are read from the deals_closed_by index.

The statistics group the deals closed in a period by currency, owner, stage and reason
(lost) or days to close (won); the index holds every one of those columns, so SQLite
answers from it alone instead of looking up each closed deal's row.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from kanban_pipe.domain.models import DealStatus
from kanban_pipe.store import PipelineStore, schema
from kanban_pipe.store.postgres import schema as server_schema
from kanban_pipe.store.stats import gather_stats
from tests.store.conftest import MutableClock

TODAY = date(2026, 11, 25)


def _index_names(store: PipelineStore) -> set[str]:
    if store.engine.dialect.history_columns:  # the server
        sql = "SELECT indexname FROM pg_indexes WHERE schemaname = current_schema()"
    else:
        sql = "SELECT name FROM sqlite_schema WHERE type = 'index'"
    return {name for (name,) in store.rows(sql)}


def test_both_engines_have_the_index_at_the_same_version(store: PipelineStore) -> None:
    assert "deals_closed_by" in _index_names(store)
    assert schema.MIGRATIONS.index(schema._v6) == server_schema.MIGRATIONS.index(
        server_schema._v6)
    assert schema._V6.split() == server_schema._V6.split()


@pytest.mark.file_only("reads SQLite's query plans")
def test_the_period_of_closed_deals_is_read_from_the_index_alone(
        open_as: Callable[..., PipelineStore], clock: MutableClock,
        monkeypatch: pytest.MonkeyPatch) -> None:
    store = open_as("anna")
    clock.now = datetime(2026, 11, 1, 10, tzinfo=UTC)
    won = store.add_deal("Won", value=1_000_00, source="web").id
    lost = store.add_deal("Lost", value=2_000_00, owner="ben").id
    store.add_deal("Open", value=3_000_00)
    clock.now = datetime(2026, 11, 21, 10, tzinfo=UTC)
    store.mark_won(won)
    store.mark_lost(lost, "price")
    captured: list[tuple[str, Any]] = []
    original = store.rows

    def spy(sql: str, params: Any = ()) -> list[tuple[Any, ...]]:
        captured.append((sql, params))
        return original(sql, params)

    monkeypatch.setattr(store, "rows", spy)
    # Every query on this store's connection, where the spy sees it (not the companion's).
    monkeypatch.setattr(store, "companion", lambda: None)
    closed = gather_stats(store, today=TODAY).closed
    monkeypatch.undo()
    reads = [(sql, params) for sql, params in captured if "deals_closed_by" in sql]
    assert len(reads) == 2  # the lost deals, then the won ones
    for sql, params in reads:
        plan = " ".join(str(row[-1]) for row in store.rows(f"EXPLAIN QUERY PLAN {sql}", params))
        assert "SEARCH deals USING COVERING INDEX deals_closed_by" in plan, plan
    # Won in 20 days; lost in Lead for 'price', ben's.
    assert sorted((c.status, c.deals, c.value, c.cycle_days, c.owner, c.stage, c.reason)
                  for c in closed) == [
        (DealStatus.LOST, 1, 2_000_00, None, "ben", "lead", "price"),
        (DealStatus.WON, 1, 1_000_00, 20, "anna", None, ""),
    ]


def _undo_v7(conn: Any) -> None:
    """Take a file back to version 6 (pipelines: store.schema's _V7)."""
    for statement in ("DROP INDEX deals_pipeline", "DROP INDEX stages_pipeline",
                      "ALTER TABLE deals DROP COLUMN pipeline",
                      "ALTER TABLE stages DROP COLUMN pipeline", "DROP TABLE pipelines",
                      "DROP TABLE forecast_snapshots"):
        conn.execute(statement)
    v5 = schema._V5
    start = v5.index("CREATE TABLE forecast_snapshots")
    conn.execute(v5[start:v5.index(") STRICT;", start) + len(") STRICT")])


@pytest.mark.file_only("rewinds the file's own schema version")
def test_a_file_from_before_gets_the_index(db_path: Path, open_as: Callable[..., PipelineStore],
                                           raw: Any) -> None:
    open_as("anna").close()
    conn = raw.connect()
    try:
        conn.execute("DROP INDEX deals_closed_by")
        _undo_v7(conn)  # rewound to before v6, v7 runs again too
        conn.execute(f"PRAGMA user_version = {schema.MIGRATIONS.index(schema._v6)}")
        conn.commit()
    finally:
        conn.close()
    store = open_as("anna")
    assert "deals_closed_by" in _index_names(store)
    assert raw.scalar("PRAGMA user_version") == schema.SCHEMA_VERSION
