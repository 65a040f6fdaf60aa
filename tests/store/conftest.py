"""Store fixtures: a fresh pipeline file per test, a fixed clock, raw-row helpers.

Test modules reach the helpers through fixtures (not `from conftest import`), so this
file never clashes with another directory's conftest module.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from kanban_pipe.store import PipelineStore, open_store
from tests.engines import RawRows, file_only

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


class RawFile(RawRows):
    """The pipeline as another tool (sqlite3 shell, Datasette, psql) would read it."""

    def __init__(self, target: str | Path) -> None:
        super().__init__(str(target))
        self.path = Path(target) if not self.server else None

    def connect(self) -> sqlite3.Connection:
        """A plain autocommit sqlite3 connection with dict-like rows (files only)."""
        if self.server:
            pytest.skip("file engine only: the test reads the file with sqlite3 itself")
        conn = sqlite3.connect(str(self.path), isolation_level=None)
        conn.row_factory = sqlite3.Row
        return conn


@pytest.fixture(autouse=True)
def utc_local_time() -> Iterator[None]:
    """Run in UTC so "today" by the fixed clock is 2026-11-25 on every machine."""
    with pytest.MonkeyPatch.context() as patch:  # its own, so tests may undo theirs
        patch.setenv("TZ", "UTC")
        time.tzset()
        yield
    time.tzset()


@pytest.fixture
def db_path(engine_name: str, pipeline_target: str) -> Path:
    """Where this test's pipeline file lives (not created yet); a test that asks for it
    is about the file, and runs on the file engine only."""
    file_only(engine_name)
    return Path(pipeline_target)


@pytest.fixture
def raw(pipeline_target: str) -> RawFile:
    """Raw access to the test's pipeline, bypassing the store."""
    return RawFile(pipeline_target)


@pytest.fixture
def clock() -> MutableClock:
    """The test's clock: 2026-11-25 10:00 UTC until the test advances it."""
    return MutableClock()


@pytest.fixture
def open_as(pipeline_target: str, clock: MutableClock
            ) -> Iterator[Callable[..., PipelineStore]]:
    """Open the test's pipeline as a given user on the test's clock; closed at the end."""
    opened: list[PipelineStore] = []

    def opener(user: str, clock: Callable[[], datetime] = clock) -> PipelineStore:
        store = open_store(pipeline_target, user=user, clock=clock)
        opened.append(store)
        return store

    yield opener
    for store in opened:
        try:
            store.close()
            store.engine.close()
        except Exception:  # a test may have closed or broken it on purpose
            pass


@pytest.fixture
def store(open_as: Callable[..., PipelineStore]) -> PipelineStore:
    """The test's pipeline, opened by anna."""
    return open_as("anna")
