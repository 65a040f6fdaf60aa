"""Review storage: the v1 -> v2 migration, candidates read in SQL, changes, recorded reviews."""

from __future__ import annotations

import json
import re
import sqlite3
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from kanban_pipe.domain.errors import ReadOnlyError
from kanban_pipe.domain.models import DealStatus, NextStep, QualificationFact
from kanban_pipe.domain.review import build_queues, changes_heading, review_reason
from kanban_pipe.domain.review_walk import Decision, ReviewSummary
from kanban_pipe.store import PipelineStore, open_store, schema
from kanban_pipe.store.review import (
    changes_since_last_review,
    last_review,
    record_review,
    review_candidates,
    review_queue,
    reviews,
)
from kanban_pipe.store.schema import APPLICATION_ID, SCHEMA_VERSION

TODAY = date(2026, 11, 25)
FULL = {fact: True for fact in QualificationFact}


def make_v1_file(path: Path) -> None:
    """A pipeline file exactly as kanban-pipe 0.1 (schema 1) left it, with one deal."""
    conn = sqlite3.connect(str(path), isolation_level=None)
    conn.execute("BEGIN")
    schema.MIGRATIONS[0](conn)
    conn.execute(
        "INSERT INTO deals (title, currency, stage, owner, created_at, updated_at,"
        " stage_entered_at, last_activity_at) VALUES ('Old deal', 'EUR', 'lead', 'anna',"
        " '2026-11-01T10:00:00+00:00', '2026-11-01T10:00:00+00:00',"
        " '2026-11-01T10:00:00+00:00', '2026-11-01T10:00:00+00:00')")
    conn.execute("INSERT INTO activities (deal_id, at, actor, kind, detail) VALUES"
                 " (1, '2026-11-01T10:00:00+00:00', 'anna', 'created', 'created in Lead')")
    conn.execute("PRAGMA user_version = 1")
    conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    conn.execute("COMMIT")
    conn.close()


def test_a_v1_file_is_upgraded_to_v2_with_a_strict_reviews_table(db_path: Path, raw) -> None:
    make_v1_file(db_path)
    assert raw.scalar("PRAGMA user_version") == 1
    assert not raw.rows("SELECT name FROM sqlite_schema WHERE name = 'reviews'")

    store = open_store(str(db_path), user="anna")
    try:
        assert SCHEMA_VERSION >= 2  # upgraded through v2 to the latest version
        assert raw.scalar("PRAGMA user_version") == SCHEMA_VERSION
        listed = {row["name"]: row for row in raw.rows("PRAGMA table_list")}
        assert listed["reviews"]["strict"] == 1
        columns = {row["name"]: row["type"] for row in raw.rows("PRAGMA table_info(reviews)")}
        assert columns == {"id": "INTEGER", "started_at": "TEXT", "finished_at": "TEXT",
                           "actor": "TEXT", "owner": "TEXT", "last_activity_id": "INTEGER",
                           "summary": "TEXT"}
        assert store.get_deal(1).title == "Old deal"  # the data came through untouched
        assert review_queue(store, today=TODAY)[0].deal.title == "Old deal"  # no next step
        assert last_review(store) is None
    finally:
        store.close()
    conn = raw.connect()
    with pytest.raises(sqlite3.IntegrityError, match="CHECK constraint failed"):
        conn.execute("INSERT INTO reviews (started_at, finished_at, actor, summary)"
                     " VALUES ('x', 'x', 'anna', 'not json')")
    conn.close()


def seed_every_case(store: PipelineStore) -> dict[str, int]:
    """One deal per queue, healthy ones, closed ones and a paused one."""
    soon = TODAY + timedelta(days=5)
    step = NextStep("Call", "anna", TODAY + timedelta(days=3))
    ids = {
        "closing": store.add_deal("Closing", expected_close=soon, next_step=step).id,
        "overdue": store.add_deal(
            "Overdue", next_step=NextStep("Late", "anna", TODAY - timedelta(days=1))).id,
        "no_step": store.add_deal("No step", owner="erik").id,
        "unqualified": store.add_deal("Unqualified", stage="proposal", next_step=step).id,
        "healthy": store.add_deal("Healthy", next_step=step).id,
        "healthy_late": store.add_deal("Healthy late", stage="commitment", next_step=step).id,
        "lost": store.add_deal("Lost"),
        "paused": store.add_deal("Paused"),
        "won": store.add_deal("Won", stage="won"),
    }
    store.qualify_deal(ids["healthy_late"], FULL)
    store.mark_lost(ids["lost"].id, "price")
    store.pause_deal(ids["paused"].id, TODAY + timedelta(days=9))
    return {name: getattr(value, "id", value) for name, value in ids.items()}


def test_only_deals_that_can_be_in_a_queue_are_read(store: PipelineStore, clock) -> None:
    clock.advance(days=-30)
    stale = store.add_deal("Stale", next_step=NextStep("Call", "anna",
                                                       TODAY + timedelta(days=2))).id
    clock.advance(days=30)
    ids = seed_every_case(store)
    candidates = {d.id for d in review_candidates(store, today=TODAY)}
    assert candidates == {stale, ids["closing"], ids["overdue"], ids["no_step"],
                          ids["unqualified"]}
    # The SQL prefilter never drops a deal the pure rules would queue.
    everything = store.list_deals(statuses=None)
    stages = {s.key: s for s in store.stages()}
    assert [i.deal.id for i in build_queues(everything, stages, TODAY)] == [
        i.deal.id for i in review_queue(store, today=TODAY)]
    assert all(review_reason(d, stages[d.stage], TODAY) is None for d in everything
               if d.id not in candidates)
    assert {d.id for d in review_candidates(store, today=TODAY, owner="erik")} == {
        ids["no_step"]}


def test_a_paused_deal_comes_back_into_the_queue_on_its_resume_date(store) -> None:
    ids = seed_every_case(store)
    later = TODAY + timedelta(days=9)
    assert ids["paused"] in {d.id for d in review_candidates(store, today=later)}
    assert ids["paused"] not in {d.id for d in review_candidates(store, today=TODAY)}


def summary(owner: str | None = None) -> ReviewSummary:
    return ReviewSummary(owner=owner, total=3, fixed=1, left=1, skipped=(7,),
                         decisions=((4, "Dune", Decision.MOVED),))


def words(store: PipelineStore, owner: str | None = None) -> dict[str, int]:
    return {word: total for word, total, _who in
            changes_since_last_review(store, owner=owner).totals()}


def test_changes_come_from_the_log_after_the_last_review(open_as, clock, raw) -> None:
    anna, erik = open_as("anna"), open_as("erik")
    clock.advance(days=-10)
    anna.add_deal("Too old to mention")
    clock.advance(days=10)
    first = anna.add_deal("Acme").id
    erik.add_deal("Erik's", owner="erik")
    anna.move_deal(first, "qualified")
    undone = erik.add_deal("Undone")
    erik.undo()  # an undone entry is not news
    assert undone.id not in {e.activity.deal_id for e in
                             changes_since_last_review(anna).recent}
    changes = changes_since_last_review(anna)
    assert changes.review_at is None and changes.window_start is not None
    assert words(anna) == {"added": 2, "moved": 1}
    assert dict((w, who) for w, _t, who in changes.totals())["added"] == [("anna", 1),
                                                                          ("erik", 1)]
    assert words(anna, owner="erik") == {"added": 1}

    clock.advance(hours=1)
    record = record_review(anna, started_at=clock.now - timedelta(minutes=20),
                           summary=summary())
    assert (record.actor, record.owner) == ("anna", None)
    assert record.last_activity_id == raw.scalar("SELECT max(id) FROM activities")
    row = raw.rows("SELECT * FROM reviews")[0]
    assert json.loads(row["summary"])["decided"]["moved"] == 1
    assert row["started_at"] == "2026-11-25T10:40:00+00:00"
    assert row["finished_at"] == "2026-11-25T11:00:00+00:00"
    assert words(anna) == {}

    erik.set_next_step(first, "Send offer", due=TODAY + timedelta(days=2))
    erik.mark_lost(first, "price")
    changes = changes_since_last_review(anna)
    assert changes.review_by == "anna" and changes.review_at == record.finished_at
    assert words(anna) == {"lost": 1, "next steps set": 1}
    # Newest first: the loss came after the next step.
    assert [e.activity.kind.value for e in changes.recent] == ["lost", "next_step_set"]


def test_the_latest_changes_are_newest_first_by_time_not_by_log_id(open_as, clock) -> None:
    anna = open_as("anna")
    clock.advance(hours=-2)
    anna.add_deal("Two hours ago")
    clock.advance(hours=-3)
    anna.add_deal("Five hours ago")  # written later (an import, a bulk load), happened earlier
    clock.advance(hours=5)
    anna.add_deal("Just now")
    assert [e.deal_title for e in changes_since_last_review(anna).recent] == [
        "Just now", "Two hours ago", "Five hours ago"]


def test_since_a_chosen_day_ignores_the_last_review(open_as, clock) -> None:
    anna = open_as("anna")
    clock.advance(days=-3)
    anna.add_deal("Three days ago")
    clock.advance(days=3)
    record_review(anna, started_at=clock.now, summary=summary())
    assert changes_since_last_review(anna).total == 0  # the review wiped it
    since = (clock.now - timedelta(days=7)).date()
    changes = changes_since_last_review(anna, since=since)
    assert changes.total == 1 and changes.review_at is None and changes.since_day == since
    assert changes_heading(changes) == f"Since {since:%a} {since.isoformat()}"
    later = changes_since_last_review(anna, since=clock.now.date())
    assert later.total == 0


def test_a_reps_own_review_does_not_hide_changes_from_the_team(open_as) -> None:
    anna = open_as("anna")
    anna.add_deal("Acme")
    record_review(anna, started_at=anna.clock(), summary=summary(owner="anna"))
    assert last_review(anna) is None  # a team stand-up starts from the last team review
    assert last_review(anna, owner="anna").owner == "anna"
    assert words(anna) == {"added": 1}
    assert words(anna, owner="anna") == {}
    team = record_review(anna, started_at=anna.clock(), summary=summary())
    assert last_review(anna, owner="anna").id == team.id  # ...and a team review covers reps
    assert [r.owner for r in reviews(anna)] == ["anna", None]


def test_recording_on_a_read_only_file_is_refused(store: PipelineStore, raw) -> None:
    store.read_only = True  # as open_store marks a file it cannot write
    with pytest.raises(ReadOnlyError):
        record_review(store, started_at=store.clock(), summary=summary())
    assert raw.count("reviews") == 0


def test_candidates_read_only_open_and_paused_deals_by_index(store, raw, monkeypatch) -> None:
    seed_every_case(store)
    captured: list[tuple[str, Any]] = []
    original = store.rows
    monkeypatch.setattr(store, "rows",
                        lambda sql, params=(): captured.append((sql, params))
                        or original(sql, params))
    review_candidates(store, today=TODAY)
    # (The queries before it read the stages' usual times, for the slipping rule.)
    sql, params = next((sql, params) for sql, params in captured if "JOIN stages" in sql)
    conn = raw.connect()
    plan = " | ".join(row[3] for row in conn.execute("EXPLAIN QUERY PLAN " + sql, params))
    conn.close()
    # Either index led by the status finds the open deals alike (SQLite picks one).
    assert "SCAN d" not in plan and re.search(r"USING INDEX deals_(status|paused) \(status=\?\)",
                                              plan), plan
    assert DealStatus.OPEN.value in sql
