"""Review mode: the stand-up walks the queue one deal at a time and fixes each with board keys.

The write keys are the board's own (DealActions: the same modals and store calls); this
screen is their DealHost: it supplies the deal they act on and takes each saved deal back
into the walk.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Literal, TypeVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.screen import Screen
from textual.widgets import ContentSwitcher, Footer, Static

from kanban_pipe.domain.errors import KanbanPipeError
from kanban_pipe.domain.models import Deal, QualificationFact, Stage
from kanban_pipe.domain.review import (
    QUEUE_TITLES,
    ChangesSince,
    Queue,
    ReviewItem,
    parse_since,
    top_of_each,
)
from kanban_pipe.domain.review_walk import ReviewSummary, ReviewWalk
from kanban_pipe.domain.rules import Slip
from kanban_pipe.domain.stages import UNKNOWN_STAGE
from kanban_pipe.store import PipelineStore
from kanban_pipe.store.review import (
    ReviewRecord,
    changes_since_last_review,
    record_review,
    review_queue,
)
from kanban_pipe.ui.screens import review_view as view
from kanban_pipe.ui.screens.board_keys import KEY_HELP, binding_keys
from kanban_pipe.ui.screens.deal_actions import DealActions
from kanban_pipe.ui.screens.qualify import QualifyForm
from kanban_pipe.ui.screens.store_work import StoreWork, saves
from kanban_pipe.ui.session import Session
from kanban_pipe.ui.text import safe_text
from kanban_pipe.ui.widgets.card import LEGEND

T = TypeVar("T")
Phase = Literal["loading", "intro", "deal", "saving", "summary"]

REVIEW_BINDINGS: list[BindingType] = [
    Binding("space,n,j", "next_deal", "Next", id="review.next"),
    Binding("b,k", "previous_deal", "Back", id="review.back"),
    # The walk's keys, then the deal's, Q among the first: so at 80 columns the footer
    # still shows how to qualify and how to end.
    Binding("escape,q", "end_review", "End", id="review.end"),
    Binding("Q", "qualify", "Qualify", id="review.qualify"),
    Binding("s", "next_step", "Next step", id="review.next_step"),
    Binding("shift+right,greater_than_sign", "move_deal(1)", "Move ›", id="review.forward"),
    Binding("shift+left,less_than_sign", "move_deal(-1)", "‹ Stage", show=False,
            id="review.back_stage"),
    Binding("p", "pause", "Pause", id="review.pause"),
    Binding("w", "won", "Won", id="review.won"),
    Binding("x", "lost", "Lost", id="review.lost"),
    Binding("a", "log_activity", "Log", id="review.log"),
    Binding("e", "edit_deal", "Edit/owner", id="review.edit"),
    Binding("c", "close_date", "Close date", id="review.close_date"),
    Binding("F", "forecast_call", "Call", show=False, id="review.forecast_call"),
    Binding("tab", "next_queue", "Next queue", show=False, id="review.next_queue"),
    *[Binding(str(n), f"jump_queue({n})", f"Queue {n}", show=False, id=f"review.queue{n}")
      for n in range(1, len(Queue) + 1)],
    Binding("S", "since", "Since…", id="review.since"),
    Binding("t", "top", "Top per queue", id="review.top"),
    Binding("r", "record", "Record review", id="review.record"),
    Binding("d", "done", "Done", show=False, id="review.done"),
    Binding("u,ctrl+z", "undo", "Undo", show=False, id="review.undo"),
    Binding("enter", "enter", "Open", show=False, id="review.open"),
    Binding("question_mark", "help", "Help", show=False, id="review.help"),
]

# Keys that act on the deal on screen, so only while one is shown.
_DEAL_ACTIONS = {"previous_deal", "next_step", "move_deal", "pause", "won", "lost",
                 "log_activity", "edit_deal", "qualify", "done", "undo", "close_date",
                 "forecast_call"}
# Keys of the opening page only: they choose what the review covers before it starts.
_INTRO_ACTIONS = {"since", "top"}
# The caps `t` steps through (None: every deal of each queue).
TOP_CHOICES: tuple[int | None, ...] = (None, 5, 10, 20)
_REVIEW_HELP = {
    "next_deal": "next deal (skips this one; it stays in the queue)",
    "previous_deal": "back to the previous deal still in the queue",
    "edit_deal": "edit the deal's fields, the owner among them",
    "qualify": "confirm or clear decision maker, need and timeline",
    "enter": "start the review; then open the deal's detail",
    "end_review": "end the walk: the summary of what was decided (r on it records it)",
    "next_queue": "on to the next queue, skipping the rest of this one",
    "jump_queue": "straight to a queue: 1 closing soon, 2 stale, 3 overdue, 4 no next step, "
                  "5 unqualified, 6 slipping",
    "since": "on the opening page: the changes since the last review, monday, 7d, a date",
    "top": "on the opening page: walk only the top 5, 10 or 20 of each queue, or all",
    "record": "on the summary: record the review (the next one's changes start from now)",
    "close_date": "set the expected close date (c, +2w, enter)",
    "forecast_call": "call the deal in the forecast: category (1-4) and own probability",
}
_HISTORY_SHOWN = 5
_END_OF_QUEUE_HINT = "End of the queue: b goes back, esc ends the review"


class ReviewScreen(Screen[None]):
    """The stand-up queue; when it closes, `result` holds the summary (None if never loaded)."""

    BINDINGS = REVIEW_BINDINGS
    CSS_PATH = "review.tcss"
    # Below 30 lines (80x24) the blocks tighten so 'What is missing' keeps its room.
    VERTICAL_BREAKPOINTS = [(0, "-short"), (30, "-tall")]

    def __init__(self, session: Session, *, owner: str | None = None, top: int | None = None,
                 since: str = "") -> None:
        super().__init__()
        self.session = session
        self.work = StoreWork(self, session)
        self.deals = DealActions(
            self, self.work, no_deal_hint=_END_OF_QUEUE_HINT)
        self.owner = owner
        self.phase: Phase = "loading"
        self.stages: list[Stage] = []
        self._pipeline = ""
        self.walk = ReviewWalk([], {}, date.min)
        self.result: ReviewSummary | None = None
        self.recorded: ReviewRecord | None = None
        self.top = top
        self.since = since
        self.items: list[ReviewItem] = []
        self.changes: ChangesSince | None = None
        self._started_at: datetime | None = None

    @property
    def store(self) -> PipelineStore:
        """The pipeline store (screens talk to the store; widgets never do)."""
        return self.session.store

    def _stage(self, key: str | None) -> Stage:
        return next((s for s in self.stages if s.key == key), UNKNOWN_STAGE)

    def compose(self) -> ComposeResult:
        """Progress line, the page of the current phase, the keys."""
        yield Static(id="review-header")
        with ContentSwitcher(initial="review-loading", id="review-pages"):
            yield Static(Content("Reading the pipeline…"), id="review-loading")
            with VerticalScroll(id="review-intro"):
                yield Static(id="intro-body")
            with Vertical(id="review-deal"):
                yield Static(id="deal-reason")
                yield Static(id="deal-card")
                with Horizontal(id="deal-lower"):
                    yield Static(id="deal-missing")
                    yield Static(id="deal-activities")
                yield Static(id="deal-end")
            with VerticalScroll(id="review-summary"):
                yield Static(id="summary-body")
        # Compact: at 80 columns every key, Q Qualify and esc End too, fits the line.
        yield Footer(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        """Read the queue and the changes in a worker (100,000 deals take a moment)."""
        self._started_at = self.store.clock()
        self._header()
        self._load(self.session.today())

    def _since_day(self, today: date) -> date | None:
        try:
            return parse_since(self.since, today)
        except KanbanPipeError as error:  # a bad --since: say so, show the usual changes
            self.app.call_from_thread(self.work.show_error, error)
            self.since = ""
            return None

    @work(thread=True, group="review-load", exclusive=True)
    def _load(self, today: date) -> None:
        try:
            stages = self.store.stages()
            self._pipeline = self.store.pipeline_label()  # read here, off the UI thread
            items = review_queue(self.store, today=today, owner=self.owner)
            changes = changes_since_last_review(self.store, owner=self.owner,
                                                since=self._since_day(today))
        except KanbanPipeError as error:
            self.app.call_from_thread(self.work.show_error, error)
            return
        self.app.call_from_thread(self._loaded, stages, items, changes, today)

    @work(thread=True, group="review-load", exclusive=True)
    def _load_changes(self, today: date) -> None:
        try:
            changes = changes_since_last_review(self.store, owner=self.owner,
                                                since=self._since_day(today))
        except KanbanPipeError as error:
            self.app.call_from_thread(self.work.show_error, error)
            return
        self.app.call_from_thread(self._changes_loaded, changes)

    def _loaded(self, stages: list[Stage], items: list[ReviewItem], changes: ChangesSince,
                today: date) -> None:
        self.stages, self.items, self.changes = stages, items, changes
        self._new_walk(today)
        self._set_phase("intro")

    def _changes_loaded(self, changes: ChangesSince) -> None:
        self.changes = changes
        self._show_intro()

    def _new_walk(self, today: date) -> None:
        """The walk over the top of each queue (all of it without a cap)."""
        self.walk = ReviewWalk(top_of_each(self.items, self.top),
                               {stage.key: stage for stage in self.stages}, today)
        self._show_intro()

    def _show_intro(self) -> None:
        if self.changes is not None:
            self.query_one("#intro-body", Static).update(
                view.intro(self.changes, self.items, top=self.top))
        self._header()

    # -- showing ----------------------------------------------------------------------

    def _set_phase(self, phase: Phase) -> None:
        self.phase = phase
        page = {"loading": "review-loading", "intro": "review-intro", "deal": "review-deal",
                "saving": "review-loading", "summary": "review-summary"}[phase]
        self.query_one("#review-pages", ContentSwitcher).current = page
        self.refresh_bindings()
        self._header()

    def _header(self) -> None:
        scope = safe_text(self.owner) if self.owner else "everyone"
        # The pipeline walked, once the file has several (or "all pipelines").
        walked = f" · {safe_text(self._pipeline)}" if self._pipeline else ""
        parts: list[str | tuple[str, str]] = [("Review", "bold"), f"{walked} · {scope} · "]
        if self.phase == "intro":
            parts.append(f"{self.walk.total} deals to walk")
            if self.top is not None:
                parts.append(f" (the top {self.top} of each queue)")
        elif self.phase == "deal":
            where = self.walk.queue_position()
            if where is not None:
                title, place, size = where
                parts += [(title, "bold"), f" {place} of {size} · "]
            parts.append((f"{self.walk.left} of {self.walk.total} left", "bold reverse"))
        elif self.phase in ("saving", "summary"):
            parts.append("finished")
        self.query_one("#review-header", Static).update(Content.assemble(*parts))

    def _show_deal(self) -> None:
        """Draw the current deal (or the end of the queue) and the progress line."""
        self._header()
        item = self.walk.current
        self.query_one("#deal-end", Static).display = item is None
        for name in ("deal-reason", "deal-card", "deal-lower"):
            self.query_one(f"#{name}").display = item is not None
        if item is None:
            self.query_one("#deal-end", Static).update(view.end_of_queue(self.walk.total))
            return
        stage = self._stage(item.deal.stage)
        today = self.session.today()
        self.query_one("#deal-reason", Static).update(view.reason_banner(item))
        self.query_one("#deal-reason", Static).set_classes(f"queue-{item.queue.value}")
        self.query_one("#deal-card", Static).update(
            view.deal_card(item, stage, self.stages, today))
        self.query_one("#deal-missing", Static).update(view.missing(item, stage, today))
        # One indexed read of five rows, as the board's detail does on the UI thread.
        history = self.store.activities(item.deal.id, limit=_HISTORY_SHOWN)
        self.query_one("#deal-activities", Static).update(view.activities(history))

    # -- what the deal actions act on and show ----------------------------------------

    def current_deal(self) -> Deal | None:
        """The deal on screen."""
        item = self.walk.current if self.phase == "deal" else None
        return item.deal if item else None

    def current_slip(self) -> Slip | None:
        """Why the deal on screen is slipping, as the queue was read (None: it is not)."""
        item = self.walk.current if self.phase == "deal" else None
        return item.slip if item else None

    def deal_changed(self, deal: Deal, *, before: Deal | None) -> None:
        """A deal key saved the deal: note what was decided and re-check its reason."""
        self.walk.update(deal)
        if self.phase == "deal":
            self._show_deal()

    def deal_undone(self, deal: Deal, words: str) -> None:
        """An undo changed the deal: its place in the queue is re-checked."""
        self.walk.update(deal)
        self.work.tell(words[:1].upper() + words[1:])
        if self.phase == "deal":
            self._show_deal()

    def confirm_milestones(self, deal_title: str, from_stage: str, to_stage: str,
                           milestones: list[str], then: Callable[[bool | None], None]) -> None:
        """Ask to confirm the milestones a forward move claims, in a dialog."""
        from kanban_pipe.ui.screens.confirm import MilestoneConfirm  # loads when it opens

        self.app.push_screen(
            MilestoneConfirm(deal_title=deal_title, from_stage=from_stage, to_stage=to_stage,
                             milestones=milestones),
            then,
        )

    def move_finished(self) -> None:
        """Nothing to close: the dialog closed when it was answered."""

    # -- deal keys (DealActions saves them) -----------------------------------------------

    def action_next_step(self) -> None:
        """Set the next step: action, owner (you by default) and due date."""
        self.deals.next_step()

    def action_move_deal(self, step: int) -> None:
        """Move the deal a stage forward (confirming the milestone) or back."""
        self.deals.move(step)

    def action_pause(self) -> None:
        """Pause the deal until a date: it leaves the queue."""
        self.deals.pause()

    def action_won(self) -> None:
        """Close the deal as won."""
        self.deals.won()

    def action_lost(self) -> None:
        """Close the deal as lost, asking the reason."""
        self.deals.lost()

    def action_log_activity(self) -> None:
        """Log a call, email, meeting or note."""
        self.deals.log_activity()

    def action_edit_deal(self) -> None:
        """Edit the deal's fields, the owner among them."""
        self.deals.edit()

    def action_done(self) -> None:
        """Mark the next step done, then ask for the next one."""
        self.deals.done()

    def action_undo(self) -> None:
        """Undo your last change; the deal's place in the queue is re-checked."""
        self.deals.undo()

    def action_help(self) -> None:
        """Every key of review mode and the highlight legend."""
        from kanban_pipe.ui.screens.help import HelpScreen

        self.app.push_screen(HelpScreen(keys=self.key_help(), legend=list(LEGEND)))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Deal keys only while a deal is shown; the footer follows the phase."""
        if action in _DEAL_ACTIONS:
            return self.phase == "deal"
        if action in _INTRO_ACTIONS:
            return self.phase == "intro"
        if action == "record":
            return self.phase == "summary" and self.recorded is None
        if action in ("next_deal", "next_queue", "jump_queue"):
            return self.phase in ("intro", "deal")
        return self.phase != "saving" if action == "end_review" else True

    def key_help(self) -> list[tuple[str, str]]:
        """(keys, what they do) from this screen's bindings, for the help modal."""
        rows: list[tuple[str, str]] = []
        for binding in self.BINDINGS:
            if not isinstance(binding, Binding):
                continue
            if binding.action.startswith("jump_queue("):
                if binding.action == "jump_queue(1)":
                    rows.append((f"1–{len(Queue)}", _REVIEW_HELP["jump_queue"]))
                continue
            words = _REVIEW_HELP.get(binding.action) or KEY_HELP.get(binding.action)
            rows.append((binding_keys(binding, self.app.get_key_display),
                         words or binding.description))
        return rows

    # -- review keys ------------------------------------------------------------------

    def action_next_deal(self) -> None:
        """Start the walk, or go on to the next deal (skipping this one)."""
        if self.phase == "intro":
            self._set_phase("deal")
        elif self.phase == "deal":
            self.walk.next()
        self._show_deal()

    def action_next_queue(self) -> None:
        """On to the next queue that holds a deal (from the opening page: the first)."""
        queue = self.walk.following_queue()
        if queue is None:
            self.notify("Nothing left in any queue", timeout=2)
            return
        self._jump(queue)

    def action_jump_queue(self, number: int) -> None:
        """Straight to queue N (1 closing soon … 6 slipping)."""
        queues = list(Queue)
        if not 1 <= number <= len(queues):
            return
        self._jump(queues[number - 1])

    def _jump(self, queue: Queue) -> None:
        if not self.walk.jump(queue):
            self.notify(f"Nothing to walk in {QUEUE_TITLES[queue]}", timeout=2)
            return
        if self.phase == "intro":
            self._set_phase("deal")
        self._show_deal()

    def action_since(self) -> None:
        """Choose what 'what changed' covers: the last review, monday, 7d, a date."""
        from kanban_pipe.ui.screens.date_forms import SinceForm  # loads when it opens

        def chosen(text: str | None) -> None:
            if text is not None:
                self.since = text
                self._load_changes(self.session.today())

        self.app.push_screen(SinceForm(today=self.session.today(), current=self.since), chosen)

    def action_top(self) -> None:
        """Walk only the top 5, 10 or 20 of each queue (by what is at stake), or all."""
        place = TOP_CHOICES.index(self.top) if self.top in TOP_CHOICES else 0
        self.top = TOP_CHOICES[(place + 1) % len(TOP_CHOICES)]
        self._new_walk(self.session.today())
        self.notify(f"Walking the top {self.top} of each queue" if self.top
                    else "Walking every deal of each queue", timeout=2)

    def action_close_date(self) -> None:
        """Set the expected close date: one key, a date, enter."""
        self.deals.close_date()

    def action_forecast_call(self) -> None:
        """Call the deal in the forecast: category and own probability (as F on the board)."""
        self.deals.forecast_call()

    def action_previous_deal(self) -> None:
        """Back to the previous deal still in the queue."""
        if not self.walk.previous():
            self.notify("This is the first deal in the queue", timeout=2)
        self._show_deal()

    def action_enter(self) -> None:
        """Start from the opening page; open the deal's detail; close the summary."""
        if self.phase == "intro":
            self.action_next_deal()
        elif self.phase == "deal":
            self.deals.open_deal()
        elif self.phase == "summary":
            self.dismiss(None)

    @saves
    def action_qualify(self) -> None:
        """Confirm or clear qualification facts with three toggles."""
        deal = self.current_deal()
        if deal is None:
            self.notify(_END_OF_QUEUE_HINT, timeout=3)
            return

        def saved(deal: Deal) -> None:
            self.deal_changed(deal, before=None)
            self.work.tell("Qualification saved")

        def save(facts: dict[QualificationFact, bool] | None) -> None:
            if facts:
                self.work.perform(
                    lambda: self.store.qualify_deal(deal.id, facts,
                                                    expected_version=deal.version),
                    saved)

        self.app.push_screen(QualifyForm(deal_title=deal.title, current=deal.qualification),
                             save)

    def action_end_review(self) -> None:
        """End the walk: show what was decided (not recorded yet); from the summary, leave.

        Opening review mode and leaving records nothing: only `r` on the summary makes
        this the review the next one's changes start from.
        """
        if self.phase in ("summary", "loading"):
            self.dismiss(None)
            return
        if self.phase == "saving":
            return
        self.result = self.walk.summary(self.owner)
        self._summary(None)

    @saves
    def action_record(self) -> None:
        """On the summary: record the review, so the next one starts from now."""
        summary = self.result
        if self.phase != "summary" or summary is None or self.recorded is not None:
            return
        self._set_phase("saving")
        started = self._started_at or self.store.clock()

        def recorded(record: ReviewRecord) -> None:
            self.recorded = record
            self._summary(None)

        def refused(error: KanbanPipeError) -> None:
            self.work.show_error(error)
            self._summary(f"Not recorded: {error}")

        self.work.perform(
            lambda: record_review(self.store, started_at=started, summary=summary),
            recorded, refused)

    def _summary(self, problem: str | None) -> None:
        if self.result is not None:
            self.query_one("#summary-body", Static).update(view.summary(
                self.result, recorded=self.recorded.id if self.recorded else None,
                problem=safe_text(problem) if problem else ""))
        self._set_phase("summary")
