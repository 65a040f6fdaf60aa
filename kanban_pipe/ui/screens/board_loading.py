"""How the board reads: first pages before the first frame, whole columns in a worker."""

from __future__ import annotations

import threading
from collections.abc import Iterable
from concurrent.futures import Future
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import TYPE_CHECKING

from textual import work
from textual.content import Content, Span
from textual.widgets import Static

from kanban_pipe.domain.amounts import format_compact
from kanban_pipe.domain.errors import KanbanPipeError
from kanban_pipe.domain.models import Deal, Stage
from kanban_pipe.domain.money import MoneyTotal, total
from kanban_pipe.domain.ordering import BoardFilter, SortKey
from kanban_pipe.store import PipelineStore, StageSum
from kanban_pipe.ui.board_model import BoardModel
from kanban_pipe.ui.text import safe_text

if TYPE_CHECKING:
    from kanban_pipe.ui.screens.board import BoardScreen

    _Base = BoardScreen
else:
    _Base = object

FIRST_PAGE = 40  # cards per column read before the first frame; the rest follow
FIRST_DEALS = 20  # of those, whose deals are read with them (a tall terminal's worth)
EMPTY_HINT = "No deals here.\nn adds one here;\n`kanban-pipe demo`\nopens demo data."


@dataclass(frozen=True, slots=True)
class ColumnLoad:
    """What a worker read: full columns as sorted keys, or first pages as ids; the sums."""

    keys: dict[str, list[SortKey]]
    pages: dict[str, list[int]]
    sums: list[StageSum] | None
    home_currency: str
    rates: dict[str, Decimal]
    generation: int = 0


class BoardLoading(_Base):
    """Reading columns and sums, and showing them; mixed into BoardScreen."""

    _reader: PipelineStore | None = None
    _reader_lock = threading.Lock()
    _shown_text: dict[str, tuple[str, list[Span]]]
    _first_reads: Future[tuple[ColumnLoad, dict[str, dict[int, Deal]]]] | None = None

    def read_ahead(self) -> None:
        """Read the stages, and start reading what the first frame shows in a thread.

        Called as the screen is made (before the app has started), or from compose: the
        reads (10-50 ms, most of it in SQLite, which lets go of the GIL) overlap Textual
        starting up and mounting the widgets; on_mount waits for them.
        """
        store, today = self.store, self.session.today()
        self.stages = store.stages()
        self.model = BoardModel([stage.key for stage in self.stages])
        # The board starts in urgency order, showing everyone's deals: no user needed.
        stages, order, board_filter = self.stages, self.order, BoardFilter("", None)
        reads: Future[tuple[ColumnLoad, dict[str, dict[int, Deal]]]] = Future()

        def read() -> None:
            try:
                pages = {
                    stage.key: store.column_page(stage.key, order=order,
                                                 board_filter=board_filter, today=today,
                                                 limit=FIRST_PAGE)
                    for stage in stages
                }
                # The deals of the cards on screen too: the columns would read them
                # while drawing the first frame.
                deals = {key: store.deals_by_ids(ids[:FIRST_DEALS]) for key, ids in pages.items()}
                load = ColumnLoad({}, pages, store.board_sums(board_filter, today=today),
                                  store.home_currency(), store.exchange_rates())
                reads.set_result((load, deals))
            except BaseException as error:  # handed to on_mount, which raises it
                reads.set_exception(error)

        threading.Thread(target=read, name="first-reads", daemon=True).start()
        self._first_reads = reads

    def _first_frame(self) -> None:
        """Show each column's first cards and the sums (read ahead, see read_ahead)."""
        assert self._first_reads is not None  # started by read_ahead
        load, deals = self._first_reads.result()
        for stage_key, stage_deals in deals.items():
            self.column(stage_key).preload(stage_deals)
        self._apply(load)

    def _background_store(self) -> PipelineStore:
        """A reader of its own: whole-column reads never hold up the UI thread's reads."""
        with self._reader_lock:
            if self._reader is None:
                self._reader = self.store.reader()
            return self._reader

    def _close_reader(self) -> None:
        with self._reader_lock:
            if self._reader is not None:
                self._reader.close()
                self._reader = None

    def _read(self, stages: Iterable[Stage]) -> ColumnLoad:
        """Full columns and the board sums (runs in a worker thread)."""
        today = self.session.today()
        board_filter = self.board_filter
        source = self._background_store()
        keys = {
            stage.key: source.column_keys(stage.key, order=self.order,
                                          board_filter=board_filter, today=today)
            for stage in stages
        }
        return ColumnLoad(keys, {}, source.board_sums(board_filter, today=today),
                          source.home_currency(), source.exchange_rates())

    def _apply(self, load: ColumnLoad, *, changed: Iterable[int] = (),
               focus_id: int | None = None) -> None:
        """Show what a load read; the focus follows `focus_id` if it is on the board."""
        shown: dict[str, list[int]] = {}
        for stage_key, keys in load.keys.items():
            if load.generation >= self._shown_generation.get(stage_key, 0):
                self._shown_generation[stage_key] = load.generation
                self.model.set_column(stage_key, keys)
                shown[stage_key] = self.model.ids(stage_key)
        shown.update(load.pages)
        focus = None
        if focus_id is not None:
            focus = next(((stage, ids.index(focus_id)) for stage, ids in shown.items()
                          if focus_id in ids), None)
        self._show_columns(shown, changed=list(changed), focus=focus)
        if load.sums is not None and load.generation >= self._sums_generation:
            self._sums_generation = load.generation
            self._home, self._rates = load.home_currency, load.rates
            self.model.set_sums((s.stage, s.currency, s.deals, s.value) for s in load.sums)
            self._show_sums()

    def _show_columns(self, shown: dict[str, list[int]], *, changed: list[int],
                      focus: tuple[str, int] | None) -> None:
        for stage_key, ids in shown.items():
            cursor = focus[1] if focus and focus[0] == stage_key else None
            self.column(stage_key).show(ids, changed=changed, cursor_index=cursor)
        if focus is not None:
            self._set_active(next(i for i, s in enumerate(self.stages) if s.key == focus[0]))

    def reload(self, *, stage_keys: Iterable[str] | None = None, changed: Iterable[int] = (),
               focus_id: int | None = None, forget: bool = False) -> None:
        """Re-read some columns (all by default) in a worker, then show them."""
        wanted = set(stage_keys) if stage_keys is not None else None
        stages = [s for s in self.stages if wanted is None or s.key in wanted]
        hint = EMPTY_HINT
        if self.text_filter.strip() or self.only_mine:
            what = f"“{safe_text(self.text_filter.strip())}”" if self.text_filter.strip() \
                else "yours"
            hint = f"No deals match\n{what}.\n(esc or o changes\nthe filter)"
        for column in self.columns():
            column.empty_hint = hint
            if forget:
                column.forget()
        self._generation += 1
        self._reload_worker(stages, list(changed), focus_id, self._generation)

    def place(self, deal: Deal, *, before: Deal | None = None) -> None:
        """Show a deal the user just changed: re-placed and summed in memory, no reads."""
        placed = self.model.place(deal, before=before, order=self.order,
                                  board_filter=self.board_filter,
                                  today=self.session.today())
        if placed is None:
            stage_keys = {deal.stage} | ({before.stage} if before else set())
            self.reload(stage_keys=stage_keys, changed=[deal.id], focus_id=deal.id)
            return
        self._generation += 1
        for stage_key in placed.touched:
            self._shown_generation[stage_key] = self._generation
        self._sums_generation = self._generation
        focus = (placed.stage, placed.index) if placed.stage and placed.index is not None \
            else None
        self._show_columns({key: self.model.ids(key) for key in placed.touched},
                           changed=[deal.id], focus=focus)
        self._show_sums()

    @work(thread=True, group="read")
    def _reload_worker(self, stages: list[Stage], changed: list[int],
                       focus_id: int | None, generation: int) -> None:
        try:
            load = replace(self._read(stages), generation=generation)
        except KanbanPipeError as error:
            self.app.call_from_thread(self.work.show_error, error)
            return
        self.app.call_from_thread(self._apply, load, changed=changed, focus_id=focus_id)

    def _show_sums(self) -> None:
        """Column headers and the header line from the model's sums."""
        home, rates = self._home, self._rates
        grand: list[tuple[int, str, int]] = []
        weighted_all: list[tuple[int, str, int]] = []
        for stage in self.stages:
            rows = [(value, currency, deals) for (key, currency), (deals, value)
                    in self.model.sums.items() if key == stage.key and deals]
            weighted_rows = [((value * stage.probability + 50) // 100, currency, deals)
                             for value, currency, deals in rows]
            count = sum(deals for _, _, deals in rows)
            value = total(rows, home, rates)
            weighted = total(weighted_rows, home, rates)
            if not stage.is_won:
                grand += rows
                weighted_all += weighted_rows
            # Deals in a currency without a rate are counted apart, never added.
            apart = f" +{value.unconverted_deals} no rate" if value.unconverted_deals else ""
            self._update_static(f"#head-{stage.key}", Content.assemble(
                (f"{count} deal{'s' if count != 1 else ''}", "bold"),
                f" · {money_words(value, unconverted=False)}\n",
                ("weighted ", "dim"), money_words(weighted, unconverted=False),
                (apart, "$text-warning"),
            ))
        self._show_header(total(grand, home, rates), total(weighted_all, home, rates),
                          sum(deals for _, _, deals in grand))

    def _show_header(self, open_total: MoneyTotal, weighted: MoneyTotal, deals: int) -> None:
        owner = "mine" if self.only_mine else "everyone"
        parts: list[str | tuple[str, str]] = [
            ("kanban-pipe", "bold"),
            f" · {safe_text(self.session.db_label)} · {safe_text(self.store.user)} · ",
            (owner, "bold"),
        ]
        if self.text_filter:
            parts += [" · filter ", (f"“{safe_text(self.text_filter)}”", "bold")]
        parts += [
            f" · order: {self.order.value} · {deals} open · {money_words(open_total)}",
            f" (weighted {money_words(weighted, unconverted=False)})",
        ]
        if self.store.read_only:
            parts += [" · ", ("READ-ONLY", "bold reverse")]
        self._update_static("#board-header", Content.assemble(*parts))

    def _update_static(self, selector: str, content: Content) -> None:
        """Show `content` in a fixed-size Static, if it changed (a move changes two heads)."""
        shown = self._shown_text.get(selector)
        if shown == (content.plain, content.spans):
            return
        self._shown_text[selector] = (content.plain, content.spans)
        # Fixed-size: no layout pass needed when the text changes.
        self.query_one(selector, Static).update(content, layout=False)


def money_words(amount: MoneyTotal, *, unconverted: bool = True) -> str:
    """A total in compact words, naming what could not be converted."""
    text = format_compact(amount.amount, amount.currency)
    if unconverted and amount.unconverted_deals:
        codes = "/".join(sorted(amount.unconverted))
        text += f" +{amount.unconverted_deals} in {codes}"
    return text
