"""Creating and upgrading pipeline files: schema version, defaults, STRICT tables, indexes."""

from __future__ import annotations

import sqlite3
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from kanban_pipe.store import BoardFilter, CardOrder, PipelineStore, connection, open_store, schema
from kanban_pipe.store.schema import APPLICATION_ID, SCHEMA_VERSION

TODAY = date(2026, 11, 25)

DEFAULT_STAGE_ROWS = [
    # key, name, position, probability, stale_after_days, milestone, qualifies,
    # requires_qualification, is_won
    ("lead", "Lead", 1, 10, 14, "Decision maker involved", "decision_maker", 0, 0),
    ("qualified", "Qualified", 2, 25, 14, "Need and goals confirmed", "need", 0, 0),
    ("proposal", "Proposal", 3, 50, 10, "Customer confirmed timeline", "timeline", 1, 0),
    ("commitment", "Commitment", 4, 80, 7, "Contract signed", None, 1, 0),
    ("won", "Won", 5, 100, 0, "", None, 0, 1),
]
TABLES = ("stages", "deals", "activities", "settings", "exchange_rates")


def pragma(path: Path, name: str) -> Any:
    conn = sqlite3.connect(str(path))
    try:
        return conn.execute(f"PRAGMA {name}").fetchone()[0]
    finally:
        conn.close()


def test_new_file_gets_version_application_id_and_wal(store: PipelineStore, db_path: Path):
    assert db_path.exists()
    assert SCHEMA_VERSION >= 1
    assert pragma(db_path, "user_version") == SCHEMA_VERSION
    assert pragma(db_path, "application_id") == APPLICATION_ID == 0x4B504950
    assert pragma(db_path, "journal_mode") == "wal"
    conn = store.db.conn
    assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert conn.execute("PRAGMA busy_timeout").fetchone()[0] == connection.BUSY_TIMEOUT_MS


def test_new_file_has_the_five_default_stages(store: PipelineStore, raw):
    rows = raw.rows(
        "SELECT key, name, position, probability, stale_after_days, milestone, qualifies,"
        " requires_qualification, is_won FROM stages ORDER BY position"
    )
    assert [tuple(row.values()) for row in rows] == DEFAULT_STAGE_ROWS
    stages = store.stages()
    assert [s.key for s in stages] == ["lead", "qualified", "proposal", "commitment", "won"]
    assert [s.is_won for s in stages] == [False, False, False, False, True]
    assert raw.rows("SELECT key, value FROM settings") == [
        {"key": "home_currency", "value": "EUR"}
    ]


@pytest.mark.file_only("SQLite's STRICT tables and PRAGMA table_info")
def test_tables_are_strict_and_named_as_documented(store: PipelineStore, raw):
    listed = {row["name"]: row for row in raw.rows("PRAGMA table_list") if row["schema"] == "main"}
    for table in TABLES:
        assert listed[table]["strict"] == 1, f"{table} is not STRICT"
    deal_columns = {row["name"]: row["type"] for row in raw.rows("PRAGMA table_info(deals)")}
    for column, kind in {
        "title": "TEXT", "organization": "TEXT", "contact": "TEXT", "value": "INTEGER",
        "currency": "TEXT", "stage": "TEXT", "status": "TEXT", "owner": "TEXT",
        "source": "TEXT", "expected_close": "TEXT", "next_action": "TEXT",
        "next_owner": "TEXT", "next_due": "TEXT", "paused_until": "TEXT",
        "lost_reason": "TEXT", "decision_maker": "INTEGER", "need_confirmed": "INTEGER",
        "timeline_confirmed": "INTEGER", "position": "INTEGER", "version": "INTEGER",
        "created_at": "TEXT", "updated_at": "TEXT", "stage_entered_at": "TEXT",
        "last_activity_at": "TEXT",
    }.items():
        assert deal_columns.get(column) == kind, column
    # STRICT means a wrong type is refused by the database itself.
    conn = raw.connect()
    with pytest.raises(sqlite3.IntegrityError, match="cannot store TEXT value in INTEGER"):
        conn.execute(
            "INSERT INTO deals (title, value, currency, stage, owner, created_at, updated_at,"
            " stage_entered_at, last_activity_at) VALUES ('x', 'lots', 'EUR', 'lead', 'a',"
            " 'x', 'x', 'x', 'x')"
        )
    with pytest.raises(sqlite3.IntegrityError, match="CHECK constraint failed"):
        conn.execute(
            "INSERT INTO deals (title, currency, stage, status, owner, created_at, updated_at,"
            " stage_entered_at, last_activity_at) VALUES ('x', 'EUR', 'lead', 'maybe', 'a',"
            " 'x', 'x', 'x', 'x')"
        )
    conn.close()


def index_columns(raw, table: str) -> dict[str, list[str]]:
    indexes = {}
    for index in raw.rows(f"PRAGMA index_list({table})"):
        info = raw.rows(f"PRAGMA index_info({index['name']})")
        indexes[index["name"]] = [row["name"] for row in sorted(info, key=lambda r: r["seqno"])]
    return indexes


@pytest.mark.file_only("reads SQLite's index list")
def test_board_indexes_exist(store: PipelineStore, raw):
    indexes = list(index_columns(raw, "deals").values())
    assert ["stage", "position"] in indexes
    assert any(columns[0] == "owner" for columns in indexes)
    assert any(columns[0] == "status" for columns in indexes)
    activity_indexes = list(index_columns(raw, "activities").values())
    assert any(columns[0] == "deal_id" for columns in activity_indexes)


@pytest.mark.parametrize("order", list(CardOrder))
@pytest.mark.parametrize(
    "board_filter", [BoardFilter(), BoardFilter(text="acme"), BoardFilter(owner="anna")]
)
@pytest.mark.file_only("reads SQLite's query plans")
def test_board_query_plan_uses_an_index(store: PipelineStore, raw, monkeypatch,
                                        order: CardOrder, board_filter: BoardFilter):
    for number in range(12):
        store.add_deal(f"Deal {number}", stage="lead" if number % 2 else "proposal")
    captured: list[tuple[str, list[Any]]] = []
    original = store.rows

    def spy(sql: str, params=()):
        captured.append((sql, list(params)))
        return original(sql, params)

    monkeypatch.setattr(store, "rows", spy)
    ids = store.column_deal_ids("lead", order=order, board_filter=board_filter, today=TODAY)
    assert len(captured) == 1
    sql, params = captured[0]
    plan = " | ".join(
        row["detail"] for row in raw.rows("EXPLAIN QUERY PLAN " + sql, tuple(params))
    )
    assert "USING INDEX" in plan, plan
    assert "SCAN deals" not in plan, plan
    expected = 0 if board_filter.text else 6
    assert len(ids) == expected


def test_reopening_is_a_no_op(db_path: Path, open_as, raw):
    first = open_as("anna")
    deal = first.add_deal("Acme renewal", value=120_000)
    first.set_exchange_rate("SEK", "0.087")
    first.close()
    # The first reopen checks the file page by page and notes when (store.integrity);
    # from then on, for a day, opening writes nothing.
    open_as("anna").close()
    assert raw.scalar("SELECT count(*) FROM settings WHERE key = 'integrity_checked_at'") == 1
    schema_before = raw.rows("SELECT type, name, sql FROM sqlite_schema ORDER BY name")
    stages_before = raw.rows("SELECT * FROM stages ORDER BY position")
    settings_before = raw.rows("SELECT * FROM settings")
    bytes_before = db_path.read_bytes()

    again = open_as("erik")
    assert again.get_deal(deal.id).title == "Acme renewal"
    again.close()
    third = open_as("anna")
    third.close()

    assert raw.rows("SELECT type, name, sql FROM sqlite_schema ORDER BY name") == schema_before
    assert raw.rows("SELECT * FROM stages ORDER BY position") == stages_before
    assert raw.rows("SELECT * FROM settings") == settings_before
    assert raw.count("activities") == 1
    assert pragma(db_path, "user_version") == SCHEMA_VERSION
    # Opening an up-to-date file writes nothing at all.
    assert db_path.read_bytes() == bytes_before


def make_blank_sqlite_file(path: Path) -> None:
    """An SQLite file with a header but no tables, user_version 0 and application_id 0."""
    conn = sqlite3.connect(str(path))
    conn.execute("CREATE TABLE scratch (x)")
    conn.execute("DROP TABLE scratch")
    conn.commit()
    conn.close()
    assert path.stat().st_size > 0
    assert pragma(path, "user_version") == 0
    assert pragma(path, "application_id") == 0


def test_old_version_zero_file_is_upgraded(db_path: Path, open_as, raw):
    make_blank_sqlite_file(db_path)
    store = open_as("anna")
    assert pragma(db_path, "user_version") == SCHEMA_VERSION
    assert pragma(db_path, "application_id") == APPLICATION_ID
    assert raw.count("stages") == 5
    assert store.add_deal("First").stage == "lead"


def test_empty_file_is_treated_as_new(db_path: Path, open_as, raw):
    db_path.write_bytes(b"")
    open_as("anna")
    assert pragma(db_path, "user_version") == SCHEMA_VERSION
    assert raw.count("stages") == 5


def add_next(monkeypatch: pytest.MonkeyPatch, calls: list[str], *, fail: bool = False) -> int:
    """Pretend the program knows one more schema version than the files on disk; return it."""

    def v1(conn: sqlite3.Connection) -> None:
        calls.append("v1")
        original_v1(conn)

    def step_next(conn: sqlite3.Connection) -> None:
        calls.append("next")
        conn.execute("ALTER TABLE deals ADD COLUMN region TEXT NOT NULL DEFAULT ''")
        conn.execute("INSERT INTO settings (key, value) VALUES ('region_default', 'north')")
        if fail:
            raise RuntimeError("migration step failed")

    original_v1, *later = schema.MIGRATIONS
    version = SCHEMA_VERSION + 1
    monkeypatch.setattr(schema, "MIGRATIONS", [v1, *later, step_next])
    monkeypatch.setattr(schema, "SCHEMA_VERSION", version)
    monkeypatch.setattr(connection, "SCHEMA_VERSION", version)
    return version


def test_migrate_applies_only_the_pending_steps(db_path: Path, monkeypatch, raw):
    old = open_store(str(db_path), user="anna")
    deal = old.add_deal("Kept through the upgrade", value=500)
    old.close()

    calls: list[str] = []
    version = add_next(monkeypatch, calls)
    upgraded = open_store(str(db_path), user="anna")
    upgraded.close()
    assert calls == ["next"]
    assert pragma(db_path, "user_version") == version
    assert raw.rows("SELECT id, title, region FROM deals") == [
        {"id": deal.id, "title": "Kept through the upgrade", "region": ""}
    ]
    assert raw.scalar("SELECT value FROM settings WHERE key = 'region_default'") == "north"

    open_store(str(db_path), user="anna").close()
    assert calls == ["next"], "a second open must not migrate again"


def test_new_file_runs_every_step_in_order(db_path: Path, monkeypatch, raw):
    calls: list[str] = []
    version = add_next(monkeypatch, calls)
    open_store(str(db_path), user="anna").close()
    assert calls == ["v1", "next"]
    assert pragma(db_path, "user_version") == version
    assert raw.count("stages") == 5


def test_failed_migration_leaves_the_file_as_it_was(db_path: Path, monkeypatch, raw):
    old = open_store(str(db_path), user="anna")
    old.add_deal("Before")
    old.close()
    columns_before = raw.rows("PRAGMA table_info(deals)")

    add_next(monkeypatch, [], fail=True)
    with pytest.raises(RuntimeError, match="migration step failed"):
        open_store(str(db_path), user="anna")
    assert pragma(db_path, "user_version") == SCHEMA_VERSION
    assert raw.rows("PRAGMA table_info(deals)") == columns_before
    assert raw.count("settings") == 1
