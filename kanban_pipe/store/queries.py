"""Read side: stages, deals, history and the indexed queries the board is drawn from."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Any

from kanban_pipe.domain.models import Activity, Deal, DealStatus, Stage
from kanban_pipe.store.base import StoreCore
from kanban_pipe.store.deals import ON_BOARD_SQL
from kanban_pipe.store.rows import (
    ACTIVITY_COLUMNS,
    DEAL_COLUMNS,
    STAGE_COLUMNS,
    activity_from_row,
    deal_from_row,
    stage_from_row,
)

WON_SHOWN_DAYS = 30


class CardOrder(StrEnum):
    """How cards in a column are ordered; `S` on the board cycles through them."""

    URGENCY = "urgency"
    VALUE = "value"
    CLOSE_DATE = "close date"
    DAYS_IN_STAGE = "days in stage"
    MANUAL = "manual"


_ORDER_SQL = {
    # Overdue, no next step, due today, upcoming; then soonest due first.
    CardOrder.URGENCY: (
        "CASE WHEN next_action IS NULL THEN 1 WHEN next_due < :today THEN 0"
        " WHEN next_due = :today THEN 2 ELSE 3 END, coalesce(next_due, '9999'), id"
    ),
    CardOrder.VALUE: "value DESC, id",
    CardOrder.CLOSE_DATE: "expected_close IS NULL, expected_close, id",
    CardOrder.DAYS_IN_STAGE: "stage_entered_at, id",
    CardOrder.MANUAL: "position, id",
}


@dataclass(frozen=True, slots=True)
class BoardFilter:
    """What the board shows: free text (title, organization, contact, owner) and an owner."""

    text: str = ""
    owner: str | None = None


@dataclass(frozen=True, slots=True)
class StageSum:
    """Deals and value of one currency in one column."""

    stage: str
    currency: str
    deals: int
    value: int


class PipelineQueries(StoreCore):
    """Queries that return domain values; none of them writes."""

    def stages(self) -> list[Stage]:
        """The pipeline's stages, in board order."""
        rows = self._query(f"SELECT {STAGE_COLUMNS} FROM stages ORDER BY position")
        return [stage_from_row(row) for row in rows]

    def home_currency(self) -> str:
        """The currency totals are shown in."""
        rows = self._query("SELECT value FROM settings WHERE key = 'home_currency'")
        return str(rows[0][0]) if rows else "EUR"

    def exchange_rates(self) -> dict[str, Decimal]:
        """Rates the user has set: home-currency units per unit of each other currency."""
        return {c: Decimal(r) for c, r in self._query("SELECT currency, rate FROM exchange_rates")}

    def activities(self, deal_id: int, *, limit: int | None = None) -> list[Activity]:
        """A deal's history, newest first."""
        rows = self._query(
            f"SELECT {ACTIVITY_COLUMNS} FROM activities WHERE deal_id = ? ORDER BY id DESC"
            + (" LIMIT ?" if limit else ""),
            [deal_id, limit] if limit else [deal_id],
        )
        return [activity_from_row(row) for row in rows]

    def list_deals(
        self,
        *,
        stage: str | None = None,
        owner: str | None = None,
        statuses: Sequence[DealStatus] | None = (DealStatus.OPEN,),
    ) -> list[Deal]:
        """Deals by stage, owner and status (open by default), in board order then id."""
        where, params = ["d.deleted_at IS NULL"], []
        if stage:
            where.append("d.stage = ?")
            params.append(stage)
        if owner:
            where.append("d.owner = ?")
            params.append(owner)
        if statuses:
            where.append(f"d.status IN ({', '.join('?' for _ in statuses)})")
            params.extend(s.value for s in statuses)
        rows = self._query(
            f"SELECT {_prefixed('d')} FROM deals d JOIN stages s ON s.key = d.stage"
            f" WHERE {' AND '.join(where)} ORDER BY s.position, d.id",
            params,
        )
        return [deal_from_row(row) for row in rows]

    # -- the board: ids per column, rows for what is visible, sums per column ------

    def _board_where(self, stage: str | None, board_filter: BoardFilter,
                     today: date) -> tuple[str, list[Any]]:
        cutoff = (today - timedelta(days=WON_SHOWN_DAYS)).isoformat()
        where = [f"deleted_at IS NULL AND {ON_BOARD_SQL}"]
        params: list[Any] = [today.isoformat(), cutoff]
        if stage is not None:
            where.append("stage = ?")
            params.append(stage)
        if board_filter.owner:
            where.append("owner = ?")
            params.append(board_filter.owner)
        if board_filter.text.strip():
            pattern = "%" + _escape_like(board_filter.text.strip()) + "%"
            where.append(
                "(title LIKE ? ESCAPE '\\' OR organization LIKE ? ESCAPE '\\'"
                " OR contact LIKE ? ESCAPE '\\' OR owner LIKE ? ESCAPE '\\')"
            )
            params.extend([pattern] * 4)
        return " AND ".join(where), params

    def column_deal_ids(self, stage: str, *, order: CardOrder = CardOrder.URGENCY,
                        board_filter: BoardFilter = BoardFilter(),
                        today: date) -> list[int]:
        """The ids of one column's cards in display order (cheap: ids only, indexed)."""
        where, params = self._board_where(stage, board_filter, today)
        sql = f"SELECT id FROM deals WHERE {where} ORDER BY {_ORDER_SQL[order]}"
        # The urgency order names :today; bind it by position after the WHERE parameters.
        sql = sql.replace(":today", "?")
        extra = [today.isoformat()] * _ORDER_SQL[order].count(":today")
        return [row[0] for row in self._query(sql, [*params, *extra])]

    def deals_by_ids(self, ids: Iterable[int]) -> dict[int, Deal]:
        """Deals for the cards on screen, by id."""
        wanted = list(ids)
        found: dict[int, Deal] = {}
        for start in range(0, len(wanted), 500):
            chunk = wanted[start:start + 500]
            rows = self._query(
                f"SELECT {DEAL_COLUMNS} FROM deals WHERE id IN ({', '.join('?' for _ in chunk)})",
                chunk,
            )
            found.update((row[0], deal_from_row(row)) for row in rows)
        return found

    def board_sums(self, board_filter: BoardFilter = BoardFilter(), *,
                   today: date) -> list[StageSum]:
        """Count and value per column and currency for the visible deals (one grouped query)."""
        where, params = self._board_where(None, board_filter, today)
        rows = self._query(
            f"SELECT stage, currency, count(*), coalesce(sum(value), 0) FROM deals"
            f" WHERE {where} GROUP BY stage, currency",
            params,
        )
        return [StageSum(*row) for row in rows]


def _prefixed(alias: str) -> str:
    return ", ".join(f"{alias}.{column.strip()}" for column in DEAL_COLUMNS.split(","))


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
