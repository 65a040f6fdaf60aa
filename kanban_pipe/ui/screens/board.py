"""The board: one column per stage, keys to navigate, and the header with totals.

The screen shows; three collaborators do the rest. `loader` reads, off the UI thread,
and keeps what was read (the columns' model); `deals` runs the deal keys, for which the
screen is the DealHost; `work` runs the board's own saves. Each column gets its card ids
and deals from the screen, and asks it (DealsWanted) for the deals of cards coming into
view that it does not have.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future
from time import monotonic
from typing import TYPE_CHECKING, TypeVar

from textual import on, work
from textual.app import ComposeResult
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Input, Static

from kanban_pipe.domain.errors import KanbanPipeError
from kanban_pipe.domain.models import Deal, Stage
from kanban_pipe.domain.ordering import BoardFilter, CardOrder, read_filter
from kanban_pipe.domain.rules import Slip
from kanban_pipe.store import PipelineStore
from kanban_pipe.ui.board_model import BoardModel
from kanban_pipe.ui.messages import StoreFailed
from kanban_pipe.ui.screens.board_header import (
    EMPTY_HINT,
    empty_hint,
    header_line,
    rate_note,
    read_only_banner,
    stage_heads,
)
from kanban_pipe.ui.screens.board_keys import (
    BOARD_BINDINGS,
    MILESTONE_BINDINGS,
    board_key_help,
    key_hints,
)
from kanban_pipe.ui.screens.board_loading import BoardLoader, ColumnLoad, ColumnRequest
from kanban_pipe.ui.screens.board_pipelines import NO_DEAL_HINT, BoardPipelines
from kanban_pipe.ui.screens.deal_actions import DealActions
from kanban_pipe.ui.screens.store_work import StoreWork, saves
from kanban_pipe.ui.session import Session
from kanban_pipe.ui.text import safe_text
from kanban_pipe.ui.textual_internals import KeysInTurnApp
from kanban_pipe.ui.widgets.board_columns import BoardColumns
from kanban_pipe.ui.widgets.card import LEGEND, QUALIFICATION_LEGEND
from kanban_pipe.ui.widgets.column import PREFETCH, CardPalette, StageColumn
from kanban_pipe.ui.widgets.fixed_text import FixedText
from kanban_pipe.ui.widgets.milestone_bar import MilestoneBar, milestone_question
from kanban_pipe.ui.widgets.safe_input import SafeInput

if TYPE_CHECKING:
    from kanban_pipe.domain.stats import StatsScope
    from kanban_pipe.ui.screens.stats import StatsAhead

T = TypeVar("T")

ORDERS = list(CardOrder)
LIVE_POLL_SECONDS = 0.5  # changes from other terminals show within a second
STATS_AHEAD_POLL_SECONDS = 0.1  # how often an idle board looks whether to read ahead


class BoardScreen(BoardPipelines, Screen[None]):
    """The pipeline board."""

    # The bar's answers first: for n, esc and enter they are tried before the board's own.
    BINDINGS = [*MILESTONE_BINDINGS, *BOARD_BINDINGS]
    # No widget takes the focus by itself (see compose): keys go to the board's bindings.
    AUTO_FOCUS = ""
    # The statistics are read ahead once no key came for this long (None: never). They are
    # read again only when something changed (a save, the owner filter, the day): moving
    # the cursor around never starts a read, and `f` a moment after a save finds the
    # figures read or under way (it waits for that read rather than starting its own).
    STATS_AHEAD_IDLE_SECONDS: float | None = 0.3
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
    #server-banner {
        height: auto; background: $error-muted; color: $text; padding: 0 1; display: none;
    }
    #server-banner.-shown { display: block; }
    #rate-banner { height: auto; background: $warning-muted; color: $text; padding: 0 1;
                   display: none; }
    #rate-banner.-shown { display: block; }
    #filter.-shown { display: block; }
    """

    def __init__(self, session: Session) -> None:
        super().__init__()
        self.session = session
        self.loader = BoardLoader(session.store)
        self.work = StoreWork(self, session)
        self.deals = DealActions(self, self.work, no_deal_hint=NO_DEAL_HINT)
        self.order = CardOrder.URGENCY
        self.text_filter = ""
        self.only_mine = False
        # Why the last read or save could not reach the server ('' while it can).
        self._unreachable = ""
        # What the no-exchange-rate banner says ('' while every amount has a rate).
        self._rate_note = ""
        # The header line as the sums last made it, and whether `f`'s read is slow.
        self._header = Content("")
        self._reading_statistics = False
        # Made in compose, kept at hand: the keys use them on every press.
        self._bar = MilestoneBar(id="milestones")
        self._board_columns: BoardColumns | None = None
        # The pipeline this board shows (the store's in view when it was made).
        self.pipeline_key = session.store.pipeline
        self._stats_ahead: StatsAhead | None = None  # made once the board is first idle
        self._mounted_at = 0.0

    @property
    def store(self) -> PipelineStore:
        """The pipeline store (screens talk to the store; widgets never do)."""
        return self.session.store

    @property
    def stages(self) -> list[Stage]:
        """The pipeline's stages, one column each."""
        return self.loader.stages

    @property
    def model(self) -> BoardModel:
        """Each column's cards as read and changed since (see BoardModel)."""
        return self.loader.model

    @property
    def _generation(self) -> int:
        """How many loads (and in-memory placements) the board has started."""
        return self.loader.generation

    @property
    def board_filter(self) -> BoardFilter:
        """What the board currently shows."""
        text, unqualified = read_filter(self.text_filter)
        qualifying = tuple(s.key for s in self.stages if s.requires_qualification)
        return BoardFilter(text, self.store.user if self.only_mine else None,
                           qualifying if unqualified else None)

    def read_ahead(self) -> None:
        """Start reading what the first frame shows (see BoardLoader.read_ahead)."""
        self.loader.read_ahead(self.session.today())

    # -- layout -----------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        """Header, one box per stage, the filter line and the footer."""
        if not self.loader.started:
            self.read_ahead()
        # First: showing it then shifts no other widget's painting order, which would
        # count them all as moved and repaint the whole screen.
        yield self._bar
        palette = CardPalette()
        yield palette
        yield FixedText(id="board-header")
        if self.store.read_only:
            yield Static(read_only_banner(self.store.read_only_reason), id="read-only-banner")
        # Shown while a team server is out of reach (never for a file).
        yield Static("", id="server-banner", markup=False)
        # Shown while some amounts have no exchange rate: which, and how to set one.
        yield Static("", id="rate-banner", markup=False)
        self._board_columns = BoardColumns(
            self.stages, width=self.app.size.width, today=self.session.today,
            palette=palette, empty_hint=EMPTY_HINT, id="columns")
        yield self._board_columns
        # The filter line is made on the first `/`: start-up need not build an Input.
        # A fixed line of the main keys rather than Textual's Footer: the board's keys
        # never change, and the Footer's many widgets are restyled and recomposed each
        # time a dialog closes, which made every confirmed move ~40 ms slower.
        yield Static(self._key_hints(self.app.size.width), id="key-hints")

    def _watch_and_reload(self) -> None:
        self.loader.watch()
        self.reload()

    def on_mount(self) -> None:
        """Show each column's first cards at once; read the full columns after that frame."""
        # Read ahead (see read_ahead): waits for those reads, or raises their store error.
        self._apply(self.loader.first_load())
        self.row.set_active(0)
        # After the first frame: start watching for others' changes (on a server that is
        # a LISTEN connection of its own), then read the full columns, so that anything
        # committed since the first reads is in them.
        self.call_after_refresh(self._watch_and_reload)
        self.set_interval(LIVE_POLL_SECONDS, self._poll_changes)
        self._mounted_at = monotonic()
        if self.STATS_AHEAD_IDLE_SECONDS is not None:
            self.set_interval(STATS_AHEAD_POLL_SECONDS, self._read_statistics_ahead)

    def on_screen_resume(self) -> None:
        """On top again (a dialog closed): the store shows this board's pipeline."""
        if self.store.pipeline != self.pipeline_key:
            self.store.use_pipeline(self.pipeline_key)

    def _under_another_board(self) -> bool:
        """True while another pipeline's board is shown over this one (it rests)."""
        stack = self.app.screen_stack
        return self in stack and any(isinstance(screen, BoardScreen)
                                     for screen in stack[stack.index(self) + 1:])

    def on_unmount(self) -> None:
        """Stop reading and close the readers' connections."""
        self.loader.close()
        if self._stats_ahead is not None:
            self._stats_ahead.close()

    def server_unreachable(self, reason: str) -> None:
        """A read or save found the server out of reach: say so until it is back."""
        self._unreachable = reason
        self._show_server_banner(self.store.connection_problem or reason)

    def _show_server_banner(self, text: str) -> None:
        banner = self.query_one("#server-banner", Static)
        if text:
            banner.update(Content.assemble(("SERVER", "bold reverse"), f" {safe_text(text)}"))
        banner.set_class(bool(text), "-shown")

    def _poll_changes(self) -> None:
        """Show what other terminals saved, keeping the focused deal, scroll and filter."""
        if self._under_another_board():
            return
        problem = self.store.connection_problem
        if problem:
            self._unreachable = problem
            self._show_server_banner(problem)
            return
        if self._unreachable:
            # Back (or it was a blip): catch up on everything; a read that fails again
            # shows the banner again.
            self._unreachable = ""
            self._show_server_banner("")
            self.loader.changed_elsewhere()
            self.reload(focus_id=self.active_column.current_deal_id, forget=True)
            return
        if not self.loader.changed_elsewhere():
            return  # nothing committed elsewhere: no refresh work at all
        focused = self.active_column.current_deal_id
        self.reload(focus_id=focused, forget=True)
        # Told: what was done to the focused deal, or to one of the user's own.
        for activity, title, owner in self.loader.others_activities():
            if activity.deal_id != focused and owner != self.store.user:
                continue
            what = activity.kind.value.replace("_", " ")
            detail = f" ({activity.detail})" if activity.detail else ""
            self.work.tell(f"{activity.actor} {what} '{title}'{detail}", timeout=5)

    @property
    def row(self) -> BoardColumns:
        """The row of stage columns."""
        assert self._board_columns is not None, "composed first"
        return self._board_columns

    def columns(self) -> list[StageColumn]:
        """The stage columns, left to right."""
        return self.row.columns

    def column(self, stage_key: str) -> StageColumn:
        """The column of a stage."""
        return self.row.column(stage_key)

    @property
    def active(self) -> int:
        """The index of the column the keys act on."""
        return self.row.active

    @property
    def active_column(self) -> StageColumn:
        """The column the keys act on."""
        return self.row.active_column

    def current_deal(self) -> Deal | None:
        """The deal under the cursor, if any (read now if the column does not have it)."""
        column = self.active_column
        deal_id = column.current_deal_id
        if deal_id is None:
            return None
        deal = column.current_deal()
        if deal is None:  # not read yet, or in doubt since a change elsewhere
            read = self.loader.deals([deal_id], self.session.today()).result()
            column.add_deals(read, read.slips)
            deal = read[deal_id]
        return deal

    def current_slip(self) -> Slip | None:
        """Why the deal under the cursor is slipping, as its card says (None: it is not)."""
        column = self.active_column
        deal_id = column.current_deal_id
        return column.slip(deal_id) if deal_id is not None else None

    # -- reading and showing ----------------------------------------------------------

    def reload(self, *, stage_keys: Iterable[str] | None = None,
               changed: Iterable[Deal] = (), focus_id: int | None = None,
               forget: bool = False) -> None:
        """Re-read some columns (all by default) off the UI thread, then show them.

        `changed` are deals the user just saved (shown as they are); `focus_id` is the
        deal the focus follows; `forget` holds every deal shown in doubt until read again.
        """
        wanted = set(stage_keys) if stage_keys is not None else None
        windows = self.row.before_reload(
            empty_hint=empty_hint(self.text_filter, self.only_mine), forget=forget)
        request = ColumnRequest(
            [s for s in self.stages if wanted is None or s.key in wanted], self.order,
            self.board_filter, self.session.today(), windows=windows, focus_id=focus_id,
            around=self.active_column.cards_on_screen + PREFETCH)
        saved = list(changed)
        self._hand_over(self.loader.reload(request),
                        lambda load: self._apply(load, changed=saved, focus_id=focus_id),
                        self.work.show_error)

    def place(self, deal: Deal, *, before: Deal | None = None) -> None:
        """Show a deal the user just changed: re-placed and summed in memory, no reads."""
        placed = self.loader.place(deal, before=before, order=self.order,
                                    board_filter=self.board_filter,
                                    today=self.session.today())
        if placed is None:
            stage_keys = {key for key in (deal.stage, before.stage if before else None) if key}
            self.reload(stage_keys=stage_keys, changed=[deal], focus_id=deal.id)
            return
        focus = (placed.stage, placed.index) if placed.stage and placed.index is not None \
            else None
        self.row.show({key: self.model.ids(key) for key in placed.touched},
                      changed=[deal], focus=focus)
        self._show_sums()
        if placed.stage is not None:
            # A save can push the close date once more: read whether it is slipping now.
            column = self.row.column(placed.stage)
            self._hand_over(self.loader.deals([deal.id], self.session.today()),
                            lambda read: column.add_deals(read, read.slips),
                            self._cards_unreadable)

    @work(name="read", group="read")
    async def _hand_over(self, future: Future[T], then: Callable[[T], None],
                         failed: Callable[[KanbanPipeError], None]) -> None:
        """Wait for a read, then hand what it brought to `then` on the UI thread.

        An (async) worker waits, so app.workers knows a read is under way; `then` runs
        on the event loop, as a message handler would.
        """
        try:
            result = await asyncio.wrap_future(future)
        except KanbanPipeError as error:
            failed(error)
            return
        then(result)

    def _apply(self, load: ColumnLoad, *, changed: Sequence[Deal] = (),
               focus_id: int | None = None) -> None:
        """Show what a load read; the focus follows `focus_id` if it is on the board."""
        shown = self.loader.take(load)
        row = self.row
        row.add_deals(load.deals, load.slips)
        focus = None
        if focus_id is not None:
            focus = next(((stage, ids.index(focus_id)) for stage, ids in shown.items()
                          if focus_id in ids), None)
        row.show(shown, changed=changed, focus=focus)
        if self.loader.take_sums(load):
            self._show_sums()

    @on(StageColumn.DealsWanted)
    def _read_deals(self, event: StageColumn.DealsWanted) -> None:
        column = event.column
        self._hand_over(self.loader.deals(event.deal_ids, self.session.today()),
                        lambda read: column.add_deals(read, read.slips),
                        self._cards_unreadable)

    def _cards_unreadable(self, error: KanbanPipeError) -> None:
        # A damaged page or the file gone: the cards cannot be shown, and the board ends
        # with the reason (as when the columns read while drawing).
        self.post_message(StoreFailed(error))

    def _show_sums(self) -> None:
        """Column heads and the header line from the model's sums."""
        heads, totals = stage_heads(self.stages, self.model.sums,
                                    self.loader.home_currency, self.loader.rates)
        self.row.show_heads(heads)
        self._header = header_line(
            db_label=self.session.db_label, user=self.store.user, only_mine=self.only_mine,
            text_filter=self.text_filter, order=self.order, totals=totals,
            read_only=self.store.read_only, pipeline=self.loader.pipeline_name)
        self._show_header()
        note = rate_note(totals)
        if note != self._rate_note:  # a changed banner lays the screen out again: rarely
            self._rate_note = note
            banner = self.query_one("#rate-banner", Static)
            banner.update(Content.assemble(("NO RATE", "bold reverse"), f" {note}"))
            banner.set_class(bool(note), "-shown")

    def _show_header(self) -> None:
        text = self._header
        if self._reading_statistics:
            text = Content.assemble(text, " · ", ("reading the statistics…", "italic"))
        self.query_one("#board-header", FixedText).show(text)

    def statistics_reading(self, reading: bool) -> None:
        """Say in the header line that `f`'s read is taking a while (or no longer)."""
        # In the header, not a toast: a toast would go on to the statistics screen, and
        # still say "reading" there once the figures are shown.
        if reading != self._reading_statistics:
            self._reading_statistics = reading
            self._show_header()

    # -- navigation ---------------------------------------------------------------------

    def _key_hints(self, width: int) -> Content:
        return key_hints(self.app.get_key_display, width=width,
                         read_only=self.store.read_only)

    def on_resize(self) -> None:
        """Columns share the width (below MIN_COLUMN_WIDTH each they scroll sideways); the
        footer keeps the keys that fit, help and quit always."""
        self.row.fit(self.size.width)
        self.query_one("#key-hints", Static).update(self._key_hints(self.size.width))

    def action_focus_column(self, step: int) -> None:
        """Focus the column left (-1) or right (+1)."""
        self.row.set_active(self.active + step)

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
            field = SafeInput(placeholder="filter by title, organization, contact or owner; "
                                          "is:unqualified for the clean-up", id="filter")
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

    @on(StageColumn.CardClicked)
    def _card_clicked(self, event: StageColumn.CardClicked) -> None:
        if self._bar.asking:
            return
        index = next(i for i, s in enumerate(self.stages) if s.key == event.stage_key)
        self.row.set_active(index)
        self.active_column.move_cursor(event.index)
        if event.chain >= 2:
            self.action_open_deal()

    # -- the milestone bar -------------------------------------------------------------

    def confirm_milestones(self, deal_title: str, from_stage: str, to_stage: str,
                           milestones: list[str], then: Callable[[bool | None], None]) -> None:
        """Ask in the bar over the board's foot: no dialog screen to push and pop."""
        self._bar.ask(milestone_question(deal_title, from_stage, to_stage, milestones), then)

    def action_answer_milestones(self, confirmed: bool) -> None:
        """y / enter confirms the milestones (and moves the deal); n / esc cancels."""
        self._bar.answer(confirmed)

    def move_finished(self) -> None:
        """Close the milestone bar (if it asked) in the same frame as the move shows."""
        self._bar.close()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """While the milestone bar asks (and saves), the board's keys wait for it."""
        asking = self._bar.asking
        return asking if action == "answer_milestones" else not asking

    # -- what the deal actions show ----------------------------------------------------

    def deal_changed(self, deal: Deal, *, before: Deal | None) -> None:
        """A key saved the deal: redraw the columns it left and entered, focus following it."""
        self.place(deal, before=before)

    def deal_undone(self, deal: Deal, words: str) -> None:
        """An undo changed the deal: re-read the board (the undo may have touched more)."""
        self.reload(changed=[deal], focus_id=deal.id, forget=True)
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

    def action_close_date(self) -> None:
        """Set the expected close date: one key, a date, enter."""
        self.deals.close_date()

    def action_forecast_call(self) -> None:
        """Call the deal in the forecast: category and own probability."""
        self.deals.forecast_call()

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
            self.notify(NO_DEAL_HINT, timeout=3)
            return
        if self.order is not CardOrder.MANUAL:
            self.order = CardOrder.MANUAL
            self.notify("Cards now in manual order (S cycles orders)", timeout=3)
        # A swap moves the neighbour too: re-read the column (reordering is rare).
        self.work.perform(lambda: self.store.reorder_deal(deal.id, offset),
                          lambda moved: self.reload(stage_keys={moved.stage or ''},
                                                    changed=[moved], focus_id=moved.id))

    def action_review(self) -> None:
        """Review mode: the stand-up queue (mine when the board shows only mine)."""
        from kanban_pipe.ui.screens.review import ReviewScreen  # loads with review mode

        owner = self.store.user if self.only_mine else None
        # Deals changed during the review: the board re-reads everything when it closes.
        self.app.push_screen(ReviewScreen(self.session, owner=owner),
                             lambda _summary: self.reload(forget=True))

    @property
    def stats_ahead(self) -> StatsAhead | None:
        """The statistics read ahead while the board was idle (None before it first was)."""
        return self._stats_ahead

    def stats_scope(self) -> StatsScope:
        """What `f` shows: the board's owner filter."""
        from kanban_pipe.domain.stats import StatsScope

        return StatsScope(owner=self.store.user if self.only_mine else None)

    def action_forecast(self) -> None:
        """Forecast and statistics of what the board shows: mine, or the whole team's."""
        from kanban_pipe.ui.screens.stats import open_statistics

        open_statistics(self, self.session, scope=self.stats_scope(), ahead=self._stats_ahead,
                        reading=self.statistics_reading)

    def _read_statistics_ahead(self) -> None:
        """When the board has been left alone a while: read the statistics `f` shows on a
        connection of their own, so that it shows them at once (~0.45 s of reading at
        100,000 deals, mostly in SQLite, beside the UI thread rather than in its way)."""
        idle = self.STATS_AHEAD_IDLE_SECONDS
        last_key = self.app.last_key_at if isinstance(self.app, KeysInTurnApp) else 0.0
        if (idle is None or self.app.screen is not self
                or monotonic() - max(last_key, self._mounted_at) < idle):
            return
        if self._stats_ahead is None:
            # Imported here, once the board is idle: start-up does not pay for the module.
            from kanban_pipe.ui.screens.stats import StatsAhead

            self._stats_ahead = StatsAhead(self.session)
        self._stats_ahead.prepare(self.stats_scope())

    def action_help(self) -> None:
        """Every key and the highlight legend."""
        from kanban_pipe.ui.screens.help import HelpScreen

        self.app.push_screen(HelpScreen(keys=self.key_help(),
                                       legend=[*LEGEND, QUALIFICATION_LEGEND]))

    def key_help(self) -> list[tuple[str, str]]:
        """(keys, what they do) from the live bindings, so help never drifts from them."""
        return board_key_help(self.BINDINGS, self.app.get_key_display)
