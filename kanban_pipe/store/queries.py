"""Read side: stages, deals, history and the indexed queries the board is drawn from."""

from __future__ import annotations

import json
from collections.abc import Generator, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from kanban_pipe.domain.models import (
    DEFAULT_LOST_REASONS,
    Activity,
    Deal,
    DealStatus,
    Pipeline,
    Stage,
    Target,
)
from kanban_pipe.domain.ordering import BoardFilter, CardFacts, CardOrder, SortKey, sort_key
from kanban_pipe.domain.pipelines import ALL_PIPELINES, find_pipeline
from kanban_pipe.domain.rules import WON_SHOWN_DAYS, local_date
from kanban_pipe.domain.stages import validate_stage_key
from kanban_pipe.store.base import StoreCore
from kanban_pipe.store.rows import (
    ACTIVITY_COLUMNS,
    DEAL_COLUMNS,
    FACT_COLUMNS,
    STAGE_COLUMNS,
    activity_from_row,
    deal_from_row,
    stage_from_row,
)

NO_FILTER = BoardFilter()

# What a card's place in a column depends on (kanban_pipe.domain.ordering.CardFacts).
_FACTS = ("id, next_action IS NOT NULL, next_due, value, expected_close, stage_entered_at,"
          " position")

# A deal is on the board when it is open, paused with its resume date come, or won in
# the last WON_SHOWN_DAYS days. Each part is its own indexed query, joined by UNION ALL:
# an OR across them would make SQLite scan every deal.
_BOARD_PARTS = (
    "status = 'open'",
    "status = 'paused' AND paused_until <= :today",
    "status = 'won' AND closed_at >= :cutoff",
)

# The open deals of a column in urgency order, slice by slice (see _urgency_page).
_URGENCY_SLICES = (
    ("next_action IS NOT NULL AND next_due < :today", "next_due, id"),
    # Both halves walk the index: "next_action IS NULL" alone would read every row.
    ("next_due IS NULL AND next_action IS NULL", "id"),
    ("next_due IS NOT NULL AND next_action IS NULL", "id"),
    ("next_action IS NOT NULL AND next_due = :today", "id"),
    ("next_action IS NOT NULL AND next_due > :today", "next_due, id"),
    ("next_action IS NOT NULL AND next_due IS NULL", "id"),
)

# SQL twins of kanban_pipe.domain.ordering.sort_key, for the first page of a column
# (a test checks that both orders agree). :today is bound by name.
_ORDER_SQL = {
    CardOrder.URGENCY: (
        "CASE WHEN next_action IS NULL THEN 1 WHEN next_due IS NULL THEN 3"
        " WHEN next_due < :today THEN 0 WHEN next_due = :today THEN 2 ELSE 3 END,"
        " coalesce(next_due, '9999'), id"
    ),
    # NULL (no value) last on both engines: SQLite sorts NULLs first ascending, PostgreSQL last.
    CardOrder.VALUE: "value IS NULL, value DESC, id",
    CardOrder.CLOSE_DATE: "expected_close IS NULL, coalesce(expected_close, ''), id",
    CardOrder.DAYS_IN_STAGE: "stage_entered_at, id",
    CardOrder.MANUAL: "position, id",
}


@dataclass(frozen=True, slots=True)
class StageSum:
    """Deals and value of one currency in one column (`deals` counts those without a
    value too; `no_value` says how many of them there are)."""

    stage: str
    currency: str
    deals: int
    value: int
    no_value: int = 0
    # Of `value`, what deals with their own probability hold, and that value weighted
    # deal by deal; the rest is weighted by the stage's probability.
    own_value: int = 0
    own_weighted: int = 0


_PAGE = 500  # rows fetched at a time by stream_rows


class PipelineQueries(StoreCore):
    """Queries that return domain values; none of them writes."""

    def pipelines(self) -> list[Pipeline]:
        """Every pipeline, in the order the switcher lists them."""
        rows = self.rows("SELECT key, name, position FROM pipelines ORDER BY position, key")
        return [Pipeline(key, name, position) for key, name, position in rows]

    def find_pipeline(self, ref: str) -> Pipeline:
        """The pipeline named by key, name (case-insensitive) or 1-based number."""
        return find_pipeline(self.pipelines(), ref)

    def use_pipeline(self, ref: str | None) -> Pipeline | None:
        """Put one pipeline in view (by key, name or number), or every one (None, "all")."""
        if ref is None or ref.strip().lower() == ALL_PIPELINES:
            self.pipeline = None
            return None
        chosen = self.find_pipeline(ref)
        self.pipeline = chosen.key
        return chosen

    def home_pipeline(self) -> Pipeline:
        """The pipeline in view, or the first one when every pipeline is in view (where a
        new deal, an imported one or a stage goes when none is named)."""
        pipelines = self.pipelines()
        return next((p for p in pipelines if p.key == self.pipeline), pipelines[0])

    def stages(self) -> list[Stage]:
        """The stages of the pipeline in view, in board order (every pipeline's, pipeline
        by pipeline, when all are in view)."""
        if self.pipeline is not None:
            return self.stages_of(self.pipeline)
        return self.all_stages()

    def all_stages(self) -> list[Stage]:
        """Every pipeline's stages, pipeline by pipeline, whatever is in view."""
        rows = self.rows(
            f"SELECT {', '.join('s.' + c.strip() for c in STAGE_COLUMNS.split(','))}"
            " FROM stages s"
            " JOIN pipelines p ON p.key = s.pipeline ORDER BY p.position, p.key, s.position")
        return [stage_from_row(row) for row in rows]

    def pipeline_label(self) -> str:
        """What a report covers, as its heading names it: the pipeline's name, or "all
        pipelines" ('' when the file has only one)."""
        pipelines = self.pipelines()
        if len(pipelines) < 2:
            return ""
        if self.pipeline is None:
            return "all pipelines"
        return next((p.name for p in pipelines if p.key == self.pipeline), "")

    def reported_stages(self) -> list[Stage]:
        """The stages in view as reports name them: with every pipeline in view (of
        several), each name says its pipeline ("Renewals · Lead")."""
        stages = self.stages()
        pipelines = self.pipelines()
        if self.pipeline is not None or len(pipelines) < 2:
            return stages
        names = {p.key: p.name for p in pipelines}
        return [replace(s, name=f"{names[s.pipeline]} · {s.name}") for s in stages]

    def stages_of(self, pipeline: str) -> list[Stage]:
        """One pipeline's stages (by its key), in board order."""
        rows = self.rows(f"SELECT {STAGE_COLUMNS} FROM stages WHERE pipeline = ?"
                         " ORDER BY position", [pipeline])
        return [stage_from_row(row) for row in rows]

    def in_pipeline(self, column: str = "pipeline") -> str:
        """" AND <column> = '<key>'": a deals query limited to the pipeline in view; empty
        when every deal is in view (all pipelines, or a file with only one), so the
        single-pipeline file's queries are exactly what they were."""
        if self.pipeline is None or self.rows("SELECT count(*) FROM pipelines")[0][0] < 2:
            return ""
        # A key is checked against validate_stage_key's pattern when made: letters,
        # digits, - and _ only, so it can stand in the SQL text as a literal.
        return f" AND {column} = '{validate_stage_key(self.pipeline)}'"

    def home_currency(self) -> str:
        """The currency totals are shown in."""
        rows = self.rows("SELECT value FROM settings WHERE key = 'home_currency'")
        return str(rows[0][0]) if rows else "EUR"

    def today(self) -> date:
        """The user's calendar day by the store's clock."""
        return local_date(self.clock())

    def lost_reasons(self) -> list[str]:
        """The lost reasons offered as choices (free text is still allowed), in order."""
        rows = self.rows("SELECT value FROM settings WHERE key = 'lost_reasons'")
        if not rows:
            return list(DEFAULT_LOST_REASONS)
        reasons = json.loads(rows[0][0])
        return [str(reason) for reason in reasons] if isinstance(reasons, list) else []

    def targets(self) -> list[Target]:
        """Every target, by period, the team's before each rep's."""
        return [Target(*row) for row in self.rows(
            "SELECT period, owner, amount, currency FROM targets ORDER BY period, owner")]

    def exchange_rates(self) -> dict[str, Decimal]:
        """Rates the user has set: home-currency units per unit of each other currency."""
        return {c: Decimal(r) for c, r in self.rows("SELECT currency, rate FROM exchange_rates")}

    def activities(self, deal_id: int, *, limit: int | None = None) -> list[Activity]:
        """A deal's history, newest first."""
        rows = self.rows(
            f"SELECT {ACTIVITY_COLUMNS} FROM activities WHERE deal_id = ? ORDER BY id DESC"
            + (" LIMIT ?" if limit else ""),
            [deal_id, limit] if limit else [deal_id],
        )
        return [activity_from_row(row) for row in rows]

    def changes_since(self, deal_id: int, version: int) -> list[Activity]:
        """What was done to a deal after the version a form was opened on, oldest first."""
        rows = self.rows(
            f"SELECT {ACTIVITY_COLUMNS} FROM activities WHERE deal_id = ? AND version > ?"
            " ORDER BY id",
            [deal_id, version],
        )
        return [activity_from_row(row) for row in rows]

    def deal_count(self) -> int:
        """How many deals the pipeline holds (any status, deleted ones too)."""
        return int(self.rows("SELECT count(*) FROM deals")[0][0])

    def latest_activity_id(self) -> int:
        """The id of the newest activity (0 for an empty log)."""
        return int(self.rows("SELECT coalesce(max(id), 0) FROM activities")[0][0])

    def others_activities_since(self, after_id: int, *,
                                limit: int = 50) -> list[tuple[Activity, str, str]]:
        """Other users' log entries after `after_id`, oldest first, with deal title and owner."""
        rows = self.rows(
            f"SELECT {_prefixed_activity('a')}, d.title, d.owner FROM activities a"
            " JOIN deals d ON d.id = a.deal_id WHERE a.id > ? AND a.actor != ?"
            " ORDER BY a.id LIMIT ?",
            [after_id, self.user, limit],
        )
        return [(activity_from_row(row[:6]), row[6], row[7]) for row in rows]

    def list_deals(
        self,
        *,
        stage: str | None = None,
        owner: str | None = None,
        statuses: Sequence[DealStatus] | None = (DealStatus.OPEN,),
    ) -> list[Deal]:
        """Deals by stage, owner and status (open by default, resumed paused ones with
        them), in board order then id."""
        where, params = ["d.deleted_at IS NULL" + self.in_pipeline("d.pipeline")], []
        if stage:
            where.append("d.stage = ?")
            params.append(stage)
        if owner:
            where.append("d.owner = ?")
            params.append(owner)
        if statuses:
            listed = f"d.status IN ({', '.join('?' for _ in statuses)})"
            params.extend(s.value for s in statuses)
            if DealStatus.OPEN in statuses:
                # The one rule for open (as the board and the statistics count it): a
                # paused deal whose resume date has come is open again.
                listed = f"({listed} OR (d.status = 'paused' AND d.paused_until <= ?))"
                params.append(self.today().isoformat())
            where.append(listed)
        rows = self.rows(
            # LEFT JOIN: a deal lost at an unknown stage (stage NULL) is listed too, last.
            f"SELECT {_prefixed('d')} FROM deals d LEFT JOIN stages s ON s.key = d.stage"
            f" WHERE {' AND '.join(where)} ORDER BY s.position IS NULL, s.position, d.id",
            params,
        )
        return [deal_from_row(row) for row in rows]

    def stream_rows(self, sql: str, params: Mapping[str, Any]
                    ) -> Generator[tuple[Any, ...], None, None]:
        """The rows of one read in a snapshot, fetched a page at a time (memory stays flat
        however many there are).

        Holds the lock and the snapshot until read to the end or closed: close it (or
        let it end) before the store is closed, e.g. with contextlib.closing.
        """
        engine = self.engine
        with self.lock, engine.snapshot(self.conn):
            try:
                for page in engine.stream(self.conn, sql, size=_PAGE, params=params):
                    yield from page
            except engine.errors as error:
                raise engine.storage_error(error) from error

    # -- the board: ids per column, rows for what is visible, sums per column ------

    def _filter_sql(self, stage: str | None, board_filter: BoardFilter,
                    today: date) -> tuple[str, dict[str, Any]]:
        """Conditions (to AND on) and parameters for a column and the board's filter."""
        cutoff = (today - timedelta(days=WON_SHOWN_DAYS)).isoformat()
        extra = ""
        params: dict[str, Any] = {"today": today.isoformat(), "cutoff": cutoff}
        if stage is not None:
            extra += " AND stage = :stage"
            params["stage"] = stage
        if board_filter.owner:
            extra += " AND owner = :owner"
            params["owner"] = board_filter.owner
        if board_filter.unqualified_in is not None:
            # Open, in a stage that needs qualification, and one of the three facts missing.
            names = [f"uq_stage{i}" for i in range(len(board_filter.unqualified_in))]
            params.update(zip(names, board_filter.unqualified_in, strict=True))
            stages = ", ".join(f":{name}" for name in names) or "NULL"
            facts = " AND ".join(f"{column} = 1" for column in FACT_COLUMNS.values())
            extra += f" AND status = 'open' AND stage IN ({stages}) AND NOT ({facts})"
        if board_filter.text.strip():
            params["pattern"] = "%" + _escape_like(board_filter.text.strip()) + "%"
            like = self.engine.dialect.like
            extra += "".join(
                f"{' AND (' if i == 0 else ' OR '}{column} {like} :pattern ESCAPE '\\'"
                for i, column in enumerate(("title", "organization", "contact", "owner"))
            ) + ")"
        return extra, params

    def _on_board(self, columns: str, stage: str | None, board_filter: BoardFilter,
                  today: date) -> tuple[str, dict[str, Any]]:
        extra, params = self._filter_sql(stage, board_filter, today)
        sql = " UNION ALL ".join(
            f"SELECT {columns} FROM deals WHERE {part} AND deleted_at IS NULL{extra}"
            for part in _BOARD_PARTS
        )
        return sql, params

    def _urgency_page(self, stage: str, board_filter: BoardFilter, today: date,
                      limit: int) -> list[int]:
        """The first cards in urgency order, read as five index-ordered slices.

        One ORDER BY over the urgency expression sorts the whole column (~50 ms for
        25,000 cards); each slice instead walks the (stage, status, next_due) index and
        stops after `limit` rows, and the few rows read are merged by the domain key.
        """
        extra, params = self._filter_sql(stage, board_filter, today)
        params["limit"] = limit
        open_deals = (f"SELECT {_FACTS} FROM deals WHERE status = 'open'"
                      f" AND deleted_at IS NULL{extra}")
        rows = []
        by_id = self.engine.dialect.first_by_id
        for condition, order in _URGENCY_SLICES:
            select = f"{open_deals} AND {condition}"
            # Slices in next_due order read the index in that order; by id, the engine
            # says how (see Dialect.first_by_id).
            sql = by_id(select) if order == "id" else f"{select} ORDER BY {order} LIMIT :limit"
            rows += self.rows(sql, params)
        # Paused deals back on the board and recent wins are few: one sorted query.
        others = " UNION ALL ".join(
            f"SELECT {_FACTS}, next_action FROM deals WHERE {part} AND deleted_at IS NULL{extra}"
            for part in _BOARD_PARTS[1:]
        )
        rows += [row[:-1] for row in self.rows(
            f"SELECT * FROM ({others}) board ORDER BY {_ORDER_SQL[CardOrder.URGENCY]}"
            " LIMIT :limit", params)]
        day = today.isoformat()
        keys = sorted(sort_key(CardFacts(*row), CardOrder.URGENCY, day) for row in rows)
        return [key[-1] for key in keys[:limit]]

    def column_page(self, stage: str, *, order: CardOrder = CardOrder.URGENCY,
                    board_filter: BoardFilter = NO_FILTER, today: date,
                    limit: int) -> list[int]:
        """The first `limit` card ids of a column, ordered by SQL (for the first frame)."""
        if order is CardOrder.URGENCY:
            return self._urgency_page(stage, board_filter, today, limit)
        inner, params = self._on_board(
            "id, next_action, next_due, value, expected_close, stage_entered_at, position",
            stage, board_filter, today)
        rows = self.rows(
            f"SELECT id FROM ({inner}) board ORDER BY {_ORDER_SQL[order]} LIMIT :limit",
            {**params, "limit": limit},
        )
        return [row[0] for row in rows]

    def column_keys(self, stage: str, *, order: CardOrder = CardOrder.URGENCY,
                    board_filter: BoardFilter = NO_FILTER, today: date) -> list[SortKey]:
        """Every card of a column as sorted keys (the deal id is each key's last item)."""
        sql, params = self._on_board(_FACTS, stage, board_filter, today)
        day = today.isoformat()
        keys = [sort_key(CardFacts(*row), order, day) for row in self.rows(sql, params)]
        keys.sort()
        return keys

    def column_deal_ids(self, stage: str, *, order: CardOrder = CardOrder.URGENCY,
                        board_filter: BoardFilter = NO_FILTER,
                        today: date) -> list[int]:
        """Every card id of a column, in display order."""
        keys = self.column_keys(stage, order=order, board_filter=board_filter, today=today)
        return [key[-1] for key in keys]

    def deals_by_ids(self, ids: Iterable[int]) -> dict[int, Deal]:
        """Deals for the cards on screen, by id."""
        wanted = list(ids)
        found: dict[int, Deal] = {}
        for start in range(0, len(wanted), 500):
            chunk = wanted[start:start + 500]
            rows = self.rows(
                f"SELECT {DEAL_COLUMNS} FROM deals WHERE id IN ({', '.join('?' for _ in chunk)})",
                chunk,
            )
            found.update((row[0], deal_from_row(row)) for row in rows)
        return found

    def board_sums(self, board_filter: BoardFilter = NO_FILTER, *,
                   today: date) -> list[StageSum]:
        """Count and value per column and currency for the visible deals.

        One grouped query per part of the board, each answered from a covering index;
        grouping their UNION instead costs four times as much.
        """
        extra, params = self._filter_sql(None, board_filter, today)
        # Stage keys are unique across pipelines: the columns in view are the pipeline's.
        shown = None if self.pipeline is None else {s.key for s in self.stages()}
        totals: dict[tuple[str, str], list[int]] = {}
        for part in _BOARD_PARTS:
            for stage, currency, *figures in self.rows(
                f"SELECT stage, currency, count(*), coalesce(sum(value), 0), count(value),"
                f" coalesce(sum(CASE WHEN probability IS NOT NULL THEN value END), 0),"
                f" coalesce(sum((value * probability + 50) / 100), 0)"
                f" FROM deals WHERE {part} AND deleted_at IS NULL{extra}"
                f" GROUP BY stage, currency",
                params,
            ):
                if shown is not None and stage not in shown:
                    continue
                deals, value, valued, own_value, own_weighted = (int(f) for f in figures)
                entry = totals.setdefault((stage, currency), [0, 0, 0, 0, 0])
                entry[0] += deals
                entry[1] += value
                entry[2] += deals - valued
                entry[3] += own_value
                entry[4] += own_weighted
        return [StageSum(stage, currency, *figures)
                for (stage, currency), figures in sorted(totals.items())]


def _prefixed(alias: str) -> str:
    return ", ".join(f"{alias}.{column.strip()}" for column in DEAL_COLUMNS.split(","))


def _prefixed_activity(alias: str) -> str:
    return ", ".join(f"{alias}.{column.strip()}" for column in ACTIVITY_COLUMNS.split(","))


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
