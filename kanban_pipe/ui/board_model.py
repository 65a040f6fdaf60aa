"""The board's view state: each column's cards as sorted keys, updated in place on a change."""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from kanban_pipe.domain.models import Deal
from kanban_pipe.domain.ordering import BoardFilter, CardOrder, SortKey, facts_of, sort_key
from kanban_pipe.domain.rules import is_on_board


@dataclass(frozen=True, slots=True)
class Placed:
    """Where a re-placed deal ended up: the columns touched and its index, if shown."""

    touched: frozenset[str]
    stage: str | None
    index: int | None


class BoardModel:
    """Sorted keys and ids per column, where each deal is, and each column's sums.

    A changed deal is re-placed with two binary searches and its value moved between
    the column sums, instead of re-reading columns: that keeps a move fast with tens
    of thousands of cards per column.
    """

    def __init__(self, stage_keys: Iterable[str]) -> None:
        self.keys: dict[str, list[SortKey]] = {stage: [] for stage in stage_keys}
        self._ids: dict[str, list[int]] = {stage: [] for stage in self.keys}
        self._where: dict[int, tuple[str, SortKey]] = {}
        self.complete: set[str] = set()
        # (stage, currency) -> [deals, value, deals without a value, value of the deals
        # with their own probability, that value weighted]: what the column heads add up.
        self.sums: dict[tuple[str, str], list[int]] = {}

    def set_column(self, stage: str, keys: list[SortKey]) -> None:
        """Replace a column's cards with freshly read, sorted keys."""
        for deal_id in self._ids.get(stage, ()):
            if self._where.get(deal_id, (None,))[0] == stage:
                del self._where[deal_id]
        self.keys[stage] = keys
        self._ids[stage] = [key[-1] for key in keys]
        self._where.update((key[-1], (stage, key)) for key in keys)
        self.complete.add(stage)

    def set_sums(self, rows: Iterable[tuple[str, str, int, int, int, int, int]]) -> None:
        """Replace every column's sums with (stage, currency, deals, value, deals without
        a value, value with an own probability, that value weighted) rows."""
        self.sums = {(stage, currency): list(figures) for stage, currency, *figures in rows}

    def ids(self, stage: str) -> list[int]:
        """A column's deal ids in display order (the model's own list: do not change it)."""
        return self._ids.get(stage, [])

    def stage_of(self, deal_id: int) -> str | None:
        """The column a deal is shown in, if any."""
        where = self._where.get(deal_id)
        return where[0] if where else None

    def place(self, deal: Deal, *, before: Deal | None, order: CardOrder,
              board_filter: BoardFilter, today: date) -> Placed | None:
        """Re-place a changed deal; None when a column it touches must be re-read first.

        `before` is the deal as it was shown (for its old value in the sums); without
        it the value and currency are taken as unchanged.
        """
        if not {deal.stage, self.stage_of(deal.id) or deal.stage} <= self.complete:
            return None
        touched: set[str] = set()
        old = self._where.pop(deal.id, None)
        if old is not None:
            stage, old_key = old
            index = bisect_left(self.keys[stage], old_key)
            if index < len(self.keys[stage]) and self.keys[stage][index] == old_key:
                del self.keys[stage][index]
                del self._ids[stage][index]
            was = before or deal
            self._add_sum(stage, was, -1)
            touched.add(stage)
        if deal.stage in self.keys and is_on_board(deal, today) and board_filter.matches(deal):
            key = sort_key(facts_of(deal), order, today.isoformat())
            index = bisect_left(self.keys[deal.stage], key)
            self.keys[deal.stage].insert(index, key)
            self._ids[deal.stage].insert(index, deal.id)
            self._where[deal.id] = (deal.stage, key)
            self._add_sum(deal.stage, deal, 1)
            touched.add(deal.stage)
            return Placed(frozenset(touched), deal.stage, index)
        return Placed(frozenset(touched), None, None)

    def _add_sum(self, stage: str, deal: Deal, deals: int) -> None:
        """Add (deals 1) or take away (deals -1) one deal and its value, if it has one."""
        entry = self.sums.setdefault((stage, deal.currency), [0, 0, 0, 0, 0])
        entry[0] += deals
        if deal.value is None:
            entry[2] += deals
            return
        entry[1] += deals * deal.value
        if deal.probability is not None:
            entry[3] += deals * deal.value
            entry[4] += deals * ((deal.value * deal.probability + 50) // 100)
