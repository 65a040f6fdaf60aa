"""Review queries: candidate deals filtered in SQL, changes since the last review, recording one.

Functions taking the store rather than another mixin: the review is one feature reading a
few tables, and PipelineStore stays the deal verbs and their queries.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Generator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from kanban_pipe.domain.listing import StoredDeal
from kanban_pipe.domain.models import ActivityKind, Deal, Stage
from kanban_pipe.domain.review import (
    CHANGE_WORDS,
    CHANGES_WINDOW_DAYS,
    ChangeEntry,
    ChangesSince,
    Queue,
    ReviewItem,
    build_queues,
)
from kanban_pipe.domain.review_walk import ReviewSummary
from kanban_pipe.domain.rules import CLOSING_SOON_DAYS, Slip
from kanban_pipe.store.listing import STORED_DEAL_COLUMNS
from kanban_pipe.store.pipeline import PipelineStore
from kanban_pipe.store.rows import (
    ACTIVITY_COLUMNS,
    DEAL_COLUMNS,
    activity_from_row,
    deal_from_row,
    read_stamp,
    stamp,
)
from kanban_pipe.store.slipping import SlipRule, slipping_among
from kanban_pipe.store.stats import usual_times

CHANGES_SHOWN = 30  # the newest changes listed one by one; the counts cover all of them

# A superset of domain.review.review_reason, so that only deals that can be in a queue are
# read at all (at 100,000 deals most are healthy). The stale test compares the stored UTC
# stamp with a day's margin: the domain counts days in local time. Parameters: today,
# close_by (today + 14 days); {since} is the engine's day_shift.
_CANDIDATE_SQL = """
    (d.expected_close <= :close_by
     OR d.next_action IS NULL OR d.next_action = ''
     OR d.next_due < :today
     OR (s.requires_qualification = 1
         AND (d.decision_maker = 0 OR d.need_confirmed = 0 OR d.timeline_confirmed = 0))
     OR (s.stale_after_days > 0 AND d.last_activity_at < {since})
     OR {slipping})
"""

# The queue a reviewable deal is walked in, as domain.review.review_reason decides it (a
# test checks both agree): 0 closing soon, 1 stale, 2 overdue, 3 no next step,
# 4 unqualified, 5 slipping (store.slipping), NULL none. Stale is rules.is_stale's
# calendar-day test written as one comparison with the stamp of local midnight
# (:stale_sinceN), as store.stats does.
_QUEUE_SQL = """
    CASE WHEN d.expected_close <= :close_by
              AND NOT (coalesce(d.next_action, '') <> '' AND d.next_due IS NOT NULL
                       AND d.next_due >= :today AND d.next_due <= d.expected_close) THEN 0
         WHEN d.last_activity_at < {stale_since} THEN 1
         WHEN d.next_action <> '' AND d.next_due < :today THEN 2
         WHEN d.next_action IS NULL OR d.next_action = '' THEN 3
         WHEN s.requires_qualification = 1
              AND (d.decision_maker = 0 OR d.need_confirmed = 0 OR d.timeline_confirmed = 0)
         THEN 4
         WHEN {slipping} THEN 5 END
"""
# domain.review._order_in_queue in SQL: what is at stake first within each queue (the
# value, deals without one last), then the longest overdue.
_QUEUE_ORDER = (
    "queue, CASE WHEN value IS NULL THEN 1 ELSE 0 END, value DESC,"
    " CASE queue WHEN 0 THEN expected_close WHEN 1 THEN last_activity_at"
    " WHEN 2 THEN next_due END,"
    " CASE queue WHEN 4 THEN -stage_position END, id"
)
_QUEUES = tuple(Queue)
# Open deals, and paused ones whose resume date has come (domain.review.is_reviewable).
_REVIEWABLE = ("d.status = 'open'", "d.status = 'paused' AND d.paused_until <= :today")


@dataclass(frozen=True, slots=True)
class ReviewRecord:
    """A finished review as recorded in the reviews table."""

    id: int
    started_at: datetime
    finished_at: datetime
    actor: str
    owner: str | None
    last_activity_id: int
    summary: dict[str, Any]


def _deal_columns(alias: str) -> str:
    return ", ".join(f"{alias}.{column.strip()}" for column in DEAL_COLUMNS.split(","))


def _stale_bound(stages: Sequence[Stage], params: dict[str, Any], name: str,
                 bound: Callable[[Stage], str]) -> str:
    """SQL for a per-stage bound on last_activity_at (NULL where nothing is ever stale)."""
    whens = []
    for i, stage in enumerate(s for s in stages if s.stale_after_days > 0 and not s.is_won):
        params[f"{name}_stage{i}"], params[f"{name}{i}"] = stage.key, bound(stage)
        whens.append(f"WHEN :{name}_stage{i} THEN :{name}{i}")
    return f"CASE d.stage {' '.join(whens)} END" if whens else "NULL"


def _review_params(today: date, owner: str | None) -> dict[str, Any]:
    return {"today": today.isoformat(),
            "close_by": (today + timedelta(days=CLOSING_SOON_DAYS)).isoformat(),
            "owner": owner}


def review_candidates(store: PipelineStore, *, today: date, owner: str | None = None,
                      rule: SlipRule | None = None) -> list[Deal]:
    """Open (or resumed) deals that may need a decision; healthy ones are never read
    (`rule`: the slipping rule they are measured by, read here without it)."""
    owner_sql = (" AND d.owner = :owner" if owner else "") + store.in_pipeline("d.pipeline")
    rule = rule or _slip_rule(store, today)
    candidates = _CANDIDATE_SQL.format(
        since=store.engine.dialect.day_shift(":today", "1 - s.stale_after_days"),
        slipping=rule.condition)
    # One indexed part per status, joined by UNION ALL: an OR across them makes SQLite
    # scan every deal, closed ones included.
    parts = ("d.status = 'open'", "d.status = 'paused' AND d.paused_until <= :today")
    sql = " UNION ALL ".join(
        f"SELECT {_deal_columns('d')} FROM deals d JOIN stages s ON s.key = d.stage"
        f" WHERE {part} AND d.deleted_at IS NULL AND s.is_won = 0{owner_sql}"
        f" AND {candidates}"
        for part in parts
    )
    params = {"today": today.isoformat(),
              "close_by": (today + timedelta(days=CLOSING_SOON_DAYS)).isoformat(),
              "owner": owner, **rule.params}
    return [deal_from_row(row) for row in store.rows(sql, params)]


def _slip_rule(store: PipelineStore, today: date) -> SlipRule:
    """The slipping rule on the deals aliased `d`, by the whole pipeline's usual times."""
    return SlipRule(store.engine.dialect, usual_times(store), today, alias="d.")


def review_stream(store: PipelineStore, *, today: date, owner: str | None = None
                  ) -> Generator[tuple[Queue, StoredDeal, Slip | None], None, None]:
    """The review queues in walk order, as review_queue gives them, streamed from SQL,
    each deal with why it is slipping (in the slipping queue; None in the others).

    Queue and order are decided in SQL (the rules' twins above), so a stand-up of tens
    of thousands of deals is never held in memory nor sorted in Python.
    """
    rule = _slip_rule(store, today)
    params = {**_review_params(today, owner), **rule.params}
    stale_since = _stale_bound(
        store.stages(), params, "stale_since",
        lambda stage: _day_start(today - timedelta(days=stage.stale_after_days)))
    owner_sql = (" AND d.owner = :owner" if owner else "") + store.in_pipeline("d.pipeline")
    # Most open deals are read: one scan of the table is quicker than SQLite's index
    # search and a look-up per row (~0.13 s at 100,000 deals; no_index says so to SQLite).
    queue_sql = _QUEUE_SQL.format(stale_since=stale_since, slipping=rule.condition)
    inner = (f"SELECT {STORED_DEAL_COLUMNS}, s.position AS stage_position,"
             f" {queue_sql} AS queue,"
             f" CASE WHEN {rule.long_and_touched} THEN 1 ELSE 0 END AS slip_long"
             f" FROM deals d {store.engine.dialect.no_index} JOIN stages s ON s.key = d.stage"
             f" WHERE ({' OR '.join(f'({part})' for part in _REVIEWABLE)})"
             f" AND d.deleted_at IS NULL AND s.is_won = 0{owner_sql}")
    names = ", ".join(f"q.{name}" for name in StoredDeal._fields)
    # The pushes of a slipping deal counted through activities_edits, for its reason.
    pushes = (f"CASE WHEN q.queue = {_QUEUES.index(Queue.SLIPPING)} THEN (SELECT count(*)"
              f" FROM activities WHERE deal_id = q.id AND {rule.pushes}) END")
    sql = (f"SELECT {names}, q.slip_long, {pushes}, q.queue FROM ({inner}) q"
           f" WHERE q.queue IS NOT NULL ORDER BY {_QUEUE_ORDER}")
    for row in store.stream_rows(sql, params):
        deal = StoredDeal._make(row[:-3])
        queue = _QUEUES[row[-1]]
        slip = (Slip(int(row[-2]), bool(row[-3]), rule.after.get(deal.stage or ""))
                if queue is Queue.SLIPPING else None)
        yield queue, deal, slip


def _day_start(day: date) -> str:
    """The stored stamp of local midnight at the start of `day`."""
    return stamp(datetime.combine(day, time()).astimezone())


def review_queue(store: PipelineStore, *, today: date,
                 owner: str | None = None) -> list[ReviewItem]:
    """The review queues, in walk order (see domain.review.build_queues)."""
    stages = {stage.key: stage for stage in store.stages()}
    usual = usual_times(store)
    rule = SlipRule(store.engine.dialect, usual, today, alias="d.")
    candidates = review_candidates(store, today=today, owner=owner, rule=rule)
    slips = slipping_among(store, (deal.id for deal in candidates), usual, today)
    return build_queues(candidates, stages, today, slips)


def _record_from_row(row: tuple[Any, ...]) -> ReviewRecord:
    review_id, started, finished, actor, owner, last_id, summary = row
    return ReviewRecord(review_id, read_stamp(started), read_stamp(finished), actor, owner,
                        last_id, json.loads(summary))


_REVIEW_COLUMNS = "id, started_at, finished_at, actor, owner, last_activity_id, summary"


def last_review(store: PipelineStore, *, owner: str | None = None) -> ReviewRecord | None:
    """The latest review that covered `owner`'s deals (a team review covers everyone's)."""
    # A rep's own review starts from their last one or the last team stand-up, whichever
    # is newer; a team stand-up starts from the last team stand-up only.
    where = "owner IS NULL OR owner = ?" if owner else "owner IS NULL"
    rows = store.rows(
        f"SELECT {_REVIEW_COLUMNS} FROM reviews WHERE {where} ORDER BY id DESC LIMIT 1",
        [owner] if owner else [],
    )
    return _record_from_row(rows[0]) if rows else None


def reviews(store: PipelineStore) -> list[ReviewRecord]:
    """Every recorded review, oldest first."""
    return [_record_from_row(row) for row in
            store.rows(f"SELECT {_REVIEW_COLUMNS} FROM reviews ORDER BY id")]


def changes_since_last_review(store: PipelineStore, *, owner: str | None = None,
                              shown: int = CHANGES_SHOWN,
                              since: date | None = None) -> ChangesSince:
    """What was added, moved, won, lost, paused or given a next step since the last review.

    `since` (a day, from domain.review.parse_since) asks for the changes from that day's
    local midnight on instead, whatever reviews were recorded meanwhile.
    """
    previous = last_review(store, owner=owner) if since is None else None
    window_start = None
    if previous is not None:
        after_id = previous.last_activity_id
    else:
        window_start = (datetime.combine(since, time()).astimezone() if since is not None
                        else store.clock() - timedelta(days=CHANGES_WINDOW_DAYS))
        # The time window becomes an id range once (activities_at index), so both cases
        # then read the log by primary key.
        first = store.rows("SELECT min(id) FROM activities WHERE at >= ?",
                             [stamp(window_start)])[0][0]
        after_id = (first - 1) if first is not None else store.latest_activity_id()
    kinds = sorted({kind.value for kind in CHANGE_WORDS})
    # Undone entries and deleted deals are not news; the owner is the deal's owner now.
    where = (
        f"a.id > ? AND a.kind IN ({', '.join('?' for _ in kinds)}) AND d.deleted_at IS NULL"
        " AND NOT EXISTS (SELECT 1 FROM activities u WHERE u.undoes = a.id)"
        + (" AND d.owner = ?" if owner else "") + store.in_pipeline("d.pipeline")
    )
    params: list[Any] = [after_id, *kinds, *([owner] if owner else [])]
    if window_start is not None:
        # Ids follow commits, not clocks: an entry stamped before the window by a machine
        # whose clock was behind may sit after it in the log.
        where += " AND a.at >= ?"
        params.append(stamp(window_start))
    join = "FROM activities a JOIN deals d ON d.id = a.deal_id"
    counts = store.rows(
        f"SELECT a.kind, a.actor, count(*) {join} WHERE {where} GROUP BY a.kind, a.actor"
        " ORDER BY a.kind, a.actor", params)
    prefixed = ", ".join(f"a.{column.strip()}" for column in ACTIVITY_COLUMNS.split(","))
    # Newest first by when it happened: the log's ids follow commits, and a bulk load or an
    # import writes older history after newer.
    recent = store.rows(
        f"SELECT {prefixed}, d.title {join} WHERE {where} ORDER BY a.at DESC, a.id DESC"
        " LIMIT ?", [*params, shown])
    return ChangesSince(
        review_at=previous.finished_at if previous else None,
        review_by=previous.actor if previous else None,
        window_start=window_start,
        counts=tuple((ActivityKind(kind), actor, count) for kind, actor, count in counts),
        recent=tuple(ChangeEntry(activity_from_row(row[:6]), row[6]) for row in recent),
        since_day=since,
    )


def record_review(store: PipelineStore, *, started_at: datetime,
                  summary: ReviewSummary) -> ReviewRecord:
    """Record a finished review; the next one starts from the log as it is now."""
    text = json.dumps(summary.to_json(), ensure_ascii=False)

    def work() -> ReviewRecord:
        conn = store.conn
        last_id = conn.execute("SELECT coalesce(max(id), 0) FROM activities").fetchone()[0]
        row = conn.execute(
            "INSERT INTO reviews (started_at, finished_at, actor, owner, last_activity_id,"
            f" summary) VALUES (?, ?, ?, ?, ?, ?) RETURNING {_REVIEW_COLUMNS}",
            (stamp(started_at), store.now_text(), store.user, summary.owner, last_id, text),
        ).fetchone()
        return _record_from_row(row)

    return store.write(work)
