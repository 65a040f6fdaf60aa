"""A file locked by another writer: a plain-words busy error, nothing written, then success."""

from __future__ import annotations

import sqlite3
import threading
import time
from datetime import date
from pathlib import Path

import pytest

from kanban_pipe.domain.errors import DatabaseBusyError
from kanban_pipe.store import PipelineStore, connection, open_store
from kanban_pipe.store.schema import migrate


@pytest.fixture
def short_waits(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(connection, "BUSY_TIMEOUT_MS", 50)
    monkeypatch.setattr(connection, "BUSY_RETRIES", 1)


def hold_write_lock(path: Path) -> sqlite3.Connection:
    """Another process's writer, mid-transaction."""
    other = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")
    other.execute("INSERT INTO settings (key, value) VALUES ('other', 'writer')")
    return other


def test_busy_database_gives_plain_words_and_writes_nothing(short_waits, db_path, open_as,
                                                            raw):
    store = open_as("anna")
    deal = store.add_deal("Acme")
    other = hold_write_lock(db_path)
    started = time.monotonic()
    with pytest.raises(DatabaseBusyError) as caught:
        store.move_deal(deal.id, "qualified")
    assert time.monotonic() - started < 3
    message = str(caught.value)
    assert message == (
        "pipeline.db is busy: other people are saving right now; nothing was changed,"
        " try again"
    )
    assert "locked" not in message
    assert not store.conn.in_transaction
    other.execute("ROLLBACK")
    other.close()

    assert raw.deal(deal.id)["stage"] == "lead"
    assert raw.count("activities") == 1
    assert store.move_deal(deal.id, "qualified").stage == "qualified"
    assert raw.count("activities") == 2


def test_every_write_verb_reports_busy(short_waits, db_path, open_as, raw):
    store = open_as("anna")
    deal = store.add_deal("Acme")
    other = hold_write_lock(db_path)
    for attempt in (
        lambda: store.add_deal("Beta"),
        lambda: store.log_activity(deal.id, "call", "x"),
        lambda: store.pause_deal(deal.id, date(2027, 1, 1)),
        lambda: store.add_stage("Demo"),
        lambda: store.set_exchange_rate("SEK", "0.1"),
        lambda: store.undo(),
    ):
        with pytest.raises(DatabaseBusyError, match="nothing was changed, try again"):
            attempt()
    other.execute("ROLLBACK")
    other.close()
    assert raw.count("deals") == 1
    assert raw.count("activities") == 1
    assert raw.count("exchange_rates") == 0


def test_a_writer_that_finishes_soon_is_waited_for(db_path, open_as, raw, monkeypatch):
    monkeypatch.setattr(connection, "BUSY_TIMEOUT_MS", 3000)
    store = open_as("anna")
    other = hold_write_lock(db_path)
    releaser = threading.Timer(0.2, lambda: other.execute("COMMIT"))
    releaser.start()
    try:
        deal = store.add_deal("Waited for")
    finally:
        releaser.join()
        other.close()
    assert raw.deal(deal.id)["title"] == "Waited for"
    assert raw.scalar("SELECT value FROM settings WHERE key = 'other'") == "writer"


def test_an_up_to_date_file_opens_and_reads_while_another_writer_holds_the_lock(
        short_waits, db_path, raw):
    first = open_store(str(db_path), user="anna")
    deal = first.add_deal("Acme")
    first.close()
    other = hold_write_lock(db_path)
    try:
        reader = open_store(str(db_path), user="erik")
        assert reader.get_deal(deal.id).title == "Acme"
        assert reader.stages()[0].key == "lead"
        with pytest.raises(DatabaseBusyError):
            reader.log_activity(deal.id, "note", "blocked")
        reader.close()
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert raw.count("activities") == 1


def test_new_file_creation_waits_on_a_lock_then_reports_busy(short_waits, db_path: Path):
    blank = sqlite3.connect(str(db_path), isolation_level=None)
    blank.execute("BEGIN IMMEDIATE")
    blank.execute("CREATE TABLE scratch (x)")  # uncommitted: the file still looks new
    with pytest.raises(DatabaseBusyError, match="nothing was changed"):
        open_store(str(db_path), user="anna")
    blank.execute("ROLLBACK")
    blank.close()
    store: PipelineStore = open_store(str(db_path), user="anna")
    assert len(store.stages()) == 5
    store.close()


def test_opening_a_new_file_another_process_is_creating(db_path: Path, raw):
    # Another process is half-way through creating the file (its migration holds the
    # write lock, rollback journal still). SQLite refuses our switch to WAL at once,
    # without the busy timeout, so the open must retry rather than fail.
    creator = sqlite3.connect(str(db_path), isolation_level=None, check_same_thread=False)
    creator.execute("BEGIN IMMEDIATE")
    migrate(creator)
    finisher = threading.Timer(0.3, lambda: creator.execute("COMMIT"))
    finisher.start()
    try:
        store = open_store(str(db_path), user="anna")
    finally:
        finisher.join()
        creator.close()
    assert store.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert [s.key for s in store.stages()] == [
        "lead", "qualified", "proposal", "commitment", "won"]
    assert store.add_deal("First").id == 1
    store.close()
    assert raw.count("stages") == 5
