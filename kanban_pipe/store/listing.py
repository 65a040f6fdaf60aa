"""Deals streamed for `list`: the filters of list_deals and the board's search, in SQL.

Functions taking the store, as store.review does: one command's reads, and the queries
return StoredDeal rows a page at a time rather than a list of Deal objects.
"""

from __future__ import annotations

from collections.abc import Generator, Iterator, Mapping, Sequence
from contextlib import closing
from datetime import date, timedelta
from itertools import islice
from typing import Any

from kanban_pipe.domain.listing import StoredDeal
from kanban_pipe.domain.models import DealStatus, Stage
from kanban_pipe.domain.ordering import BoardFilter, CardOrder
from kanban_pipe.store.queries import _ORDER_SQL, PipelineQueries

# `list --sort`: the board's card orders over the whole list, plus stage order and id.
# The board's expressions name only deals columns that stages lacks, so they work on the
# join; "stage" is the board's columns left to right, then id: the default.
LIST_ORDERS: dict[str, str] = {
    "stage": "s.position IS NULL, s.position, d.id",  # a deal lost at an unknown stage last
    "urgency": _ORDER_SQL[CardOrder.URGENCY],
    "value": _ORDER_SQL[CardOrder.VALUE],
    "close": _ORDER_SQL[CardOrder.CLOSE_DATE],
    "days": _ORDER_SQL[CardOrder.DAYS_IN_STAGE],
    "id": "d.id",
}

# The columns of a StoredDeal, in its order (its field names are the column names).
STORED_DEAL_COLUMNS = ", ".join(f"d.{name}" for name in StoredDeal._fields)
PAGE = 500  # deals read by id at a time


def listed_deals(
    store: PipelineQueries,
    *,
    today: date,
    stage: str | None = None,
    owner: str | None = None,
    statuses: Sequence[DealStatus] | None = (DealStatus.OPEN,),
    search: str = "",
    stale: bool = False,
    unqualified: bool = False,
    order: str = "stage",
    limit: int | None = None,
) -> Generator[StoredDeal, None, None]:
    """Deals as list_deals picks them, plus the board's `/` search, streamed (see
    PipelineQueries.stream_rows: read it to the end or close it).

    `order` is a LIST_ORDERS key. With `stale` only open deals that may be stale are
    read: quiet since before the UTC day after `today - stale_after_days`, a day's
    margin around rules.is_stale's local calendar days, which the caller applies
    exactly (so `limit` is then the caller's to apply too).
    """
    # `unqualified`: as the board's `/is:unqualified`, the deals to move back or pause.
    qualifying = (tuple(s.key for s in store.stages() if s.requires_qualification)
                  if unqualified else None)
    extra, params = store._filter_sql(stage, BoardFilter(search, owner, qualifying), today)
    where = ["d.deleted_at IS NULL" + store.in_pipeline("d.pipeline")]
    if statuses:
        names = [f"status{i}" for i in range(len(statuses))]
        listed = f"d.status IN ({', '.join(f':{name}' for name in names)})"
        if DealStatus.OPEN in statuses:
            # One rule for open, as the board and the statistics count it: a paused deal
            # whose resume date has come is open again.
            listed = f"({listed} OR (d.status = 'paused' AND d.paused_until <= :today))"
        where.append(listed)
        params.update(zip(names, (status.value for status in statuses), strict=True))
    if stale:
        where.append(_stale_sql(store.stages(), today, params))
    # LEFT JOIN: a deal lost at an unknown stage (stage NULL) is listed too.
    by_id = store.engine.dialect.sorts_ids_first
    sql = (f"SELECT {'d.id' if by_id else STORED_DEAL_COLUMNS} FROM deals d"
           f" LEFT JOIN stages s ON s.key = d.stage"
           f" WHERE {' AND '.join(where)}{extra} ORDER BY {LIST_ORDERS[order]}")
    if limit is not None:
        sql += " LIMIT :limit"
        params["limit"] = limit
    if not by_id:  # the server sorts whole rows well and streams them from a cursor
        with closing(store.stream_rows(sql, params)) as rows:
            yield from map(StoredDeal._make, rows)
        return
    for deal, _row in stored_deals_in_order(store, sql, params):
        yield deal


def stored_deals_in_order(store: PipelineQueries, sql: str, params: Mapping[str, Any]
                          ) -> Iterator[tuple[StoredDeal, tuple[Any, ...]]]:
    """The deals whose ids `sql` selects (first column), in its order, with its row.

    SQLite sorts whole rows: ordering 75,000 deals with every column costs ~0.2 s more
    than ordering their ids and reading the rows by id, a page at a time.
    """
    with closing(store.stream_rows(sql, params)) as rows:
        while page := list(islice(rows, PAGE)):
            ids = [row[0] for row in page]
            found = {deal[0]: deal for deal in store.rows(
                f"SELECT {STORED_DEAL_COLUMNS} FROM deals d"
                f" WHERE d.id IN ({', '.join('?' for _ in ids)})", ids)}
            for row in page:
                yield StoredDeal._make(found[row[0]]), row


def _stale_sql(stages: Sequence[Stage], today: date, params: dict[str, Any]) -> str:
    """Open deals quiet since before their stage's bound (stages that allow staleness)."""
    whens = []
    for i, stage in enumerate(s for s in stages if s.stale_after_days > 0 and not s.is_won):
        params[f"stale_stage{i}"] = stage.key
        params[f"stale_before{i}"] = (
            today + timedelta(days=1 - stage.stale_after_days)).isoformat()
        whens.append(f"WHEN :stale_stage{i} THEN :stale_before{i}")
    if not whens:
        return "1 = 0"
    return ("(d.status = 'open' OR (d.status = 'paused' AND d.paused_until <= :today))"
            f" AND d.last_activity_at < CASE d.stage {' '.join(whens)} END")
