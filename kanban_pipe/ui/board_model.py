"""The board's view state: each column's cards as sorted keys, updated in place on a change."""

from __future__ import annotations

from bisect import bisect_left, insort
from datetime import date

from kanban_pipe.domain.models import Deal
from kanban_pipe.domain.ordering import BoardFilter, CardOrder, SortKey, facts_of, sort_key
from kanban_pipe.domain.rules import is_on_board


class BoardModel:
    """Sorted keys per column (the deal id is each key's last item) and where each deal is.

    A changed deal is re-placed with two binary searches instead of re-reading its
    columns: that keeps a move fast with tens of thousands of cards per column.
    """

    def __init__(self, stage_keys: list[str]) -> None:
        self.keys: dict[str, list[SortKey]] = {stage: [] for stage in stage_keys}
        self._where: dict[int, tuple[str, SortKey]] = {}
        self.complete: set[str] = set()

    def set_column(self, stage: str, keys: list[SortKey]) -> None:
        """Replace a column's cards with freshly read, sorted keys."""
        for key in self.keys.get(stage, ()):
            if self._where.get(key[-1], (None,))[0] == stage:
                del self._where[key[-1]]
        self.keys[stage] = keys
        self._where.update((key[-1], (stage, key)) for key in keys)
        self.complete.add(stage)

    def ids(self, stage: str) -> list[int]:
        """A column's deal ids in display order."""
        return [key[-1] for key in self.keys.get(stage, ())]

    def stage_of(self, deal_id: int) -> str | None:
        """The column a deal is shown in, if any."""
        where = self._where.get(deal_id)
        return where[0] if where else None

    def place(self, deal: Deal, *, order: CardOrder, board_filter: BoardFilter,
              today: date) -> set[str] | None:
        """Re-place a changed deal; the columns touched, or None if a column must be re-read."""
        if not {deal.stage, self.stage_of(deal.id) or deal.stage} <= self.complete:
            return None
        touched: set[str] = set()
        old = self._where.pop(deal.id, None)
        if old is not None:
            stage, old_key = old
            column = self.keys[stage]
            index = bisect_left(column, old_key)
            if index < len(column) and column[index] == old_key:
                del column[index]
            touched.add(stage)
        if deal.stage in self.keys and is_on_board(deal, today) and board_filter.matches(deal):
            key = sort_key(facts_of(deal), order, today.isoformat())
            insort(self.keys[deal.stage], key)
            self._where[deal.id] = (deal.stage, key)
            touched.add(deal.stage)
        return touched
