"""Store fixtures: a fresh pipeline file per test, a fixed clock, raw-row helpers.

Test modules reach the helpers through fixtures (not `from conftest import`), so this
file never clashes with another directory's conftest module.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from kanban_pipe.store import PipelineStore, open_store

# Wednesday 2026-11-25, 10:00 UTC: every store in these tests reads this clock.
FIXED = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)


class MutableClock:
    """A clock that stands still at FIXED until a test moves it on."""

    def __init__(self, now: datetime = FIXED) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        """Move the clock forward (timedelta keywords) and return the new time."""
        self.now += timedelta(**delta)
        return self.now


class RawFile:
    """The pipeline file as another tool (sqlite3 shell, Datasette) would read it."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def connect(self) -> sqlite3.Connection:
        """A plain autocommit sqlite3 connection with dict-like rows."""
        conn = sqlite3.connect(str(self.path), isolation_level=None)
        conn.row_factory = sqlite3.Row
        return conn

    def rows(self, sql: str, params: tuple[Any, ...] = ()) -> list[dict[str, Any]]:
        """Rows of a query as dicts."""
        conn = self.connect()
        try:
            return [dict(row) for row in conn.execute(sql, params).fetchall()]
        finally:
            conn.close()

    def scalar(self, sql: str, params: tuple[Any, ...] = ()) -> Any:
        """The first column of the first row."""
        conn = self.connect()
        try:
            return conn.execute(sql, params).fetchone()[0]
        finally:
            conn.close()

    def deal(self, deal_id: int) -> dict[str, Any]:
        """The deal's row exactly as stored (deleted ones too)."""
        found = self.rows("SELECT * FROM deals WHERE id = ?", (deal_id,))
        assert found, f"no row for deal {deal_id}"
        return found[0]

    def activities(self, deal_id: int | None = None) -> list[dict[str, Any]]:
        """Activity rows as stored, oldest first, with `changes` decoded from JSON."""
        if deal_id is None:
            found = self.rows("SELECT * FROM activities ORDER BY id")
        else:
            found = self.rows("SELECT * FROM activities WHERE deal_id = ? ORDER BY id",
                              (deal_id,))
        for row in found:
            row["changes"] = json.loads(row["changes"]) if row["changes"] else None
        return found

    def count(self, table: str) -> int:
        """Rows in a table."""
        return int(self.scalar(f"SELECT count(*) FROM {table}"))


@pytest.fixture(autouse=True)
def utc_local_time() -> Iterator[None]:
    """Run in UTC so "today" by the fixed clock is 2026-11-25 on every machine."""
    with pytest.MonkeyPatch.context() as patch:  # its own, so tests may undo theirs
        patch.setenv("TZ", "UTC")
        time.tzset()
        yield
    time.tzset()


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    """Where this test's pipeline file lives (not created yet)."""
    return tmp_path / "pipeline.db"


@pytest.fixture
def raw(db_path: Path) -> RawFile:
    """Raw access to the test's file, bypassing the store."""
    return RawFile(db_path)


@pytest.fixture
def clock() -> MutableClock:
    """The test's clock: 2026-11-25 10:00 UTC until the test advances it."""
    return MutableClock()


@pytest.fixture
def open_as(db_path: Path, clock: MutableClock) -> Iterator[Callable[..., PipelineStore]]:
    """Open the test's file as a given user on the test's clock; closed at the end."""
    opened: list[PipelineStore] = []

    def opener(user: str, clock: Callable[[], datetime] = clock) -> PipelineStore:
        store = open_store(str(db_path), user=user, clock=clock)
        opened.append(store)
        return store

    yield opener
    for store in opened:
        try:
            store.close()
        except sqlite3.Error:
            pass


@pytest.fixture
def store(open_as: Callable[..., PipelineStore]) -> PipelineStore:
    """The test's pipeline, opened by anna."""
    return open_as("anna")
