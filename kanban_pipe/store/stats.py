"""What the statistics are computed from: sums over the deals and the activity log, in SQL."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import date, datetime, time, timedelta
from typing import Any

from kanban_pipe.domain.models import DealStatus, Stage
from kanban_pipe.domain.stats import (
    FORECAST_MONTHS,
    WIN_RATE_DAYS,
    ClosedSum,
    DealGroup,
    Reach,
    StageDays,
    StatsInputs,
    StatusShift,
    StatusSum,
    forecast_months,
    open_stages,
    trend_days,
)
from kanban_pipe.store.connection import storage_error
from kanban_pipe.store.queries import PipelineQueries
from kanban_pipe.store.rows import stamp

# What an activity's `changes` JSON says about a move and a status change. The index
# statements below repeat these texts exactly: SQLite reads an indexed expression from the
# index only when the query spells it the same way.
MOVE_KINDS = "kind IN ('moved', 'won')"
MOVE_FROM = "json_extract(changes, '$.stage[0]')"
MOVE_TO = "json_extract(changes, '$.stage[1]')"
MOVE_DAYS = "(unixepoch(at) - unixepoch(json_extract(changes, '$.stage_entered_at[0]'))) / 86400"
STATUS_KINDS = "kind IN ('moved', 'won', 'lost', 'paused', 'resumed', 'undo')"
STATUS_FROM = "json_extract(changes, '$.status[0]')"
STATUS_TO = "json_extract(changes, '$.status[1]')"
STATUS_CHANGES = f"{STATUS_KINDS} AND {STATUS_FROM} IS NOT NULL"

# Indexes that let the history queries skip parsing every logged change (proposed for a
# schema migration; bench/stats_bench.py measures with and without them).
STATS_INDEXES = (
    f"CREATE INDEX IF NOT EXISTS activities_moves ON activities"
    f" ({MOVE_FROM}, {MOVE_TO}, {MOVE_DAYS}, deal_id) WHERE {MOVE_KINDS}",
    f"CREATE INDEX IF NOT EXISTS activities_status ON activities"
    f" (at, {STATUS_FROM}, {STATUS_TO}, deal_id) WHERE {STATUS_CHANGES}",
)

# Moves that were undone never happened, and deleted deals were mistakes: both are left out.
# The deleted deals' ids are bound as a JSON array, read by _lost_and_deleted.
_LIVE_MOVES = (
    f"{MOVE_KINDS} AND id NOT IN (SELECT undoes FROM activities WHERE undoes IS NOT NULL)"
    " AND deal_id NOT IN (SELECT value FROM json_each(?))"
)


def gather_stats(store: PipelineQueries, *, today: date) -> StatsInputs:
    """Everything the statistics need, read in one consistent snapshot of the file."""
    with _snapshot(store):
        stages = tuple(store.stages())
        totals = _totals(store, stages)
        lost_days, deleted = _lost_and_deleted(store)
        moves = _moves(store, deleted)
        ends = [_day_end(day) for day in trend_days(today)]
        return StatsInputs(
            today=today, stages=stages, home_currency=store.home_currency(),
            rates=store.exchange_rates(), totals=totals,
            groups=_groups(store, stages, today, ends, sorted({t.currency for t in totals})),
            closed=_closed(store, today),
            stage_days=_stage_days(moves, lost_days),
            reach=_reach(store, stages, totals, moves, deleted),
            shifts=_shifts(store, ends),
        )


@contextmanager
def _snapshot(store: PipelineQueries) -> Iterator[None]:
    """One read transaction, so a save from another terminal cannot land between queries."""
    # The store's own lock: its connection is shared with the board's worker threads.
    # The plain connection, not store.db: that would import sqlite-utils (~45 ms) on the
    # board's first `f`.
    with store._lock:
        conn = store.conn
        began = not conn.in_transaction
        try:
            if began:
                conn.execute("BEGIN")
            yield
        except sqlite3.Error as error:
            raise storage_error(error, store.path) from error
        finally:
            if began and conn.in_transaction:
                conn.execute("COMMIT")


def _day_start(day: date) -> str:
    """The stored stamp of local midnight at the start of `day`."""
    return stamp(datetime.combine(day, time()).astimezone())


def _day_end(day: date) -> str:
    """The stored stamp of local midnight at the end of `day`."""
    return _day_start(day + timedelta(days=1))


def _probability(stages: Sequence[Stage], params: dict[str, Any]) -> str:
    """SQL for the probability of a row's stage (bound as :p_stageN / :p_probN)."""
    whens = []
    for i, stage in enumerate(stages):
        params[f"p_stage{i}"], params[f"p_prob{i}"] = stage.key, stage.probability
        whens.append(f"WHEN :p_stage{i} THEN :p_prob{i}")
    return f"CASE stage {' '.join(whens)} ELSE 0 END" if whens else "0"


def _totals(store: PipelineQueries, stages: Sequence[Stage]) -> tuple[StatusSum, ...]:
    params: dict[str, Any] = {}
    # Weighted per deal, as rules.weighted_value does. Answered from the deals_status index
    # alone, already in group order.
    rows = store._query(
        "SELECT status, stage, currency, count(*), sum(value),"
        f" sum((value * {_probability(stages, params)} + 50) / 100) FROM deals"
        " WHERE deleted_at IS NULL GROUP BY status, stage, currency", params)
    return tuple(StatusSum(DealStatus(status), stage, currency, deals, value, weighted)
                 for status, stage, currency, deals, value, weighted in rows)


class _PackedKey:
    """Small codes packed into one integer to group by."""

    # SQLite groups by sorting, and each text column in the sort key costs about 25 ms more
    # at 100,000 deals; one integer in their place costs almost nothing.

    def __init__(self, params: dict[str, Any]) -> None:
        self.params = params
        self._parts: list[tuple[str, int, bool]] = []

    def code(self, column: str, values: Sequence[str]) -> None:
        """Code a text column by its index in `values` (anything else gets len(values))."""
        whens = []
        for i, value in enumerate(values):
            self.params[f"{column}{i}"] = value
            whens.append(f"WHEN :{column}{i} THEN {i}")
        self.add(f"CASE {column} {' '.join(whens)} ELSE {len(values)} END" if whens else "0",
                 len(values) + 1)

    def add(self, sql: str, size: int, *, open_only: bool = False) -> None:
        """Add a code computed by `sql`, from 0 to size - 1 (0 for any deal not open)."""
        self._parts.append((sql, size, open_only))

    def sql(self) -> str:
        """The packed key as an SQL expression."""
        def packed(open_deal: bool) -> str:
            key = "0"
            for sql, size, open_only in self._parts:
                key = f"({key}) * {size} + ({sql if open_deal or not open_only else 0})"
            return key

        # The open-only codes in a branch of their own: one test of the status per deal
        # instead of one per code (~10 ms less at 100,000 deals).
        return f"CASE WHEN status = 'open' THEN {packed(True)} ELSE {packed(False)} END"

    def unpacked(self, column: str) -> list[str]:
        """SQL for each code of the packed key in `column`, in the order they were added."""
        codes, divisor = [], 1
        for _, size, _ in reversed(self._parts):
            codes.append(f"{column} / {divisor} % {size}")
            divisor *= size
        return codes[::-1]


_STATUSES = [status.value for status in DealStatus]


def _groups(store: PipelineQueries, stages: Sequence[Stage], today: date,
            ends: Sequence[str], currencies: Sequence[str]) -> tuple[DealGroup, ...]:
    """Every deal in one pass: by status, currency, source, close month and trend point."""
    months = forecast_months(today, FORECAST_MONTHS + 1)
    params: dict[str, Any] = {"today": today.isoformat()}
    key = _PackedKey(params)
    key.code("status", _STATUSES)
    key.code("currency", currencies)
    # 0: no date (or not open); 1 to FORECAST_MONTHS: the month (a passed date in the
    # first); FORECAST_MONTHS + 1: later.
    whens = []
    for i in range(FORECAST_MONTHS, 0, -1):
        params[f"month{i}"] = months[i].isoformat()
        whens.append(f"WHEN expected_close >= :month{i} THEN {i + 1}")
    key.add(f"CASE WHEN expected_close IS NULL THEN 0 {' '.join(whens)} ELSE 1 END",
            FORECAST_MONTHS + 2, open_only=True)
    key.add(_point("created_at", ends, params), len(ends) + 1, open_only=True)
    # The flags of an open deal as bits: one sum fewer each.
    flags = _open_flags(stages, today, params)
    # IS 1: a test on a missing date is NULL, which counts as not raised.
    key.add(" + ".join(f"{1 << bit} * (({flag}) IS 1)" for bit, flag in enumerate(flags)),
            1 << len(flags), open_only=True)
    # A full scan: the partial indexes match `deleted_at IS NULL` but lack these columns,
    # and reaching every row through one of them is several times slower. LIMIT -1 keeps
    # the inner query apart, so each expression is computed once per deal. Sources are
    # free text, so they stay a column of their own.
    by_key = (
        f"SELECT key, source, count(*) AS deals, sum(value) AS value,"
        f" sum(weighted) AS weighted FROM ("
        f" SELECT {key.sql()} AS key, source, value,"
        f" (value * {_probability(stages, params)} + 50) / 100 AS weighted"
        " FROM deals NOT INDEXED WHERE deleted_at IS NULL LIMIT -1) GROUP BY key, source")
    # The flags then become counts, in SQL over the few thousand groups rather than a
    # Python loop unpacking each one (~10 ms less at 100,000 deals).
    status, currency, month, point, bits = key.unpacked("key")
    counts = ", ".join(f"sum(CASE WHEN {bits} & {1 << bit} THEN deals ELSE 0 END)"
                       for bit in range(len(flags)))
    rows = store._query(
        f"SELECT {status}, {currency}, source, {month}, {point}, sum(deals), sum(value),"
        f" sum(weighted), {counts} FROM ({by_key}) GROUP BY key / {1 << len(flags)}, source",
        params)
    # Month 0: no date (or not open); 1 to FORECAST_MONTHS: that month; more: later.
    names = [None, *(m.isoformat()[:7] for m in months[:FORECAST_MONTHS]), "later"]
    return tuple(
        DealGroup(DealStatus(_STATUSES[row[0]]), currencies[row[1]], row[2], *row[5:8],
                  names[row[3]], row[4], *row[8:])
        for row in rows)


def _open_flags(stages: Sequence[Stage], today: date, params: dict[str, Any]) -> list[str]:
    """SQL tests of an open deal, in DealGroup's order of flag fields."""
    # Stale: no movement since before local midnight `stale_after_days` days ago, which is
    # rules.is_stale's calendar-day test written as one comparison of stored stamps.
    whens = []
    for i, stage in enumerate(s for s in open_stages(stages) if s.stale_after_days > 0):
        params[f"s_stage{i}"] = stage.key
        params[f"s_since{i}"] = _day_start(today - timedelta(days=stage.stale_after_days))
        whens.append(f"WHEN :s_stage{i} THEN :s_since{i}")
    needs = [s.key for s in stages if s.requires_qualification and not s.is_won]
    for i, stage_key in enumerate(needs):
        params[f"q_stage{i}"] = stage_key
    return [
        "expected_close < :today",
        f"last_activity_at < CASE stage {' '.join(whens)} END" if whens else "0",
        "next_action IS NULL",
        "next_action IS NOT NULL AND next_due < :today",
        f"stage IN ({', '.join(f':q_stage{i}' for i in range(len(needs)))})"
        " AND NOT (decision_maker AND need_confirmed AND timeline_confirmed)" if needs else "0",
    ]


def _closed(store: PipelineQueries, today: date) -> tuple[ClosedSum, ...]:
    since = _day_start(today - timedelta(days=WIN_RATE_DAYS - 1))
    # From the deals_closed index, a range of it per status: lost deals need nothing
    # else, won ones only their created_at from the table. Scanning every deal instead
    # cost ~6 ms more at 100,000 deals (the window holds a tenth of them).
    rows = store._query(
        "SELECT status, currency, NULL, count(*), sum(value) FROM deals INDEXED BY deals_closed"
        " WHERE status = 'lost' AND closed_at >= ? AND deleted_at IS NULL GROUP BY 1, 2", [since])
    rows += store._query(
        "SELECT status, currency, (unixepoch(closed_at) - unixepoch(created_at)) / 86400,"
        " count(*), sum(value) FROM deals INDEXED BY deals_closed"
        " WHERE status = 'won' AND closed_at >= ? AND deleted_at IS NULL GROUP BY 1, 2, 3",
        [since])
    return tuple(ClosedSum(DealStatus(status), currency, deals, value, cycle)
                 for status, currency, cycle, deals, value in rows)


def _lost_and_deleted(store: PipelineQueries) -> tuple[tuple[StageDays, ...], str]:
    """Whole days lost deals spent in their last stage, and the deleted deals' ids (JSON)."""
    # One scan of the deals for both: the moves' own `NOT IN (SELECT id FROM deals WHERE
    # deleted_at IS NOT NULL)` scanned them again, once per history query.
    rows = store._query(
        "SELECT stage, (unixepoch(closed_at) - unixepoch(stage_entered_at)) / 86400,"
        " CASE WHEN deleted_at IS NOT NULL THEN id END, count(*) FROM deals NOT INDEXED"
        " WHERE deleted_at IS NOT NULL OR (status = 'lost' AND closed_at IS NOT NULL)"
        " GROUP BY 1, 2, 3")
    return (tuple(StageDays(stage, days, visits) for stage, days, deleted, visits in rows
                  if deleted is None),
            json.dumps([deleted for _, _, deleted, _ in rows if deleted is not None]))


_Moves = list[tuple[str | None, str | None, int | None, int]]


def _moves(store: PipelineQueries, deleted: str) -> _Moves:
    """Every live move as (from stage, to stage, whole days spent in the from stage, count)."""
    # All moves, from the activities_moves index alone, less the few that do not count,
    # found through their own indexes: testing each of 137,000 moves against the undone
    # and deleted lists cost ~13 ms more at 100,000 deals, even with both lists empty.
    every = f"SELECT {MOVE_FROM}, {MOVE_TO}, {MOVE_DAYS}, count(*) FROM activities"
    counts = {(source, target, days): count for source, target, days, count
              in store._query(f"{every} WHERE {MOVE_KINDS} GROUP BY 1, 2, 3")}
    for source, target, days, count in store._query(
            f"{every} WHERE {MOVE_KINDS} AND (id IN (SELECT undoes FROM activities"
            " WHERE undoes IS NOT NULL) OR deal_id IN (SELECT value FROM json_each(?)))"
            " GROUP BY 1, 2, 3", [deleted]):
        counts[source, target, days] -= count
    return [(source, target, days, count) for (source, target, days), count in counts.items()
            if count]


def _stage_days(moves: _Moves, lost: tuple[StageDays, ...]) -> tuple[StageDays, ...]:
    """Completed stage visits: ended by a move out of the stage, or by losing the deal in it."""
    visits = [StageDays(source, days, count) for source, _, days, count in moves
              if source is not None and days is not None]
    return tuple(visits) + lost


def _reach(store: PipelineQueries, stages: Sequence[Stage], totals: Sequence[StatusSum],
           moves: _Moves, deleted: str) -> tuple[Reach, ...]:
    """Deals by the furthest stage they reached: where they are, unless they moved back."""
    counts: dict[tuple[str | None, DealStatus], int] = {}  # None: lost at an unknown stage
    for row in totals:
        counts[row.stage, row.status] = counts.get((row.stage, row.status), 0) + row.deals
    position = {s.key: s.position for s in stages}
    back = [(source, target) for source, target, _, _ in moves
            if source in position and target in position and position[target] < position[source]]
    for stage, status, furthest in _moved_back(store, position, sorted(set(back)), deleted):
        if position.get(furthest, 0) > position.get(stage, 0):
            counts[stage, status] -= 1
            counts[furthest, status] = counts.get((furthest, status), 0) + 1
    return tuple(Reach(stage, status, deals) for (stage, status), deals in counts.items()
                 if deals)


def _moved_back(store: PipelineQueries, position: dict[str, int],
                pairs: Sequence[tuple[str, str]], deleted: str
                ) -> list[tuple[str, DealStatus, str]]:
    """(stage now, status, furthest stage moved back from) of each deal that moved back."""
    if not pairs:
        return []
    furthest: dict[int, str] = {}
    rows = store._query(
        f"SELECT deal_id, {MOVE_FROM} FROM activities WHERE {_LIVE_MOVES}"
        f" AND ({MOVE_FROM}, {MOVE_TO}) IN (VALUES {', '.join('(?, ?)' for _ in pairs)})",
        [deleted, *(key for pair in pairs for key in pair)])
    for deal_id, source in rows:
        if position[source] > position.get(furthest.get(deal_id, ""), 0):
            furthest[deal_id] = source
    ids = list(furthest)
    found = []
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        found += store._query(
            f"SELECT id, stage, status FROM deals WHERE id IN ({', '.join('?' for _ in chunk)})",
            chunk)
    return [(stage, DealStatus(status), furthest[deal_id]) for deal_id, stage, status in found]


def _point(column: str, ends: Sequence[str], params: dict[str, Any]) -> str:
    """SQL for the trend point on (or after) whose day the stamp in `column` falls."""
    for k, end in enumerate(ends):
        params[f"end{k}"] = end
    whens = " ".join(f"WHEN {column} < :end{k} THEN {k}" for k in range(len(ends)))
    return f"CASE {whens} ELSE {len(ends)} END"


def _shifts(store: PipelineQueries, ends: Sequence[str]) -> tuple[StatusShift, ...]:
    """Deals entering or leaving the open pipeline after the first trend point, summed."""
    params: dict[str, Any] = {}
    created, changed = _point("d.created_at", ends, params), _point("c.at", ends, params)
    # Value that left the open pipeline after a point was in it then, and vice versa.
    rows = store._query(
        f"SELECT d.currency, {created}, {changed},"
        " sum(CASE WHEN c.now = 'open' THEN -d.value ELSE d.value END) FROM ("
        f" SELECT at, deal_id, {STATUS_FROM} AS was, {STATUS_TO} AS now FROM activities"
        f" WHERE {STATUS_CHANGES} AND at >= :end0 LIMIT -1) c"
        " JOIN deals d ON d.id = c.deal_id"
        " WHERE d.deleted_at IS NULL AND (c.was = 'open') != (c.now = 'open')"
        " GROUP BY 1, 2, 3", params)
    return tuple(StatusShift(*row) for row in rows if row[3])
