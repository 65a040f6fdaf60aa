"""The statistics read in two threads on two connections: same figures, same snapshot."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest

from kanban_pipe.store import PipelineStore, open_store
from kanban_pipe.store.sqlite_engine import SqliteEngine
from kanban_pipe.store.stats import gather_stats
from tests.store import test_store_stats as worked
from tests.store.test_store_stats import TODAY, History

# The worked example of test_store_stats: its fixture shared, not written again.
history = worked.history


def _alone(store: PipelineStore) -> None:
    """Make `store` read its statistics on its own connection only."""
    store.companion = lambda: None  # type: ignore[method-assign]


def test_the_history_is_read_beside_on_the_companion(history: History,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    store = history.store
    companion = store.companion()
    assert companion is not None and companion is store.companion()  # opened once, kept
    threads: set[str] = set()
    real_rows = type(companion).rows

    def rows(self: PipelineStore, *args: object, **kwargs: object) -> object:
        if self is companion:
            threads.add(threading.current_thread().name)
        return real_rows(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(type(companion), "rows", rows)
    beside = gather_stats(store, today=TODAY)
    assert threads and all(name.startswith("stats-history") for name in threads)
    monkeypatch.undo()
    _alone(store)
    assert gather_stats(store, today=TODAY) == beside  # every figure, in order


def test_a_commit_between_the_two_reads_starts_makes_the_store_read_alone(
        history: History, monkeypatch: pytest.MonkeyPatch) -> None:
    """Another terminal saving just as the reads begin: the two connections might see
    different pipelines, so the companion is not used and the figures stay whole."""
    store, other = history.store, sqlite3.connect(history.store.path)
    real = SqliteEngine.data_version
    calls = []

    def data_version(self: SqliteEngine, conn: object) -> int:
        calls.append(conn)
        version = real(self, conn)  # type: ignore[arg-type]
        if len(calls) == 1:  # after the first look, before the reads start: a save
            other.execute("UPDATE deals SET title = 'Renamed' WHERE id = ?",
                          (history.ids["Alpha"],))
            other.commit()
        return version

    companion = store.companion()
    assert companion is not None
    used: list[bool] = []
    real_rows = type(companion).rows

    def rows(self: PipelineStore, *args: object, **kwargs: object) -> object:
        used.append(self is companion)
        return real_rows(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(SqliteEngine, "data_version", data_version)
    monkeypatch.setattr(type(companion), "rows", rows)
    alone = gather_stats(store, today=TODAY)
    assert len(calls) == 2 and not any(used)
    monkeypatch.undo()
    _alone(store)
    assert gather_stats(store, today=TODAY) == alone
    other.close()


def test_both_connections_read_one_snapshot(history: History) -> None:
    """A save after the twin snapshot began is seen by neither connection."""
    store = history.store
    companion = store.companion()
    assert companion is not None
    other = sqlite3.connect(store.path)
    deal = history.ids["Alpha"]
    query = "SELECT title FROM deals WHERE id = ?"
    with store.engine.twin_snapshot(store.conn, companion.conn) as joined:
        assert joined
        other.execute("UPDATE deals SET title = 'Renamed' WHERE id = ?", (deal,))
        other.commit()
        assert store.conn.execute(query, (deal,)).fetchone() == ("Alpha",)
        assert companion.conn.execute(query, (deal,)).fetchone() == ("Alpha",)
    assert store.conn.execute(query, (deal,)).fetchone() == ("Renamed",)
    other.close()


def test_the_companion_follows_the_pipeline_in_view_and_closes_with_the_store(
        tmp_path: Path) -> None:
    store = open_store(str(tmp_path / "p.db"), user="anna")
    store.add_pipeline("Renewals")
    store.use_pipeline("renewals")
    companion = store.companion()
    assert companion is not None and companion.pipeline == "renewals"
    store.use_pipeline("sales")
    assert store.companion() is companion and companion.pipeline == "sales"
    store.close()
    with pytest.raises(sqlite3.ProgrammingError):
        companion.conn.execute("SELECT 1")
