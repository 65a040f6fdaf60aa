"""Past months' forecasts rebuilt from the activity log: what the weighted forecast, the best
case and the commit said at each month's first moment, beside what was won in the month.

A deal's fields at a moment are its fields now with every later change taken back: each
activity's `changes` holds the [before, after] of what it changed, so walking a deal's
entries from the newest back to the moment restores stage, status, value, currency,
expected close, forecast category and own probability as they were then.

A past month's forecast cannot change any more (the log only grows after it), but
rebuilding it reads every change since (about 2 s for six months at 100,000 deals). So
each month is rebuilt once, for every owner and source, and kept in `forecast_snapshots`
(schema 5); a read-only store rebuilds what is missing once for as long as it is open.
An import, which may bring history from before, drops them (see forget_forecasts).
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence
from datetime import date, datetime, time
from typing import Any
from weakref import WeakKeyDictionary

from kanban_pipe.domain.errors import KanbanPipeError
from kanban_pipe.domain.models import ForecastCategory, Stage
from kanban_pipe.domain.rules import stage_category
from kanban_pipe.domain.stats_inputs import PastForecastSum
from kanban_pipe.store.queries import PipelineQueries
from kanban_pipe.store.rows import stamp

# The entries that change what a forecast reads (stage, status; the rest only by an edit or
# an undo, whose changes are read whole). Touches and next steps change none of it.
_STATE_KINDS = "kind IN ('moved', 'won', 'lost', 'paused', 'resumed', 'edited', 'undo')"
# The deals fields a forecast reads, in the order the rebuild keeps them.
_FIELDS = ("stage", "status", "value", "currency", "expected_close", "forecast_category",
           "probability")
_COMMIT, _BEST = ForecastCategory.COMMIT.value, ForecastCategory.BEST_CASE.value
_SNAPSHOT_COLUMNS = ("month", "pipeline", "owner", "source", "currency", "weighted",
                     "commit_value", "best_case", "committed_won", "forecast_deals")
# The months whose snapshots are complete (a JSON list in settings): a month may have none.
SNAPSHOT_MONTHS_KEY = "forecast_snapshot_months"

Snapshot = tuple[str, str, str, str, str, int, int, int, int, int]  # as _SNAPSHOT_COLUMNS
# What a store that cannot keep its rebuilt months (read-only: a wall screen's board, a
# file opened --read-only) rebuilt, for as long as the store lives, so a second `f` or
# `r` is as quick as on a store that keeps them.
_REBUILT: WeakKeyDictionary[PipelineQueries, dict[str, list[Snapshot]]] = WeakKeyDictionary()


def month_start(day: date) -> str:
    """The stored stamp of local midnight on the first day of `day`'s month."""
    return stamp(datetime.combine(date(day.year, day.month, 1), time()).astimezone())


def _next_month(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


def past_forecasts(store: PipelineQueries, stages: Sequence[Stage], months: Sequence[date],
                   *, owner: str | None = None, source: str | None = None
                   ) -> tuple[PastForecastSum, ...]:
    """Per past month (first days, oldest first) and currency: the forecast at the month's
    first moment and what was won in it, for one owner and/or source or everyone, in the
    pipeline in view (each deal counted in the pipeline it is in now)."""
    if not months:
        return ()
    kept, done = _read_snapshots(store, months)
    # Months this store rebuilt already but could not keep (read-only, or busy).
    remembered = _REBUILT.setdefault(store, {})
    for first in months:
        name = first.isoformat()[:7]
        if name not in done and name in remembered:
            kept += remembered[name]
            done = done | {name}
    missing = [month for month in months if month.isoformat()[:7] not in done]
    if missing:
        # Rebuilt for every pipeline at once, so every stage's probability is needed.
        made = rebuild_forecasts(store, store.all_stages(), missing)
        kept += made
        if not _save_snapshots(store, made, missing, done):
            for first in missing:
                name = first.isoformat()[:7]
                remembered[name] = [row for row in made if row[0] == name]
    won = _won(store, months, owner, source)
    pipeline = store.pipeline
    sums: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0] * 7)
    for month, row_pipeline, row_owner, row_source, currency, *figures in kept:
        if ((owner is None or row_owner == owner) and (source is None or row_source == source)
                and (pipeline is None or row_pipeline == pipeline)):
            line = sums[month, currency]
            for i, figure in enumerate(figures):
                line[i] += figure
    for (month, currency), (deals, value) in won.items():
        line = sums[month, currency]
        line[5] += value
        line[6] += deals
    return tuple(PastForecastSum(month, currency, weighted, commit, best, won_value,
                                 committed, forecast_deals, won_deals)
                 for (month, currency), (weighted, commit, best, committed, forecast_deals,
                                         won_value, won_deals) in sorted(sums.items()))


def _read_snapshots(store: PipelineQueries, months: Sequence[date]
                    ) -> tuple[list[Snapshot], set[str]]:
    row = store.rows("SELECT value FROM settings WHERE key = ?", [SNAPSHOT_MONTHS_KEY])
    done = set(json.loads(row[0][0])) if row else set()
    wanted = [m.isoformat()[:7] for m in months if m.isoformat()[:7] in done]
    if not wanted:
        return [], done
    rows = store.rows(
        f"SELECT {', '.join(_SNAPSHOT_COLUMNS)} FROM forecast_snapshots"
        f" WHERE month IN ({', '.join('?' for _ in wanted)})", wanted)
    return [tuple(r) for r in rows], done


def _save_snapshots(store: PipelineQueries, made: list[Snapshot], months: Sequence[date],
                    done: set[str]) -> bool:
    """Keep rebuilt months for next time, when this store may write (True if kept)."""
    if store.read_only:
        return False
    names = [m.isoformat()[:7] for m in months]
    marks = json.dumps(sorted(done | set(names)))

    def work() -> None:
        conn = store.conn
        conn.executemany("DELETE FROM forecast_snapshots WHERE month = ?",
                         [(name,) for name in names])
        conn.executemany(
            f"INSERT INTO forecast_snapshots ({', '.join(_SNAPSHOT_COLUMNS)})"
            f" VALUES ({', '.join('?' for _ in _SNAPSHOT_COLUMNS)})", made)
        conn.execute("INSERT INTO settings (key, value) VALUES (?, ?)"
                     " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                     (SNAPSHOT_MONTHS_KEY, marks))

    try:
        store.write(work)
    except KanbanPipeError:
        return False  # busy or not writable: the figures stand; remembered in this process
    return True


def forget_forecasts(conn: Any) -> None:
    """Drop the kept past forecasts (inside the caller's transaction): an import may have
    brought history from before, so they are rebuilt when next asked for."""
    conn.execute("DELETE FROM forecast_snapshots")
    conn.execute("DELETE FROM settings WHERE key = ?", (SNAPSHOT_MONTHS_KEY,))


def _won(store: PipelineQueries, months: Sequence[date], owner: str | None,
         source: str | None) -> dict[tuple[str, str], tuple[int, int]]:
    """(month, currency) -> (deals won, their value) in each past month."""
    params: dict[str, Any] = {"since": month_start(months[0]),
                              "until": month_start(_next_month(months[-1]))}
    whens = []
    for i, month in enumerate(months[1:], 1):
        params[f"m{i}"] = month_start(month)
        whens.append(f"WHEN closed_at >= :m{i} THEN {i}")
    whens.reverse()
    where = ""
    if owner is not None:
        params["owner"] = owner
        where += " AND owner = :owner"
    if source is not None:
        params["source"] = source
        where += " AND source = :source"
    where += store.in_pipeline()
    bucket = f"CASE {' '.join(whens)} ELSE 0 END" if whens else "0"
    rows = store.rows(
        f"SELECT {bucket}, currency, count(value), coalesce(sum(value), 0) FROM deals"
        f" WHERE status = 'won' AND closed_at >= :since AND closed_at < :until"
        f" AND deleted_at IS NULL{where} GROUP BY 1, 2", params)
    return {(months[k].isoformat()[:7], currency): (int(deals), int(value))
            for k, currency, deals, value in rows}


def rebuild_forecasts(store: PipelineQueries, stages: Sequence[Stage],
                      months: Sequence[date]) -> list[Snapshot]:
    """Each month's forecast at its first moment, per owner, source and currency: open deals
    expected to close by the month's end (a passed date included, as the forecast counts
    them), weighted, in commit and in best case; and of the commit, what was won in it."""
    starts = [month_start(month) for month in months]
    ends = [month_start(_next_month(month)) for month in months]
    month_ends = [_next_month(month).isoformat() for month in months]
    bound: dict[str, Any] = {"t_min": min(starts), "t_end": max(ends)}
    chosen = ("deleted_at IS NULL AND created_at < :t_end"
              " AND (closed_at IS NULL OR closed_at >= :t_min)")
    deals = store.rows(
        f"SELECT id, {', '.join(_FIELDS)}, pipeline, owner, source, created_at, closed_at"
        f" FROM deals"
        f" WHERE {chosen}", bound)
    history = _history(store, chosen, bound)
    probability = {s.key: s.probability for s in stages}
    category = {s.key: stage_category(s).value for s in stages}
    order = sorted(range(len(months)), key=lambda k: starts[k], reverse=True)
    # (month index, pipeline, owner, source, currency) -> weighted, commit, best case,
    # committed and won, deals forecast.
    sums: dict[tuple[int, str, str, str, str], list[int]] = defaultdict(lambda: [0] * 5)
    for deal_id, *fields, pipeline, owner, source, created, closed in deals:
        state = dict(zip(_FIELDS, fields, strict=True))
        won_at = closed if state["status"] == "won" else None
        entries = history.get(deal_id, ())
        position = 0
        for k in order:  # newest month first: the changes are taken back in order
            if created >= starts[k]:
                continue
            while position < len(entries) and entries[position][0] >= starts[k]:
                state.update(entries[position][1])
                position += 1
            close = state["expected_close"]
            if state["status"] != "open" or close is None or close >= month_ends[k]:
                continue
            line = sums[k, pipeline, owner, source, state["currency"]]
            line[4] += 1
            value = state["value"]
            if value is None:
                continue
            stage, odds = state["stage"], state["probability"]
            line[0] += (value * (probability.get(stage, 0) if odds is None else odds) + 50) // 100
            call = state["forecast_category"] or category.get(stage)
            if call == _COMMIT:
                line[1] += value
                if won_at is not None and starts[k] <= won_at < ends[k]:
                    line[3] += value
            if call in (_COMMIT, _BEST):
                line[2] += value
    return [(months[k].isoformat()[:7], pipeline, owner, source, currency,  # type: ignore[misc]
             *figures)
            for (k, pipeline, owner, source, currency), figures in sorted(sums.items())]


def _history(store: PipelineQueries, chosen: str, params: dict[str, Any]
             ) -> dict[int, list[tuple[str, dict[str, Any]]]]:
    """Each chosen deal's changes since :t_min that a forecast reads, newest first, as
    (at, the fields' values before the change)."""
    item = store.engine.dialect.json_item
    rows = store.rows(
        f"SELECT deal_id, at, {item('changes', 'stage', 0)}, {item('changes', 'status', 0)},"
        f" CASE WHEN kind IN ('edited', 'undo') THEN changes END FROM activities"
        f" WHERE at >= :t_min AND {_STATE_KINDS} AND changes IS NOT NULL"
        f" AND deal_id IN (SELECT id FROM deals WHERE {chosen})"
        f" ORDER BY deal_id, id DESC", params)
    history: dict[int, list[tuple[str, dict[str, Any]]]] = defaultdict(list)
    for deal_id, at, stage, status, changes in rows:
        before: dict[str, Any] = {}
        if changes is not None:
            # An edit or an undo: any field may have changed; [before, after] each.
            for name, (old, _new) in json.loads(changes).items():
                if name in _FIELDS:
                    before[name] = old
        else:
            if stage is not None:
                before["stage"] = stage
            if status is not None:
                before["status"] = status
        if before:
            history[deal_id].append((at, before))
    return history
