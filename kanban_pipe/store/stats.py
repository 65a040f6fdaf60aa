"""What the statistics are computed from: sums over the deals and the activity log, in SQL."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from typing import Any

from kanban_pipe.domain.forecast import past_months
from kanban_pipe.domain.models import DealStatus, ForecastCategory, Stage
from kanban_pipe.domain.rules import stage_category
from kanban_pipe.domain.stats import (
    FORECAST_MONTHS,
    TOUCH_DAYS,
    WHOLE_PIPELINE,
    Aged,
    ClosedSum,
    DealGroup,
    Reach,
    StageDays,
    StageTime,
    StatsInputs,
    StatsScope,
    StatusShift,
    StatusSum,
    Touches,
    forecast_months,
    open_stages,
    resolve_scope,
    time_in_stage,
    trend_days,
)
from kanban_pipe.store.engine import Dialect
from kanban_pipe.store.forecast_history import past_forecasts
from kanban_pipe.store.queries import PipelineQueries
from kanban_pipe.store.rows import stamp
from kanban_pipe.store.slipping import OPEN_SQL, SlipRule

MOVE_KINDS = "kind IN ('moved', 'won')"
STATUS_KINDS = "kind IN ('moved', 'won', 'lost', 'paused', 'resumed', 'undo')"
# Customer touches (models.TOUCH_KINDS), spelt as the activities_touches index spells them.
TOUCHES_SQL = "kind IN ('call', 'email', 'meeting', 'note')"


@dataclass(frozen=True, slots=True)
class HistorySql:
    """What an activity's `changes` JSON says about a move and a status change, in SQL.

    Each engine's history indexes (schema migration v2) repeat these texts exactly: an
    indexed expression is read from the index only when the query spells it the same way
    (tests/store/test_store_stats.py holds the two together).
    """

    move_from: str
    move_to: str
    move_days: str
    status_from: str
    status_to: str
    live_moves: str  # moves not undone, of deals not deleted (deleted ids bound as JSON)

    @property
    def status_changes(self) -> str:
        """Activities that changed a deal's status."""
        return f"{STATUS_KINDS} AND {self.status_from} IS NOT NULL"


def history_indexes(history: HistorySql) -> tuple[str, str]:
    """The CREATE INDEX statements the history queries are read through (frozen, per
    engine, in schema migration v2; a test compares the two)."""
    return (
        f"CREATE INDEX IF NOT EXISTS activities_moves ON activities"
        f" ({history.move_from}, {history.move_to}, {history.move_days}, deal_id)"
        f" WHERE {MOVE_KINDS}",
        f"CREATE INDEX IF NOT EXISTS activities_status ON activities"
        f" (at, {history.status_from}, {history.status_to}, deal_id)"
        f" WHERE {history.status_changes}",
    )


def history_sql(dialect: Dialect) -> HistorySql:
    """The history expressions in one engine's SQL (or the columns that hold them)."""
    item, epoch = dialect.json_item, dialect.epoch
    if dialect.history_columns:
        return HistorySql(
            move_from="move_from", move_to="move_to", move_days="move_days",
            status_from="status_from", status_to="status_to",
            live_moves=(f"{MOVE_KINDS} AND id NOT IN (SELECT undoes FROM activities"
                        f" WHERE undoes IS NOT NULL) AND deal_id NOT IN ({dialect.id_list})"))
    return HistorySql(
        move_from=item("changes", "stage", 0),
        move_to=item("changes", "stage", 1),
        move_days=f"({epoch('at')} - {epoch(item('changes', 'stage_entered_at', 0))}) / 86400",
        status_from=item("changes", "status", 0),
        status_to=item("changes", "status", 1),
        # Moves that were undone never happened, and deleted deals were mistakes.
        live_moves=(f"{MOVE_KINDS} AND id NOT IN (SELECT undoes FROM activities"
                    f" WHERE undoes IS NOT NULL) AND deal_id NOT IN ({dialect.id_list})"),
    )


def gather_stats(store: PipelineQueries, *, today: date,
                 scope: StatsScope = WHOLE_PIPELINE) -> StatsInputs:
    """Everything the statistics need, read in one consistent snapshot of the file;
    `scope` narrows them to an owner or a source and sets the period of closed deals."""
    scope = replace(resolve_scope(scope, today), pipeline=store.pipeline_label())
    inputs = _read_stats(store, today=today, scope=scope)
    # Outside the snapshot: a past month rebuilt for the first time is kept (a write).
    return replace(inputs, past_forecasts=past_forecasts(
        store, inputs.stages, past_months(today), owner=scope.owner, source=scope.source))


def _read_stats(store: PipelineQueries, *, today: date, scope: StatsScope) -> StatsInputs:
    history = history_sql(store.engine.dialect)
    # The pipeline in view narrows every query as an owner does (nothing to narrow when
    # every pipeline is in view, or the file has only one).
    narrow = _Narrow(scope, store.pipeline if store.in_pipeline() else None)
    days = trend_days(today)
    ends = [_day_end(day) for day in days]
    found = store.companion()
    side = found if isinstance(found, PipelineQueries) else None
    with _twin_snapshot(store, side) as joined:
        stages = tuple(store.reported_stages())

        def from_history(reader: PipelineQueries) -> _FromHistory:
            lost_days, deleted = _lost_and_deleted(reader, narrow)
            moves = _moves(reader, history, deleted, narrow)
            stage_days = _stage_days(moves, lost_days)
            return _FromHistory(
                deleted, moves, stage_days, _closed(reader, scope, narrow),
                _shifts(reader, history, ends, narrow),
                _aged(reader, stages, stage_days, today, narrow),
                _touches(reader, today, narrow), _won_this_quarter(reader, today, narrow))

        # The history's queries on the companion, in a thread of their own, while this one
        # sums the open deals: SQLite runs a query without Python's lock, so the two run
        # on two cores (~0.2 s of the ~0.4 s at 100,000 deals). Otherwise one after the
        # other, as before.
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="stats-history") as pool:
            later = pool.submit(from_history, side) if joined and side is not None else None
            totals = _totals(store, stages, today, narrow)
            groups = _groups(store, stages, today, days, ends,
                             sorted({t.currency for t in totals}), narrow)
            past = later.result() if later is not None else from_history(store)
        return StatsInputs(
            today=today, stages=stages, home_currency=store.home_currency(),
            rates=store.exchange_rates(), totals=totals, groups=groups, closed=past.closed,
            stage_days=past.stage_days,
            reach=_reach(store, history, stages, totals, past.moves, past.deleted, narrow),
            shifts=past.shifts, scope=scope, aged=past.aged, touches=past.touches,
            lost_reasons=tuple(store.lost_reasons()),
            targets=tuple(store.targets()),
            won_this_quarter=past.won_this_quarter,
        )


@dataclass(frozen=True, slots=True)
class _FromHistory:
    """What the statistics read from closed deals and the activity log."""

    deleted: str
    moves: _Moves
    stage_days: tuple[StageDays, ...]
    closed: tuple[ClosedSum, ...]
    shifts: tuple[StatusShift, ...]
    aged: tuple[Aged, ...]
    touches: tuple[Touches, ...]
    won_this_quarter: tuple[tuple[str, str, int, int], ...]


class _Narrow:
    """The scope's owner and source, and the pipeline in view, as SQL conditions on the
    deals."""

    def __init__(self, scope: StatsScope, pipeline: str | None = None) -> None:
        self.scope = scope
        self.fields = [(column, value) for column, value
                       in (("owner", scope.owner), ("source", scope.source),
                           ("pipeline", pipeline)) if value is not None]

    def named(self, params: dict[str, Any], alias: str = "") -> str:
        """' AND owner = :n_owner ...' (empty when the whole pipeline is shown)."""
        sql = ""
        for column, value in self.fields:
            params[f"n_{column}"] = value
            sql += f" AND {alias}{column} = :n_{column}"
        return sql

    def deal_ids(self) -> tuple[str, list[Any]]:
        """' AND deal_id IN (deals in scope)' with its positional parameters, for the log."""
        if not self.fields:
            return "", []
        where = " AND ".join(f"{column} = ?" for column, _ in self.fields)
        return (f" AND deal_id IN (SELECT id FROM deals WHERE {where})",
                [value for _, value in self.fields])


@contextmanager
def _snapshot(store: PipelineQueries) -> Iterator[None]:
    """One read transaction, so a save from another terminal cannot land between queries."""
    # The store's own lock: its connection is shared with the board's worker threads.
    with store.lock, store.engine.snapshot(store.conn):
        yield


@contextmanager
def _twin_snapshot(store: PipelineQueries, side: PipelineQueries | None) -> Iterator[bool]:
    """_snapshot on `store` and, when the engine can prove it sees the same commits, on
    `side` too: yields whether `side` may be read from."""
    if side is None:
        with _snapshot(store):
            yield False
        return
    # Only `store`'s lock: the companion is read under it alone, by the thread it is
    # handed to (which takes the companion's own lock query by query).
    with store.lock, store.engine.twin_snapshot(store.conn, side.conn) as joined:
        yield joined


def _day_start(day: date) -> str:
    """The stored stamp of local midnight at the start of `day`."""
    return stamp(datetime.combine(day, time()).astimezone())


def _day_end(day: date) -> str:
    """The stored stamp of local midnight at the end of `day`."""
    return _day_start(day + timedelta(days=1))


def _probability(stages: Sequence[Stage], params: dict[str, Any]) -> str:
    """SQL for a row's win probability: its own, else its stage's (bound as :p_stageN /
    :p_probN), as rules.win_probability."""
    whens = []
    for i, stage in enumerate(stages):
        params[f"p_stage{i}"], params[f"p_prob{i}"] = stage.key, stage.probability
        whens.append(f"WHEN :p_stage{i} THEN :p_prob{i}")
    at_stage = f"CASE stage {' '.join(whens)} ELSE 0 END" if whens else "0"
    return f"coalesce(probability, {at_stage})"


# Forecast categories in the order of their codes in the packed key.
_CATEGORIES = tuple(ForecastCategory)


def _category(stages: Sequence[Stage], params: dict[str, Any]) -> str:
    """SQL for the code of a row's forecast category: its own, else its stage's default
    (rules.forecast_category)."""
    codes = {category: i for i, category in enumerate(_CATEGORIES)}
    own = " ".join(f"WHEN '{c.value}' THEN {i}" for c, i in codes.items())
    whens = []
    for i, stage in enumerate(stages):
        params[f"c_stage{i}"] = stage.key
        whens.append(f"WHEN :c_stage{i} THEN {codes[stage_category(stage)]}")
    at_stage = f"CASE stage {' '.join(whens)} ELSE 0 END" if whens else "0"
    return (f"CASE WHEN forecast_category IS NULL THEN {at_stage}"
            f" ELSE CASE forecast_category {own} ELSE 0 END END")


def _totals(store: PipelineQueries, stages: Sequence[Stage], today: date,
            narrow: _Narrow) -> tuple[StatusSum, ...]:
    params: dict[str, Any] = {"today": today.isoformat()}
    where = narrow.named(params)
    weighted = f"sum((value * {_probability(stages, params)} + 50) / 100)"
    # Weighted per deal, as rules.weighted_value does. Answered from the deals_status index
    # alone, already in group order (grouping by `value IS NULL` too would sort: 3x slower).
    rows = store.rows(
        f"SELECT status, stage, currency, count(*), count(value), sum(value), {weighted}"
        f" FROM deals WHERE deleted_at IS NULL{where} GROUP BY status, stage, currency",
        params)
    sums = {(status, stage, currency): [deals, valued, value, weight]
            for status, stage, currency, deals, valued, value, weight in rows}
    # Paused deals whose resume date has come are open (OPEN_SQL), from deals_paused.
    for stage, currency, deals, valued, value, weight in store.rows(
            f"SELECT stage, currency, count(*), count(value), sum(value), {weighted}"
            f" FROM deals WHERE status = 'paused' AND paused_until <= :today"
            f" AND deleted_at IS NULL{where} GROUP BY stage, currency", params):
        paused = sums[DealStatus.PAUSED.value, stage, currency]
        now_open = sums.setdefault((DealStatus.OPEN.value, stage, currency), [0, 0, 0, 0])
        for i, amount in enumerate((deals, valued, value, weight)):
            # sum() is NULL for a group of deals without a value: nothing to move there.
            paused[i] = (paused[i] or 0) - (amount or 0)
            now_open[i] = (now_open[i] or 0) + (amount or 0)
    return tuple(StatusSum(DealStatus(status), stage, currency, deals, value, weighted)
                 for (status, stage, currency), (every, valued, value, weight) in sums.items()
                 if every
                 for deals, value, weighted in _apart(every, valued, value, weight))


def _apart(every: int, valued: int, *sums: Any) -> list[tuple[Any, ...]]:
    """A group's (deals, sums...) with its deals without a value apart, as (count, None...):
    in no sum and no average, counted by domain.money.total."""
    parts = [(valued, *sums)] if valued else []
    if every > valued:
        parts.append((every - valued, *(None for _ in sums)))
    return parts


class _PackedKey:
    """Small codes packed into one integer to group by."""

    # SQLite groups by sorting, and each text column in the sort key costs about 25 ms more
    # at 100,000 deals; one integer in their place costs almost nothing.

    def __init__(self, params: dict[str, Any]) -> None:
        self.params = params
        self._parts: list[tuple[str, int, bool, str | None]] = []

    def code(self, column: str, values: Sequence[str], when_open: str | None = None) -> None:
        """Code a text column by its index in `values` (anything else gets len(values));
        an open deal (OPEN_SQL) gets the code of `when_open` when given."""
        whens = []
        for i, value in enumerate(values):
            self.params[f"{column}{i}"] = value
            whens.append(f"WHEN :{column}{i} THEN {i}")
        self.add(f"CASE {column} {' '.join(whens)} ELSE {len(values)} END" if whens else "0",
                 len(values) + 1,
                 when_open=None if when_open is None else str(values.index(when_open)))

    def add(self, sql: str, size: int, *, open_only: bool = False,
            when_open: str | None = None) -> None:
        """Add a code computed by `sql`, from 0 to size - 1 (0 for any deal not open;
        `when_open` instead of `sql` for an open one)."""
        self._parts.append((sql, size, open_only, when_open))

    def sql(self) -> str:
        """The packed key as an SQL expression."""
        def packed(open_deal: bool) -> str:
            key = "0"
            for sql, size, open_only, when_open in self._parts:
                code = (when_open if open_deal and when_open is not None
                        else sql if open_deal or not open_only else 0)
                key = f"({key}) * {size} + ({code})"
            return key

        # The open-only codes in a branch of their own: one test of the status per deal
        # instead of one per code (~10 ms less at 100,000 deals).
        return f"CASE WHEN {OPEN_SQL} THEN {packed(True)} ELSE {packed(False)} END"

    def unpacked(self, column: str) -> list[str]:
        """SQL for each code of the packed key in `column`, in the order they were added."""
        codes, divisor = [], 1
        for _, size, _, _ in reversed(self._parts):
            codes.append(f"{column} / {divisor} % {size}")
            divisor *= size
        return codes[::-1]


_STATUSES = [status.value for status in DealStatus]


def _groups(store: PipelineQueries, stages: Sequence[Stage], today: date,
            days: Sequence[date], ends: Sequence[str], currencies: Sequence[str],
            narrow: _Narrow) -> tuple[DealGroup, ...]:
    """Every deal in one pass: by status, currency, source, owner, close month and trend
    point."""
    months = forecast_months(today, FORECAST_MONTHS + 1)
    params: dict[str, Any] = {"today": today.isoformat()}
    key = _PackedKey(params)
    key.code("status", _STATUSES, when_open=DealStatus.OPEN.value)
    key.code("currency", currencies)
    # Owners as a code too: a text column more in the sort key costs ~25 ms per 100,000.
    # From the deals_owner index alone.
    owners = [owner for owner, in store.rows("SELECT DISTINCT owner FROM deals ORDER BY 1")]
    key.code("owner", owners)
    # 0: no date (or not open); 1 to FORECAST_MONTHS: the month (a passed date in the
    # first); FORECAST_MONTHS + 1: later.
    whens = []
    for i in range(FORECAST_MONTHS, 0, -1):
        params[f"month{i}"] = months[i].isoformat()
        whens.append(f"WHEN expected_close >= :month{i} THEN {i + 1}")
    key.add(f"CASE WHEN expected_close IS NULL THEN 0 {' '.join(whens)} ELSE 1 END",
            FORECAST_MONTHS + 2, open_only=True)
    # A resumed deal is in the open pipeline again from its resume day (its pause is a
    # status shift that the trend replays).
    for k, day in enumerate(days):
        params[f"day{k}"] = day.isoformat()
    resumed = " ".join(f"WHEN paused_until <= :day{k} THEN {k}" for k in range(len(days)))
    key.add(f"CASE WHEN status = 'paused' THEN CASE {resumed} ELSE {len(days)} END"
            f" ELSE {_point('created_at', ends, params)} END", len(ends) + 1, open_only=True)
    key.add(_category(stages, params), len(_CATEGORIES), open_only=True)
    # The flags of an open deal as bits: one sum fewer each.
    flags = _open_flags(stages, today, params)
    # A test on a missing date is NULL, which counts as not raised.
    key.add(" + ".join(f"{1 << bit} * (CASE WHEN {flag} THEN 1 ELSE 0 END)"
                       for bit, flag in enumerate(flags)),
            1 << len(flags), open_only=True)
    # The open and paused deals: a full scan, as the partial indexes match `deleted_at IS
    # NULL` but lack these columns, and reaching every row through one of them is several
    # times slower. LIMIT -1 keeps the inner query apart, so each expression is computed
    # once per deal. Sources are free text, so they stay a column of their own. The won and
    # lost deals (three in five) are summed apart, in _closed_groups.
    dialect = store.engine.dialect
    weighted = f"(value * {_probability(stages, params)} + 50) / 100"
    by_key = (
        f"SELECT key, source, count(*) AS deals, sum(value) AS value,"
        f" sum(weighted) AS weighted FROM ("
        f" SELECT {key.sql()} AS key, source, value, {weighted} AS weighted"
        f" FROM deals {dialect.no_index} WHERE deleted_at IS NULL"
        f" AND status IN ('open', 'paused'){narrow.named(params)} {dialect.fence}) t"
        " GROUP BY key, source")
    # The flags then become counts, in SQL over the few thousand groups rather than a
    # Python loop unpacking each one (~10 ms less at 100,000 deals). The groups of the
    # other codes are the key without its flag bits, `k`.
    flag_values = 1 << len(flags)
    status, currency, owner, month, point, category, _ = key.unpacked("k")
    counts = ", ".join(f"sum(CASE WHEN (bits & {1 << bit}) <> 0 THEN deals ELSE 0 END)"
                       for bit in range(len(flags)))
    rows = store.rows(
        f"SELECT {status}, {currency}, source, {month}, {point}, sum(deals), sum(value),"
        f" sum(weighted), {counts}, {category}, {owner}"
        f" FROM (SELECT key / {flag_values} * {flag_values}"
        f" AS k, key % {flag_values} AS bits, source, deals, value, weighted"
        f" FROM ({by_key}) g) f GROUP BY k, source",
        params)
    # Month 0: no date (or not open); 1 to FORECAST_MONTHS: that month; more: later.
    names = [None, *(m.isoformat()[:7] for m in months[:FORECAST_MONTHS]), "later"]
    statuses = [DealStatus(status) for status in _STATUSES]
    groups = [
        DealGroup(statuses[row[0]], currencies[row[1]], row[2], row[5], row[6], row[7],
                  names[row[3]], row[4], row[8], row[9], row[10], row[11], row[12],  # flags
                  owners[row[-1]], _CATEGORIES[row[-2]] if row[0] == 0 else None)  # 0: open
        for row in rows]
    # In the order of the one pass over every deal this was, by status code (open, won,
    # lost, paused): the won and lost groups come in their index's order, which is their
    # codes' (currencies and owners sorted), status aside.
    closed = _closed_groups(store, weighted, params, narrow)
    paused = [i for i, group in enumerate(groups) if group.status is DealStatus.PAUSED]
    at = paused[0] if paused else len(groups)
    groups[at:at] = ([g for g in closed if g.status is DealStatus.WON]
                     + [g for g in closed if g.status is DealStatus.LOST])
    return tuple(groups)


def _closed_groups(store: PipelineQueries, weighted: str, params: dict[str, Any],
                   narrow: _Narrow) -> list[DealGroup]:
    """The won and lost deals by status, currency, owner and source: none of the open
    deals' groups apply to them."""
    # From the deals_grouped index alone (schema v8), already in group order: no sort.
    rows = store.rows(
        f"SELECT status, currency, owner, source, count(*), sum(value), sum({weighted})"
        f" FROM deals {store.engine.dialect.indexed_by('deals_grouped')}"
        f" WHERE status IN ('won', 'lost') AND deleted_at IS NULL{narrow.named(params)}"
        " GROUP BY status, currency, owner, source", params)
    return [DealGroup(DealStatus(status), currency, source, deals, value, weight, owner=owner)
            for status, currency, owner, source, deals, value, weight in rows]


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
        f"last_activity_at < CASE stage {' '.join(whens)} END" if whens else "FALSE",
        "next_action IS NULL",
        "next_action IS NOT NULL AND next_due < :today",
        f"stage IN ({', '.join(f':q_stage{i}' for i in range(len(needs)))})"
        " AND NOT (decision_maker = 1 AND need_confirmed = 1 AND timeline_confirmed = 1)"
        if needs else "FALSE",
    ]


def _closed(store: PipelineQueries, scope: StatsScope,
            narrow: _Narrow) -> tuple[ClosedSum, ...]:
    assert scope.since is not None and scope.until is not None  # resolve_scope set them
    params: dict[str, Any] = {"since": _day_start(scope.since), "until": _day_end(scope.until)}
    where = (" closed_at >= :since AND closed_at < :until AND deleted_at IS NULL"
             f"{narrow.named(params)}")
    # From the deals_closed_by index alone (schema v6), a range of it per status: it holds
    # the owner, a lost deal's reason and a won one's created_at too.
    dialect = store.engine.dialect
    closed = f"FROM deals {dialect.indexed_by('deals_closed_by')}"
    # Deals without a value come apart (_apart), in no sum and no average.
    rows = store.rows(
        f"SELECT status, currency, NULL, count(*), count(value), sum(value), owner, stage,"
        f" lost_reason {closed} WHERE status = 'lost' AND{where} GROUP BY 1, 2, 7, 8, 9",
        params)
    rows += store.rows(
        f"SELECT status, currency, ({dialect.epoch('closed_at')}"
        f" - {dialect.epoch('created_at')}) / 86400, count(*), count(value), sum(value),"
        f" owner, NULL, '' {closed} WHERE status = 'won' AND{where} GROUP BY 1, 2, 3, 7",
        params)
    return tuple(ClosedSum(DealStatus(status), currency, deals, value, cycle, owner, stage,
                           reason)
                 for status, currency, cycle, every, valued, value, owner, stage, reason in rows
                 for deals, value in _apart(every, valued, value))


def _won_this_quarter(store: PipelineQueries, today: date,
                      narrow: _Narrow) -> tuple[tuple[str, str, int, int], ...]:
    """(local month, currency, value, deals) of the deals with a value won since the
    quarter began: what the forecast call counts as won against the targets."""
    first = date(today.year, (today.month - 1) // 3 * 3 + 1, 1)
    months = [date(first.year, first.month + i, 1) for i in range(3)]
    params: dict[str, Any] = {"since": _day_start(first)}
    whens = []
    for i, month in enumerate(months[1:], 1):
        params[f"w_month{i}"] = _day_start(month)
        whens.append(f"WHEN closed_at >= :w_month{i} THEN {i}")
    whens.reverse()
    rows = store.rows(
        f"SELECT CASE {' '.join(whens)} ELSE 0 END, currency, sum(value), count(*) FROM deals"
        f" {store.engine.dialect.indexed_by('deals_closed')} WHERE status = 'won'"
        f" AND closed_at >= :since AND value IS NOT NULL AND deleted_at IS NULL"
        f"{narrow.named(params)} GROUP BY 1, 2", params)
    return tuple((months[i].isoformat()[:7], currency, int(value), int(deals))
                 for i, currency, value, deals in rows)


def _aged(store: PipelineQueries, stages: Sequence[Stage], visits: Sequence[StageDays],
          today: date, narrow: _Narrow) -> tuple[Aged, ...]:
    """Open deals per stage that sit well past its usual time, or are quiet past its
    stale limit (domain.stats.aged_after_days), and those slipping (store.slipping)."""
    dialect = store.engine.dialect
    rule = SlipRule(dialect, time_in_stage(visits, stages), today)
    params: dict[str, Any] = {"today": today.isoformat(), **rule.params}
    aged, slipping = rule.aged, rule.condition
    # A full scan: through an index, each open deal is a lookup (~4 times slower).
    rows = store.rows(
        f"SELECT stage, sum(CASE WHEN {aged} THEN 1 ELSE 0 END),"
        f" sum(CASE WHEN {slipping} THEN 1 ELSE 0 END) FROM deals {dialect.no_index}"
        f" WHERE {OPEN_SQL} AND deleted_at IS NULL{narrow.named(params)}"
        f" AND (({aged}) OR {slipping}) GROUP BY stage", params)
    return tuple(Aged(stage, deals, slips) for stage, deals, slips in rows)


def usual_times(store: PipelineQueries) -> list[StageTime]:
    """Each open stage's usual time over the whole pipeline's history (what the slipping
    rule of the board, the review and the stand-up measures against)."""
    narrow = _Narrow(WHOLE_PIPELINE)
    with _snapshot(store):
        lost_days, deleted = _lost_and_deleted(store, narrow)
        moves = _moves(store, history_sql(store.engine.dialect), deleted, narrow)
        return time_in_stage(_stage_days(moves, lost_days), store.stages())


def _touches(store: PipelineQueries, today: date, narrow: _Narrow) -> tuple[Touches, ...]:
    """Calls, emails, meetings and notes each person logged in the last TOUCH_DAYS days."""
    ids, params = narrow.deal_ids()
    # From the activities_touches index alone (schema v4), whose condition this repeats.
    rows = store.rows(
        f"SELECT actor, count(*) FROM activities"
        f" {store.engine.dialect.indexed_by('activities_touches')}"
        f" WHERE at >= ? AND {TOUCHES_SQL}{ids}"
        " GROUP BY actor", [_day_start(today - timedelta(days=TOUCH_DAYS - 1)), *params])
    return tuple(Touches(actor, count) for actor, count in rows)


def _lost_and_deleted(store: PipelineQueries,
                      narrow: _Narrow) -> tuple[tuple[StageDays, ...], str]:
    """Whole days lost deals spent in their last stage, and the deleted deals' ids (JSON)."""
    # Each from an index of its own (schema v8), no scan of the deals: the lost deals from
    # deals_grouped, which holds both stamps, the deleted ones from deals_deleted (one
    # scan for both took ~55 ms at 100,000 deals).
    dialect = store.engine.dialect
    params: dict[str, Any] = {}
    rows = store.rows(
        f"SELECT stage, ({dialect.epoch('closed_at')} - {dialect.epoch('stage_entered_at')})"
        f" / 86400, count(*) FROM deals {dialect.indexed_by('deals_grouped')}"
        " WHERE status = 'lost' AND closed_at IS NOT NULL AND deleted_at IS NULL"
        f"{narrow.named(params)} GROUP BY 1, 2", params)
    deleted = store.rows(
        f"SELECT id FROM deals {dialect.indexed_by('deals_deleted')}"
        " WHERE deleted_at IS NOT NULL ORDER BY id")
    return (tuple(StageDays(stage, days, visits) for stage, days, visits in rows),
            json.dumps([deal_id for deal_id, in deleted]))


_Moves = list[tuple[str | None, str | None, int | None, int]]


def _moves(store: PipelineQueries, history: HistorySql, deleted: str,
           narrow: _Narrow) -> _Moves:
    """Every live move as (from stage, to stage, whole days spent in the from stage, count)."""
    # All moves, from the activities_moves index alone, less the few that do not count,
    # found through their own indexes: testing each of 137,000 moves against the undone
    # and deleted lists cost ~13 ms more at 100,000 deals, even with both lists empty.
    every = (f"SELECT {history.move_from}, {history.move_to}, {history.move_days}, count(*)"
             " FROM activities")
    ids, params = narrow.deal_ids()
    counts = {(source, target, days): count for source, target, days, count
              in store.rows(f"{every} WHERE {MOVE_KINDS}{ids} GROUP BY 1, 2, 3", params)}
    for source, target, days, count in store.rows(
            f"{every} WHERE {MOVE_KINDS}{ids} AND (id IN (SELECT undoes FROM activities"
            f" WHERE undoes IS NOT NULL) OR deal_id IN ({store.engine.dialect.id_list}))"
            " GROUP BY 1, 2, 3", [*params, deleted]):
        counts[source, target, days] -= count
    return [(source, target, days, count) for (source, target, days), count in counts.items()
            if count]


def _stage_days(moves: _Moves, lost: tuple[StageDays, ...]) -> tuple[StageDays, ...]:
    """Completed stage visits: ended by a move out of the stage, or by losing the deal in it."""
    visits = [StageDays(source, days, count) for source, _, days, count in moves
              if source is not None and days is not None]
    return tuple(visits) + lost


def _reach(store: PipelineQueries, history: HistorySql, stages: Sequence[Stage],
           totals: Sequence[StatusSum], moves: _Moves, deleted: str,
           narrow: _Narrow) -> tuple[Reach, ...]:
    """Deals by the furthest stage they reached: where they are, unless they moved back."""
    counts: dict[tuple[str | None, DealStatus], int] = {}  # None: lost at an unknown stage
    for row in totals:
        counts[row.stage, row.status] = counts.get((row.stage, row.status), 0) + row.deals
    position = {s.key: s.position for s in stages}
    # A move into another pipeline is not a move back, whatever the stages' positions.
    pipeline = {s.key: s.pipeline for s in stages}
    back = [(source, target) for source, target, _, _ in moves
            if source in position and target in position and position[target] < position[source]
            and pipeline[source] == pipeline[target]]
    for stage, status, furthest in _moved_back(store, history, position, sorted(set(back)),
                                               deleted, narrow):
        if position.get(furthest, 0) > position.get(stage, 0):
            counts[stage, status] -= 1
            counts[furthest, status] = counts.get((furthest, status), 0) + 1
    return tuple(Reach(stage, status, deals) for (stage, status), deals in counts.items()
                 if deals)


def _moved_back(store: PipelineQueries, history: HistorySql, position: dict[str, int],
                pairs: Sequence[tuple[str, str]], deleted: str, narrow: _Narrow
                ) -> list[tuple[str, DealStatus, str]]:
    """(stage now, status, furthest stage moved back from) of each deal that moved back."""
    if not pairs:
        return []
    furthest: dict[int, str] = {}
    in_scope, params = narrow.deal_ids()
    # One search of the activities_moves index per pair: a row value IN (VALUES ...)
    # made SQLite scan every move in it (~35 ms at 100,000 deals, for a handful of rows).
    branch = (f"SELECT deal_id, {history.move_from} FROM activities WHERE {history.live_moves}"
              f" AND {history.move_from} = ? AND {history.move_to} = ?{in_scope}")
    rows = store.rows(" UNION ALL ".join(branch for _ in pairs),
                      [value for pair in pairs for value in (deleted, *pair, *params)])
    for deal_id, source in rows:
        if position[source] > position.get(furthest.get(deal_id, ""), 0):
            furthest[deal_id] = source
    ids = list(furthest)
    found = []
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        found += store.rows(
            f"SELECT id, stage, status FROM deals WHERE id IN ({', '.join('?' for _ in chunk)})",
            chunk)
    return [(stage, DealStatus(status), furthest[deal_id]) for deal_id, stage, status in found]


def _point(column: str, ends: Sequence[str], params: dict[str, Any]) -> str:
    """SQL for the trend point on (or after) whose day the stamp in `column` falls."""
    for k, end in enumerate(ends):
        params[f"end{k}"] = end
    whens = " ".join(f"WHEN {column} < :end{k} THEN {k}" for k in range(len(ends)))
    return f"CASE {whens} ELSE {len(ends)} END"


def _shifts(store: PipelineQueries, history: HistorySql, ends: Sequence[str],
            narrow: _Narrow) -> tuple[StatusShift, ...]:
    """Deals entering or leaving the open pipeline after the first trend point, summed."""
    params: dict[str, Any] = {}
    created, changed = _point("d.created_at", ends, params), _point("c.at", ends, params)
    # Value that left the open pipeline after a point was in it then, and vice versa. Each
    # change's deal from the narrow deals_by_id index (schema v8), not its wide row.
    rows = store.rows(
        f"SELECT d.currency, {created}, {changed},"
        " sum(CASE WHEN c.became = 'open' THEN -d.value ELSE d.value END) FROM ("
        f" SELECT at, deal_id, {history.status_from} AS was, {history.status_to} AS became"
        f" FROM activities WHERE {history.status_changes} AND at >= :end0"
        f" {store.engine.dialect.fence}) c"
        f" JOIN deals d {store.engine.dialect.indexed_by('deals_by_id')} ON d.id = c.deal_id"
        " WHERE d.deleted_at IS NULL AND (c.was = 'open') != (c.became = 'open')"
        f"{narrow.named(params, 'd.')} GROUP BY 1, 2, 3", params)
    return tuple(StatusShift(*row) for row in rows if row[3])
