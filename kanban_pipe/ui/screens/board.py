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
from textual.screen import Screen
from textual.widgets import Input, Static

from kanban_pipe.domain.models import Deal, Stage
from kanban_pipe.domain.ordering import BoardFilter, CardOrder
from kanban_pipe.store import PipelineStore
from kanban_pipe.ui.board_model import BoardModel
from kanban_pipe.ui.screens.board_keys import (
    BOARD_BINDINGS,
    KEY_HELP,
    MILESTONE_BINDINGS,
    binding_keys,
)
from kanban_pipe.ui.screens.board_loading import EMPTY_HINT, BoardLoading
from kanban_pipe.ui.screens.deal_actions import DealActions
from kanban_pipe.ui.screens.store_work import StoreWork, saves
from kanban_pipe.ui.session import Session
from kanban_pipe.ui.text import plain, safe_text
from kanban_pipe.ui.widgets.card import LEGEND
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


class BoardScreen(BoardLoading, Screen[None]):
    """The pipeline board: a DealHost for the deal keys, which DealActions saves."""

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
        super().__init__()
        self.session = session
        self.work = StoreWork(self, session)
        self.deals = DealActions(self, self.work, no_deal_hint="No deal here: n adds one")
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
    def store(self) -> PipelineStore:
        """The pipeline store (screens talk to the store; widgets never do)."""
        return self.session.store

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
            self.work.tell(f"{activity.actor} {what} '{title}'{detail}", timeout=5)

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

    def move_finished(self) -> None:
        """Close the milestone bar (if it asked) in the same frame as the move shows."""
        self._close_bar()

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

    # -- what the deal actions show ----------------------------------------------------

    def deal_changed(self, deal: Deal, *, before: Deal | None) -> None:
        """A key saved the deal: redraw the columns it left and entered, focus following it."""
        self.place(deal, before=before)

    def deal_undone(self, deal: Deal, words: str) -> None:
        """An undo changed the deal: re-read the board (the undo may have touched more)."""
        self.reload(changed=[deal.id], focus_id=deal.id, forget=True)
        # The store's words carry the whole undone detail; a toast names just what.
        what = words.split(" on '")[0].split(":")[0]
        self.work.tell(f"{what[:1].upper()}{what[1:]} on '{deal.title}'", timeout=4)

    # -- deal keys (DealActions saves them) -----------------------------------------------

    def action_move_deal(self, step: int) -> None:
        """Move the deal a stage forward (confirming the milestone) or back."""
        self.deals.move(step)

    def action_move_to_stage(self, number: int) -> None:
        """Move the deal straight to stage N (a forward jump confirms every milestone)."""
        self.deals.move_to_stage(number)

    def action_new_deal(self) -> None:
        """Add a deal to the focused stage."""
        self.deals.new_deal(self.stages[self.active])

    def action_open_deal(self) -> None:
        """Open the deal's detail: every field and the history, newest first."""
        self.deals.open_deal()

    def action_edit_deal(self) -> None:
        """Edit the focused deal's fields."""
        self.deals.edit()

    def action_next_step(self) -> None:
        """Set the next step: action, owner (you by default) and due date."""
        self.deals.next_step()

    def action_done(self) -> None:
        """Mark the next step done, then ask for the next one."""
        self.deals.done()

    def action_log_activity(self) -> None:
        """Log a call, email, meeting or note."""
        self.deals.log_activity()

    def action_won(self) -> None:
        """Close the deal as won."""
        self.deals.won()

    def action_lost(self) -> None:
        """Close the deal as lost, asking the reason."""
        self.deals.lost()

    def action_pause(self) -> None:
        """Pause the deal until a date: it leaves the board until then."""
        self.deals.pause()

    def action_delete(self) -> None:
        """Delete a duplicate or mistake, after asking."""
        self.deals.delete()

    def action_undo(self) -> None:
        """Undo your last change (also one made from the command line)."""
        self.deals.undo()

    # -- the board's own keys ----------------------------------------------------------

    @saves
    def action_reorder(self, offset: int) -> None:
        """Move the card up or down in the column's manual order."""
        deal = self.current_deal()
        if deal is None:
            self.notify("No deal here: n adds one", timeout=3)
            return
        if self.order is not CardOrder.MANUAL:
            self.order = CardOrder.MANUAL
            self.notify("Cards now in manual order (S cycles orders)", timeout=3)
        # A swap moves the neighbour too: re-read the column (reordering is rare).
        self.work.perform(lambda: self.store.reorder_deal(deal.id, offset),
                          lambda moved: self.reload(stage_keys={moved.stage},
                                                    changed=[moved.id], focus_id=moved.id))

    def action_review(self) -> None:
        """Review mode: the stand-up queue (mine when the board shows only mine)."""
        from kanban_pipe.ui.screens.review import ReviewScreen  # loads with review mode

        owner = self.store.user if self.only_mine else None
        # Deals changed during the review: the board re-reads everything when it closes.
        self.app.push_screen(ReviewScreen(self.session, owner=owner),
                             lambda _summary: self.reload(forget=True))

    def action_forecast(self) -> None:
        """Forecast and statistics of the whole pipeline."""
        from kanban_pipe.ui.screens.stats import open_statistics

        open_statistics(self, self.session)

    def action_help(self) -> None:
        """Every key and the highlight legend."""
        from kanban_pipe.ui.screens.help import HelpScreen

        self.app.push_screen(HelpScreen(keys=self.key_help(), legend=list(LEGEND)))

    def key_help(self) -> list[tuple[str, str]]:
        """(keys, what they do) from the live bindings, so help never drifts from them."""
        rows: list[tuple[str, str]] = []
        for binding in self.BINDINGS:
            if not isinstance(binding, Binding) or binding.action.startswith("answer_"):
                continue  # answers to the milestone bar are shown on the bar itself
            if binding.action.startswith("move_to_stage("):
                if binding.action == "move_to_stage(1)":
                    rows.append(("1–9", KEY_HELP["move_to_stage"]))
                continue
            rows.append((binding_keys(binding, self.app.get_key_display),
                         KEY_HELP.get(binding.action, binding.description)))
        rows.append(("ctrl+p", "command palette: every action by name"))
        return rows
