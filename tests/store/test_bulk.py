"""Tests for bulk-loading demo pipelines: one transaction, the store's own row shapes."""

from __future__ import annotations

import gc
import json
import sqlite3
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

import kanban_pipe.store.bulk as bulk
from kanban_pipe.domain.demo import generate_demo
from kanban_pipe.domain.errors import InvalidInputError
from kanban_pipe.domain.models import DealStatus, QualificationFact
from kanban_pipe.store import BoardFilter, PipelineStore, open_store
from kanban_pipe.store.rows import read_stamp, stamp
from tests.engines import RawRows

# Wednesday 2026-11-25, 10:00 UTC: the clock of every store in this module.
FIXED_NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
Opener = Callable[..., PipelineStore]


@pytest.fixture
def anna(open_as: Opener) -> PipelineStore:
    """The test's pipeline, opened by anna on the fixed clock."""
    return open_as("anna", clock=lambda: FIXED_NOW)


def rows(where: Path | RawRows, sql: str, params: tuple[Any, ...] = ()
         ) -> list[tuple[Any, ...]]:
    """Rows exactly as another tool reading the pipeline sees them (a file, or `raw`)."""
    if isinstance(where, RawRows):
        return where.tuples(sql, params)
    conn = sqlite3.connect(str(where))
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def test_loads_every_deal_and_activity(anna: PipelineStore, raw: RawRows) -> None:
    db_path = raw
    demo = generate_demo(deals=500, seed=11, now=FIXED_NOW, stages=anna.stages())
    assert bulk.load_demo(anna, deals=500, seed=11) == 500
    assert rows(db_path, "SELECT count(*) FROM deals") == [(500,)]
    assert rows(db_path, "SELECT count(*) FROM activities") == [(len(demo.activities),)]
    assert rows(db_path, "SELECT count(DISTINCT deal_id) FROM activities") == [(500,)]


def test_stored_deals_read_back_as_the_generated_ones(anna: PipelineStore) -> None:
    demo = generate_demo(deals=500, seed=11, now=FIXED_NOW, stages=anna.stages())
    bulk.load_demo(anna, deals=500, seed=11)
    assert anna.list_deals(statuses=None) == sorted(
        demo.deals, key=lambda deal: ([s.key for s in anna.stages()].index(deal.stage), deal.id))
    assert anna.get_deal(123) == demo.deals[122]


def test_history_reads_back_through_the_store(anna: PipelineStore, raw: Any) -> None:
    demo = generate_demo(deals=500, seed=11, now=FIXED_NOW, stages=anna.stages())
    bulk.load_demo(anna, deals=500, seed=11)
    generated = [e for e in demo.activities if e.deal_id == 77]
    stored = anna.activities(77)  # newest first
    assert [(a.kind, a.actor, a.at, a.detail) for a in reversed(stored)] == [
        (e.kind, e.actor, e.at, e.detail) for e in generated]
    by_row = raw.activities(77)
    assert [json.dumps(row["changes"]) for row in by_row] == [e.changes for e in generated]
    assert [row["version"] for row in by_row] == [e.version for e in generated]


def test_stored_text_is_what_the_store_itself_writes(anna: PipelineStore, raw: RawRows) -> None:
    db_path = raw
    bulk.load_demo(anna, deals=300, seed=2)
    for (at,) in rows(db_path, "SELECT at FROM activities"):
        assert stamp(read_stamp(at)) == at
    for row in rows(db_path, "SELECT created_at, updated_at, stage_entered_at,"
                             " last_activity_at, closed_at FROM deals"):
        assert all(stamp(read_stamp(text)) == text for text in row if text is not None)
    for (due, close) in rows(db_path, "SELECT next_due, expected_close FROM deals"):
        assert all(date.fromisoformat(day).isoformat() == day for day in (due, close) if day)
    if not raw.server:  # a server's columns have the one type they are declared with
        typed = rows(db_path, "SELECT DISTINCT typeof(value), typeof(decision_maker),"
                              " typeof(status) FROM deals")
        assert typed == [("integer", "integer", "text")]


def test_the_board_queries_work_on_demo_data(anna: PipelineStore) -> None:
    bulk.load_demo(anna, deals=500, seed=11)
    today = FIXED_NOW.date()
    columns = {stage.key: anna.column_deal_ids(stage.key, today=today)
               for stage in anna.stages()}
    assert all(columns.values()), "every column has cards"
    on_board = {deal_id for ids in columns.values() for deal_id in ids}
    shown = anna.deals_by_ids(on_board)
    assert {deal.status for deal in shown.values()} >= {DealStatus.OPEN, DealStatus.WON}
    assert anna.board_sums(today=today)
    mine = anna.column_deal_ids("lead", today=today, board_filter=BoardFilter(owner="anna"))
    assert mine and all(shown[i].owner == "anna" for i in mine)
    assert all(deal.owner == "erik" for deal in anna.list_deals(owner="erik"))


def test_the_same_seed_makes_identical_files(tmp_path: Path) -> None:
    paths = [tmp_path / "one.db", tmp_path / "two.db"]
    for path in paths:
        store = open_store(str(path), user="anna", clock=lambda: FIXED_NOW)
        bulk.load_demo(store, deals=500, seed=5)
        store.close()
    for table in ("deals", "activities"):
        first, second = (rows(path, f"SELECT * FROM {table} ORDER BY id") for path in paths)
        assert first == second and len(first) >= 500


def test_a_second_load_adds_after_what_is_there(anna: PipelineStore, raw: RawRows) -> None:
    db_path = raw
    anna.add_deal("Hand-made deal", stage="proposal")
    assert bulk.load_demo(anna, deals=250, seed=1) == 250
    assert bulk.load_demo(anna, deals=250, seed=1) == 250
    assert rows(db_path, "SELECT count(*), count(DISTINCT id), min(id), max(id) FROM deals") == [
        (501, 501, 1, 501)]
    if not raw.server:  # a server checks its foreign keys on every insert
        assert rows(db_path, "PRAGMA foreign_key_check") == []
    assert rows(db_path, "SELECT count(*) FROM activities WHERE deal_id NOT IN"
                         " (SELECT id FROM deals)") == [(0,)]
    duplicates = rows(db_path, "SELECT stage, position FROM deals GROUP BY stage, position"
                               " HAVING count(*) > 1")
    assert duplicates == []
    assert anna.get_deal(1).title == "Hand-made deal"
    # The same seed twice gives the same deals again, under new ids.
    assert [anna.get_deal(i).title for i in (2, 3, 251)] == [
        anna.get_deal(i).title for i in (252, 253, 501)]
    assert [len(anna.activities(i)) for i in (2, 251)] == [
        len(anna.activities(i)) for i in (252, 501)]


def test_a_build_with_small_sqlite_limits_stores_the_same(
    anna: PipelineStore, db_path: Path, tmp_path: Path,
) -> None:
    # Older SQLite allows 999 bound parameters per statement; some builds allow fewer.
    anna.db.conn.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, 60)
    bulk.load_demo(anna, deals=150, seed=4)
    usual = open_store(str(tmp_path / "usual.db"), user="anna", clock=lambda: FIXED_NOW)
    bulk.load_demo(usual, deals=150, seed=4)
    usual.close()
    for table in ("deals", "activities"):
        sql = f"SELECT * FROM {table} ORDER BY id"
        assert rows(db_path, sql) == rows(tmp_path / "usual.db", sql)


def test_indexes_are_intact_after_a_load(anna: PipelineStore, db_path: Path) -> None:
    schema = "SELECT type, name, sql FROM sqlite_schema ORDER BY name"
    before = rows(db_path, schema)
    bulk.load_demo(anna, deals=200, seed=1)
    assert rows(db_path, schema) == before
    assert rows(db_path, "PRAGMA integrity_check") == [("ok",)]


def test_a_failed_load_leaves_nothing_behind(anna: PipelineStore, db_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    schema = "SELECT type, name, sql FROM sqlite_schema ORDER BY name"
    before = rows(db_path, schema)
    real = bulk._row_sets

    def failing(*args: Any) -> Any:
        statements = real(*args)
        yield from (next(statements) for _ in range(3))
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(bulk, "_row_sets", failing)
    with pytest.raises(RuntimeError, match="disk on fire") as failure:
        bulk.load_demo(anna, deals=5_000, seed=1)
    assert rows(db_path, "SELECT count(*) FROM deals") == [(0,)]
    assert rows(db_path, "SELECT count(*) FROM activities") == [(0,)]
    assert rows(db_path, schema) == before
    # Even while the error (and its traceback) is still held, collection is back on.
    assert failure.value and gc.isenabled()


def test_nothing_or_a_negative_number_of_deals(anna: PipelineStore, raw: RawRows) -> None:
    db_path = raw
    assert bulk.load_demo(anna, deals=0, seed=1) == 0
    with pytest.raises(InvalidInputError, match="0 or more"):
        bulk.load_demo(anna, deals=-5, seed=1)
    assert rows(db_path, "SELECT count(*) FROM deals") == [(0,)]


def test_demo_history_is_what_the_store_verbs_would_have_written(
    anna: PipelineStore, db_path: Path, tmp_path: Path,
) -> None:
    """Replay demo deals through the real verbs on another file; rows and log must agree."""
    # 80 deals: enough that a pause and a qualification are among them (most deals close).
    bulk.load_demo(anna, deals=80, seed=8)
    moment = [FIXED_NOW]
    replayed: dict[str, PipelineStore] = {}

    def as_user(user: str) -> PipelineStore:
        if user not in replayed:
            replayed[user] = open_store(str(tmp_path / "replay.db"), user=user,
                                        clock=lambda: moment[0])
        return replayed[user]

    kinds_seen = set()
    try:
        for deal in rows(db_path, "SELECT id FROM deals ORDER BY id"):
            new_id = _replay(db_path, deal[0], moment, as_user)
            kinds_seen |= {k for (k,) in rows(db_path, "SELECT kind FROM activities"
                                                        " WHERE deal_id = ?", (deal[0],))}
            expected = _comparable(db_path, deal[0])
            assert _comparable(tmp_path / "replay.db", new_id) == expected, deal[0]
    finally:
        for store in replayed.values():
            store.close()
    assert {"created", "moved", "won", "lost", "paused", "next_step_set",
            "next_step_done", "qualified", "call", "email"} <= kinds_seen


def _replay(path: Path, deal_id: int, moment: list[datetime],
            as_user: Callable[[str], PipelineStore]) -> int:
    """Do a stored demo deal's history again with the store's verbs; return the new id."""
    conn = sqlite3.connect(str(path))
    conn.row_factory = sqlite3.Row
    deal = conn.execute("SELECT * FROM deals WHERE id = ?", (deal_id,)).fetchone()
    log = conn.execute("SELECT * FROM activities WHERE deal_id = ? ORDER BY id",
                       (deal_id,)).fetchall()
    conn.close()
    new_id = 0
    for entry in log:
        moment[0] = read_stamp(entry["at"])
        store, kind = as_user(entry["actor"]), entry["kind"]
        changes = json.loads(entry["changes"])
        if kind == "created":
            close = deal["expected_close"]
            new_id = store.add_deal(
                deal["title"], organization=deal["organization"], contact=deal["contact"],
                value=deal["value"], currency=deal["currency"], owner=deal["owner"],
                source=deal["source"], expected_close=date.fromisoformat(close) if close else None,
            ).id
        elif kind in ("moved", "won"):
            store.move_deal(new_id, changes["stage"][1])
        elif kind in ("call", "email", "meeting", "note"):
            store.log_activity(new_id, kind, entry["detail"])
        elif kind == "next_step_set":
            store.set_next_step(new_id, changes["next_action"][1],
                                owner=changes["next_owner"][1],
                                due=date.fromisoformat(changes["next_due"][1]))
        elif kind == "next_step_done":
            store.complete_next_step(new_id)
        elif kind == "qualified":
            facts = {QualificationFact(words.rsplit(" ", 1)[0].replace(" ", "_")):
                     words.endswith("confirmed") for words in entry["detail"].split(", ")}
            store.qualify_deal(new_id, facts)
        elif kind == "lost":
            store.mark_lost(new_id, entry["detail"])
        elif kind == "paused":
            store.pause_deal(new_id, date.fromisoformat(changes["paused_until"][1]))
        else:
            raise AssertionError(f"demo wrote an activity the store has no verb for: {kind}")
    return new_id


def _comparable(path: Path, deal_id: int) -> tuple[Any, ...]:
    """A deal's row and log without its id and card positions (those depend on the file)."""
    conn = sqlite3.connect(str(path))
    conn.row_factory = sqlite3.Row
    deal = dict(conn.execute("SELECT * FROM deals WHERE id = ?", (deal_id,)).fetchone())
    log = []
    for entry in conn.execute("SELECT at, actor, kind, detail, changes, version FROM activities"
                              " WHERE deal_id = ? ORDER BY id", (deal_id,)):
        changes = json.loads(entry["changes"])
        changes.pop("position", None)
        log.append((*tuple(entry)[:4], changes, entry["version"]))
    conn.close()
    for column in ("id", "position"):
        deal.pop(column)
    return deal, log


def test_undo_never_reaches_into_demo_history(tmp_path) -> None:
    """A user named like a demo owner gets 'nothing to undo' right after the demo load."""
    from kanban_pipe.domain.errors import NothingToUndoError

    store = open_store(str(tmp_path / "floor.db"), user="anna",
                       clock=lambda: datetime(2026, 11, 25, 10, 0, tzinfo=UTC))
    bulk.load_demo(store, deals=60, seed=3)
    assert store.conn.execute(
        "SELECT count(*) FROM activities WHERE actor = 'anna'").fetchone()[0] > 0
    with pytest.raises(NothingToUndoError):
        store.undo()
    deal = store.add_deal("Mine after the demo")
    undone, _ = store.undo()
    assert undone.id == deal.id and undone.deleted
