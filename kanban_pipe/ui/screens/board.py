"""The board: one column per stage, keys to navigate, and the header with totals."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import TypeVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import HorizontalScroll
from textual.content import Content
from textual.widgets import Input, Static

from kanban_pipe.domain.errors import KanbanPipeError
from kanban_pipe.domain.models import Deal, Stage
from kanban_pipe.domain.ordering import BoardFilter, CardOrder
from kanban_pipe.ui.board_model import BoardModel
from kanban_pipe.ui.screens.board_actions import BoardActions
from kanban_pipe.ui.screens.board_keys import BOARD_BINDINGS, MILESTONE_BINDINGS
from kanban_pipe.ui.screens.board_loading import EMPTY_HINT, BoardLoading
from kanban_pipe.ui.screens.store_work import StoreWork
from kanban_pipe.ui.session import Session
from kanban_pipe.ui.text import plain, safe_text
from kanban_pipe.ui.widgets.column import CardPalette, ColumnBox, StageColumn
from kanban_pipe.ui.widgets.milestone_bar import MilestoneBar, milestone_question
from kanban_pipe.ui.widgets.safe_input import SafeInput

T = TypeVar("T")

ORDERS = list(CardOrder)

def read_only_banner(reason: str) -> Content:
    """The line that tells a viewer the pipeline cannot be changed from here, and why."""
    because = f" — {safe_text(reason)}" if reason else ""
    return Content.assemble(("READ-ONLY", "bold reverse"),
                            f" This pipeline is open read-only{because}. You can look; "
                            "changes cannot be saved.")


MIN_COLUMN_WIDTH = 28
LIVE_POLL_SECONDS = 0.5  # changes from other terminals show within a second


def column_widths(width: int, columns: int) -> list[int]:
    """Each column's width: an equal share, at least MIN_COLUMN_WIDTH (beyond that they
    scroll sideways); the last takes the cells the division leaves over."""
    if not columns:
        return []
    share = max(MIN_COLUMN_WIDTH, width // columns)
    spare = max(0, width - share * columns)
    return [share] * (columns - 1) + [share + spare]


class BoardScreen(BoardActions, BoardLoading, StoreWork):
    """The pipeline board."""

    # The bar's answers first: for n, esc and enter they are tried before the board's own.
    BINDINGS = [*MILESTONE_BINDINGS, *BOARD_BINDINGS]
    # No widget takes the focus by itself (see compose): keys go to the board's bindings.
    AUTO_FOCUS = ""
    DEFAULT_CSS = """
    BoardScreen { layout: vertical; layers: default confirm; }
    #board-header { height: 1; background: $panel; color: $text; padding: 0 1; }
    #columns { height: 1fr; }
    .column-box {
        width: 1fr; min-width: 28; height: 1fr;
        border: round $panel-lighten-2; border-title-color: $text;
    }
    .column-header { height: 2; color: $text-muted; padding: 0 1; }
    #filter { display: none; }
    #key-hints { height: 1; background: $panel; color: $text-muted; }
    #read-only-banner { height: auto; background: $warning-muted; color: $text; padding: 0 1; }
    #filter.-shown { display: block; }
    """

    def __init__(self, session: Session) -> None:
        super().__init__(session)
        self.stages: list[Stage] = []
        self.order = CardOrder.URGENCY
        self.text_filter = ""
        self.only_mine = False
        self.active = 0
        # Reloads run in threads and may finish out of order: a column only takes
        # a load newer than the one it shows.
        self._generation = 0
        self._shown_generation: dict[str, int] = {}
        self._sums_generation = 0
        self.model = BoardModel([])
        self._home = "EUR"
        self._shown_text = {}  # what each header Static shows, to skip unchanged updates
        self._rates: dict[str, Decimal] = {}
        # While the milestone bar asks: what its answer runs, and whether it is saving.
        self._answer: Callable[[bool | None], None] | None = None
        self._saving = False

    @property
    def board_filter(self) -> BoardFilter:
        """What the board currently shows."""
        return BoardFilter(self.text_filter, self.store.user if self.only_mine else None)

    # -- layout -----------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        """Header, one box per stage, the filter line and the footer."""
        if self._first_reads is None:
            self.read_ahead()
        # First: showing it then shifts no other widget's painting order, which would
        # count them all as moved and repaint the whole screen.
        yield MilestoneBar(id="milestones")
        palette = CardPalette()
        yield palette
        yield Static(id="board-header")
        if self.store.read_only:
            yield Static(read_only_banner(self.store.read_only_reason), id="read-only-banner")
        # Widths known before the first layout: set on the first Resize, they would lay
        # out and draw the whole board a second time before its first frame.
        widths = column_widths(self.app.size.width, len(self.stages))
        # Nothing on the board takes the focus (keys go to the screen's bindings): a focus
        # change restyles the focused widget's whole subtree, every card column with it.
        with HorizontalScroll(id="columns", can_focus=False):
            for stage, width in zip(self.stages, widths, strict=True):
                box = ColumnBox(classes="column-box", id=f"box-{stage.key}")
                box.styles.width = width
                box.border_title = plain(stage.name)  # Content: never markup
                with box:
                    yield Static(classes="column-header", id=f"head-{stage.key}")
                    yield StageColumn(stage, self.store.deals_by_ids,
                                      today=self.session.today, palette=palette,
                                      id=f"col-{stage.key}",
                                      empty_hint=EMPTY_HINT)
        # The filter line is made on the first `/`: start-up need not build an Input.
        # A fixed line of the main keys rather than Textual's Footer: the board's keys
        # never change, and the Footer's many widgets are restyled and recomposed each
        # time a dialog closes, which made every confirmed move ~40 ms slower.
        yield Static(self._key_hints(), id="key-hints")

    def _key_hints(self) -> Content:
        parts: list[str | tuple[str, str]] = []
        for binding in BOARD_BINDINGS:
            if binding.show:
                key = self.app.get_key_display(Binding(binding.key.split(",")[0], ""))
                parts += [(f" {key}", "bold $accent"), f" {binding.description} "]
        parts += [("  ctrl+p", "bold $accent"), " palette"]
        return Content.assemble(*parts)

    def on_mount(self) -> None:
        """Show each column's first cards at once; read the full columns after that frame."""
        self._first_frame()
        self._set_active(0)
        self.call_after_refresh(self.reload)
        self._data_version = self.store.data_version()
        self._seen_activity = self.store.latest_activity_id()
        self.set_interval(LIVE_POLL_SECONDS, self._poll_changes)

    def on_unmount(self) -> None:
        """Close the background reader's connection."""
        self._close_reader()

    def _poll_changes(self) -> None:
        """Show what other terminals saved, keeping the focused deal, scroll and filter."""
        version = self.store.data_version(wait=False)
        if version is None or version == self._data_version:
            return  # nothing committed elsewhere: no refresh work at all
        self._data_version = version
        focused = self.active_column.current_deal_id
        self.reload(focus_id=focused, forget=True)
        self._tell_others_changes(focused)

    def _tell_others_changes(self, focused: int | None) -> None:
        changes = self.store.others_activities_since(self._seen_activity)
        if changes:
            self._seen_activity = changes[-1][0].id
        for activity, title, owner in changes:
            if activity.deal_id != focused and owner != self.store.user:
                continue
            what = activity.kind.value.replace("_", " ")
            detail = f" ({activity.detail})" if activity.detail else ""
            self.tell(f"{activity.actor} {what} '{title}'{detail}", timeout=5)

    def columns(self) -> list[StageColumn]:
        """The stage columns, left to right."""
        return list(self.query(StageColumn))

    def column(self, stage_key: str) -> StageColumn:
        """The column of a stage."""
        return self.query_one(f"#col-{stage_key}", StageColumn)

    @property
    def active_column(self) -> StageColumn:
        """The column the keys act on."""
        return self.columns()[self.active]

    def current_deal(self) -> Deal | None:
        """The deal under the cursor, if any."""
        return self.active_column.current_deal()

    # -- navigation ---------------------------------------------------------------------

    def on_resize(self) -> None:
        """Columns share the width; below MIN_COLUMN_WIDTH each they scroll sideways."""
        boxes = list(self.query(".column-box"))
        for box, width in zip(boxes, column_widths(self.size.width, len(boxes)), strict=True):
            if box.styles.width is None or box.styles.width.cells != width:
                box.styles.width = width

    def _set_active(self, index: int) -> None:
        columns = self.columns()
        index = max(0, min(index, len(columns) - 1))
        for i, column in enumerate(columns):
            if (i == index) != column.active:
                column.set_active(i == index)
                # The title shows which column is active: a CSS class on the box would
                # restyle it and everything in it (~15 ms) on every move between columns.
                title = plain(f" {column.stage.name} ")
                box = column.parent
                assert isinstance(box, ColumnBox)
                box.show_title(title.stylize("reverse bold") if i == index
                               else plain(column.stage.name))
        self.active = index
        self.query_one("#columns", HorizontalScroll).scroll_to_widget(
            columns[index].parent, animate=False)  # type: ignore[arg-type]

    def action_focus_column(self, step: int) -> None:
        """Focus the column left (-1) or right (+1)."""
        self._set_active(self.active + step)

    def action_move_cursor(self, step: int) -> None:
        """Move the cursor up (-1) or down (+1) the column."""
        column = self.active_column
        column.move_cursor(column.cursor + step)

    def action_cursor_edge(self, edge: str) -> None:
        """Jump to the first or last card."""
        column = self.active_column
        column.move_cursor(0 if edge == "first" else len(column.deal_ids) - 1)

    def action_cycle_order(self) -> None:
        """Cycle the card order: urgency, value, close date, days in stage, manual."""
        self.order = ORDERS[(ORDERS.index(self.order) + 1) % len(ORDERS)]
        self.notify(f"Cards ordered by {self.order.value}", timeout=2)
        self.reload(focus_id=self.active_column.current_deal_id)

    async def action_filter(self) -> None:
        """Show the filter line (made on first use)."""
        field = self.query("#filter").first(Input) if self.query("#filter") else None
        if field is None:
            field = SafeInput(placeholder="filter by title, organization, contact or owner",
                              id="filter")
            await self.mount(field, before="#key-hints")
        field.add_class("-shown")
        field.focus()

    @on(Input.Changed, "#filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        self.text_filter = event.value
        self.reload(focus_id=self.active_column.current_deal_id)

    @on(Input.Submitted, "#filter")
    def _filter_done(self, event: Input.Submitted) -> None:
        field = self.query_one("#filter", Input)
        if not event.value:
            field.remove_class("-shown")
        self.set_focus(None)

    def action_clear_filter(self) -> None:
        """Clear the text filter (esc)."""
        self.set_focus(None)
        for field in self.query("#filter").results(Input):
            field.remove_class("-shown")
            if self.text_filter:
                self.text_filter = ""
                field.value = ""
                self.reload(focus_id=self.active_column.current_deal_id)

    def action_toggle_owner(self) -> None:
        """Toggle the owner filter: mine → everyone."""
        self.only_mine = not self.only_mine
        self.notify("Showing my deals" if self.only_mine else "Showing everyone's deals",
                    timeout=2)
        self.reload(focus_id=self.active_column.current_deal_id)

    # -- the milestone bar -------------------------------------------------------------

    def confirm_milestones(self, deal_title: str, from_stage: str, to_stage: str,
                           milestones: list[str], then: Callable[[bool | None], None]) -> None:
        """Ask in the bar over the board's foot: no dialog screen to push and pop."""
        self._answer, self._saving = then, False
        self.query_one(MilestoneBar).ask(
            milestone_question(deal_title, from_stage, to_stage, milestones))

    def action_answer_milestones(self, confirmed: bool) -> None:
        """y / enter confirms the milestones (and moves the deal); n / esc cancels."""
        if self._answer is None or self._saving:
            return
        if not confirmed:
            self._close_bar()
            return
        # The bar stays up (the keys still waiting) until the move is saved: closing it
        # and showing the moved card then make one frame instead of two.
        self._saving = True
        self._answer(True)

    @on(MilestoneBar.Answered)
    def _answer_clicked(self, event: MilestoneBar.Answered) -> None:
        self.action_answer_milestones(event.confirmed)

    def _close_bar(self) -> None:
        if self._answer is not None:
            self._answer, self._saving = None, False
            self.query_one(MilestoneBar).close()

    def move_saved(self, deal: Deal, *, before: Deal) -> None:
        """Close the milestone bar (if it asked) in the same frame as the card moves."""
        self._close_bar()
        super().move_saved(deal, before=before)

    def move_refused(self, error: KanbanPipeError) -> None:
        """Close the milestone bar, then say why the move was refused."""
        self._close_bar()
        super().move_refused(error)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """While the milestone bar asks (and saves), the board's keys wait for it."""
        asking = self._answer is not None
        return asking if action == "answer_milestones" else not asking

    @on(StageColumn.CardClicked)
    def _card_clicked(self, event: StageColumn.CardClicked) -> None:
        if self._answer is not None:
            return
        index = next(i for i, s in enumerate(self.stages) if s.key == event.stage_key)
        self._set_active(index)
        self.active_column.move_cursor(event.index)
        if event.chain >= 2:
            self.action_open_deal()

