"""The activity log is append-only: the database itself refuses UPDATE and DELETE."""

from __future__ import annotations

import sqlite3

import pytest

from kanban_pipe.store import PipelineStore


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE activities SET detail = 'rewritten' WHERE id = 1",
        "UPDATE activities SET actor = 'mallory'",
        "DELETE FROM activities WHERE id = 1",
        "DELETE FROM activities",
    ],
)
def test_rewriting_history_is_refused_by_the_database(store: PipelineStore, raw, statement):
    deal = store.add_deal("Acme")
    store.log_activity(deal.id, "call", "first call")
    before = raw.activities()
    # Another tool's connection (sqlite3, or psql as the owner of the tables) ...
    with pytest.raises(store.engine.errors, match="the activity log is append-only"):
        raw.execute(statement)
    # ... and the store's own connection.
    with pytest.raises(store.engine.errors, match="append-only"):
        store.conn.execute(statement)
    assert raw.activities() == before
    assert [a["detail"] for a in before] == ["created in Lead", "first call"]


def test_truncating_the_log_is_refused_too(store: PipelineStore, raw):
    store.add_deal("Acme")
    statement = ("TRUNCATE activities CASCADE" if raw.server
                 else "DELETE FROM activities")  # SQLite's TRUNCATE is DELETE without WHERE
    with pytest.raises(store.engine.errors, match="append-only"):
        raw.execute(statement)
    assert raw.count("activities") == 1


def test_appending_is_still_allowed(store: PipelineStore, raw):
    deal = store.add_deal("Acme")
    store.log_activity(deal.id, "note", "more history")
    assert raw.count("activities") == 2


@pytest.mark.file_only("sqlite-utils works on files")
def test_sqlite_utils_cannot_rewrite_history_either(store: PipelineStore, raw):
    deal = store.add_deal("Acme")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        store.db["activities"].update(1, {"detail": "rewritten"})
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        store.db["activities"].delete(1)
    assert raw.activities(deal.id)[0]["detail"] == "created in Lead"
