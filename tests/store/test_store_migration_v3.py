"""Schema 3: a version-2 file upgraded, every deal kept; unknown stages and no-value allowed."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from kanban_pipe.store import open_store, schema
from kanban_pipe.store.schema import APPLICATION_ID, SCHEMA_VERSION

STAMP = "2026-11-01T10:00:00+00:00"


def make_v2_file(path: Path) -> None:
    """A pipeline file as schema 2 left it: an open, a lost and a deleted deal with history."""
    conn = sqlite3.connect(str(path), isolation_level=None)
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("BEGIN")
    schema.MIGRATIONS[0](conn)
    schema.MIGRATIONS[1](conn)
    deals = [
        (1, "Open deal", 120_000, "EUR", "proposal", "open", "", None, None, None),
        (2, "Lost deal", 5_000, "USD", "qualified", "lost", "price", STAMP, None,
         "pipedrive:7"),
        (3, "Deleted deal", 0, "EUR", "lead", "open", "", None, STAMP, None),
    ]
    conn.executemany(
        "INSERT INTO deals (id, title, value, currency, stage, status, lost_reason, closed_at,"
        " deleted_at, source_ref, owner, next_action, next_owner, next_due, decision_maker,"
        " position, version, created_at, updated_at, stage_entered_at, last_activity_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'anna', 'Call', 'ben', '2026-11-30', 1, 2, 3,"
        " ?, ?, ?, ?)", [(*deal, STAMP, STAMP, STAMP, STAMP) for deal in deals])
    conn.executemany("INSERT INTO activities (deal_id, at, actor, kind, detail) VALUES"
                     " (?, ?, 'anna', 'created', 'created')", [(i, STAMP) for i in (1, 2, 3)])
    conn.execute("PRAGMA user_version = 2")
    conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    conn.execute("COMMIT")
    conn.close()


def snapshot(path: Path) -> dict[str, object]:
    conn = sqlite3.connect(str(path))
    try:
        return {
            "deals": conn.execute("SELECT * FROM deals ORDER BY id").fetchall(),
            "activities": conn.execute("SELECT * FROM activities ORDER BY id").fetchall(),
            "indexes": sorted(conn.execute(
                "SELECT name, tbl_name, sql FROM sqlite_schema WHERE type = 'index'"
                " AND sql IS NOT NULL").fetchall()),
            "triggers": sorted(conn.execute(
                "SELECT name, sql FROM sqlite_schema WHERE type = 'trigger'").fetchall()),
        }
    finally:
        conn.close()


def test_a_v2_file_is_upgraded_with_every_deal_index_and_trigger_kept(db_path: Path, raw):
    make_v2_file(db_path)
    before = snapshot(db_path)
    assert len(before["deals"]) == 3 and len(before["indexes"]) >= 8  # type: ignore[arg-type]
    open_store(str(db_path), user="anna").close()
    assert raw.scalar("PRAGMA user_version") == SCHEMA_VERSION >= 3
    after = snapshot(db_path)
    # Later versions only add indexes (v4: activities_touches, activities_edits), deal
    # columns at the end (v5: forecast_category, probability, both NULL here) and
    # probability at the end of the board's covering indexes (v5); v6: deals_closed_by;
    # v7: each deal's pipeline ('sales', the one a file from before becomes) and two
    # indexes; v8: deals_grouped, deals_by_id, deals_deleted.
    after["indexes"] = [(name, table, sql.replace(", probability)", ")"))
                        for name, table, sql in after["indexes"]  # type: ignore[attr-defined]
                        if name not in ("activities_touches", "activities_edits",
                                        "deals_closed_by", "deals_pipeline",
                                        "stages_pipeline", "deals_grouped", "deals_by_id",
                                        "deals_deleted")]
    old_width = len(before["deals"][0])  # type: ignore[index]
    assert {row[old_width:] for row in after["deals"]} == {(None, None, "sales")}  # type: ignore[attr-defined]
    after["deals"] = [row[:old_width] for row in after["deals"]]  # type: ignore[attr-defined]
    assert after == before
    assert raw.rows("PRAGMA foreign_key_check") == []
    assert raw.scalar("PRAGMA integrity_check") == "ok"
    listed = {row["name"]: row for row in raw.rows("PRAGMA table_list")}
    assert listed["deals"]["strict"] == 1
    assert not raw.rows("SELECT name FROM sqlite_schema WHERE name LIKE 'deals_v%'")
    columns = {row["name"]: row for row in raw.rows("PRAGMA table_info(deals)")}
    assert (columns["stage"]["notnull"], columns["value"]["notnull"]) == (0, 0)
    assert columns["value"]["dflt_value"] == "0"


def test_the_upgraded_file_takes_unknown_stages_only_for_lost_deals(db_path: Path, raw):
    make_v2_file(db_path)
    store = open_store(str(db_path), user="anna")
    store.close()
    conn = raw.connect()
    conn.execute("PRAGMA foreign_keys = ON")
    try:
        conn.execute("UPDATE deals SET stage = NULL WHERE id = 2")  # lost: allowed
        with pytest.raises(sqlite3.IntegrityError, match="deals_stage_known"):
            conn.execute("UPDATE deals SET stage = NULL WHERE id = 1")  # open: refused
        with pytest.raises(sqlite3.IntegrityError, match="FOREIGN KEY"):
            conn.execute("UPDATE deals SET stage = 'nowhere' WHERE id = 1")
        conn.execute("UPDATE deals SET value = NULL WHERE id = 1")  # no value, apart from 0
        with pytest.raises(sqlite3.IntegrityError, match="CHECK"):
            conn.execute("UPDATE deals SET value = -1 WHERE id = 1")
        # Stage keys still cascade to the deals, and the log is still append-only.
        conn.execute("UPDATE stages SET key = 'offer' WHERE key = 'proposal'")
        assert conn.execute("SELECT stage FROM deals WHERE id = 1").fetchone()["stage"] == "offer"
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            conn.execute("DELETE FROM activities WHERE deal_id = 1")
        with pytest.raises(sqlite3.IntegrityError, match="FOREIGN KEY"):
            conn.execute("INSERT INTO activities (deal_id, at, actor, kind) VALUES"
                         " (99, ?, 'anna', 'note')", (STAMP,))
    finally:
        conn.close()
    reopened = open_store(str(db_path), user="anna")
    try:
        lost = reopened.list_deals(statuses=None)
        assert [(d.id, d.stage) for d in lost] == [(1, "offer"), (2, None)]
    finally:
        reopened.close()
    assert raw.scalar("PRAGMA user_version") == SCHEMA_VERSION
