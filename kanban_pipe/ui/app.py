"""The Textual application: built by one factory for the CLI and the tests alike."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date

from textual import events, on, work
from textual.app import SystemCommand
from textual.screen import Screen

from kanban_pipe import collector
from kanban_pipe.domain.errors import KanbanPipeError, ServerUnavailableError
from kanban_pipe.domain.rules import local_date
from kanban_pipe.store import PipelineStore
from kanban_pipe.ui.messages import PipelineChosen, StoreFailed
from kanban_pipe.ui.screens.board import BoardScreen
from kanban_pipe.ui.screens.board_keys import (
    BOARD_BINDINGS,
    KEY_HELP,
    is_write_action,
    short_key,
)
from kanban_pipe.ui.session import Session
from kanban_pipe.ui.text import safe_text
from kanban_pipe.ui.textual_internals import KeysInTurnApp

_CURSOR_ACTIONS = ("focus_column(", "move_cursor(", "cursor_edge(")
# The workers that keys typed meanwhile wait for: saves (store_work), and `f`'s read of the
# statistics before their screen opens (screens.stats.open_statistics).
KEYS_WAIT_FOR = ("write", "stats-open")


class PipelineApp(KeysInTurnApp):
    """kanban-pipe's board application."""

    TITLE = "kanban-pipe"
    ENABLE_COMMAND_PALETTE = True
    # Toasts stop short of the board's right and bottom borders and of the footer, so the
    # rightmost column keeps its frame while a notice shows.
    CSS = """
    ToastRack { margin: 0 1 2 0; }
    """

    def __init__(self, store: PipelineStore, *, today: Callable[[], date] | None = None,
                 db_label: str | None = None, start_in_review: bool = False,
                 review_owner: str | None = None, review_top: int | None = None,
                 review_since: str = "") -> None:
        super().__init__()
        self.store = store
        self._today = today
        self.db_label = db_label or store.short_label
        self.start_in_review = start_in_review
        self.review_owner = review_owner
        self.review_top, self.review_since = review_top, review_since
        # Set when the deferred integrity check fails: the CLI reports it after exit.
        self.fatal_error: KanbanPipeError | None = None
        self.session = Session(store, self.today, self.db_label)
        self._board: BoardScreen | None = None
        if not start_in_review:
            # Made now so its first reads run while Textual starts up (~15 ms sooner).
            self._board = BoardScreen(self.session)
            self._board.read_ahead()

    def today(self) -> date:
        """The user's calendar day (fixed in tests, the store's clock otherwise)."""
        return self._today() if self._today else local_date(self.store.clock())

    async def on_event(self, event: events.Event) -> None:
        """Pasted text is cleaned of control characters before any input sees it."""
        if isinstance(event, events.Paste) and not event.text.isprintable():
            cleaned = "\n".join(safe_text(line) for line in event.text.split("\n"))
            event = events.Paste(cleaned)
        await super().on_event(event)

    def keys_wait(self) -> bool:
        """Keys typed ahead of a save wait for it: its end may open a form (`d` asks the
        next step), which those keys are meant for. So do keys typed after `f` while the
        statistics are read: `f` then `4` is the forecast call tab, not a move to stage 4."""
        return any(worker.group in KEYS_WAIT_FOR and not worker.is_finished
                   for worker in self.workers)

    def get_default_screen(self) -> Screen:
        """The board is the first screen (review mode pushes its own over a blank one).

        As the default screen it is composed and laid out with the app, and its first
        frame is drawn once: pushed from on_mount it was drawn a first time while the
        app still held back every frame, and that render was thrown away.
        """
        if self._board is None:
            return super().get_default_screen()
        return self._board

    def on_mount(self) -> None:
        """Straight into review mode for `kanban-pipe review`; check the file after a frame."""
        if self.start_in_review:
            from kanban_pipe.ui.screens.review import ReviewScreen  # only this mode needs it

            # Opened for the review alone: when it ends, so does the app.
            self.push_screen(ReviewScreen(self.session, owner=self.review_owner,
                                          top=self.review_top, since=self.review_since),
                             lambda _: self.exit())
        if self.store.location_warning:
            self.notify(safe_text(self.store.location_warning), title="Warning",
                        severity="warning", timeout=20, markup=False)
        if collector.paused():
            self.call_after_refresh(self._resume_collector)
        if self.store.integrity_pending:
            # After the first frame: the check reads the whole file (~1-2 s at 100k deals).
            self.call_after_refresh(self._verify_integrity)

    def _resume_collector(self) -> None:
        """After the first frame: what exists now (modules, styles, the board's widgets)
        lives as long as the app, so it is frozen out of later collections, which keeps
        them short on key presses too; the few cycles made while starting stay with it."""
        collector.resume(freeze=True)

    @work(thread=True, exclusive=True, group="integrity")
    def _verify_integrity(self) -> None:
        try:
            self.store.verify_integrity()
        except KanbanPipeError as error:
            self.call_from_thread(self._refuse_damaged, error)

    def uncaught_error(self, error: Exception) -> bool:
        """A store error nobody caught (a damaged page met by a read of the UI thread, the
        file gone) ends the app with its one-line reason instead of Textual's traceback."""
        if self.fatal_error is not None:
            return True  # a consequence of the store error the app is already leaving with
        if isinstance(error, ServerUnavailableError):
            self._server_unreachable(error)
            return True
        if isinstance(error, KanbanPipeError):
            self._refuse_damaged(error)
            return True
        return False

    @on(PipelineChosen)
    def _show_pipeline(self, event: PipelineChosen) -> None:
        """A board of the chosen pipeline replaces the one shown (its columns are the
        pipeline's stages); a replaced board's readers close as it goes."""
        self.store.use_pipeline(event.key)
        board = BoardScreen(self.session)
        board.read_ahead()
        # The first board is the default screen, which cannot be switched away: the next
        # one goes over it (which rests, reading nothing) and replaces later ones.
        if len(self.screen_stack) > 1 and isinstance(self.screen, BoardScreen):
            self.switch_screen(board)
        else:
            self.push_screen(board)

    @on(StoreFailed)
    def _store_failed(self, event: StoreFailed) -> None:
        """A read the board cannot do without failed: leave with the reason (a server out
        of reach is not a reason to leave: the board waits for it)."""
        if isinstance(event.error, ServerUnavailableError):
            self._server_unreachable(event.error)
        elif self.fatal_error is None:
            self._refuse_damaged(event.error)

    def _server_unreachable(self, error: ServerUnavailableError) -> None:
        """Tell the screen showing the board; it says so and catches up once it is back."""
        screen = self.screen
        show = getattr(screen, "server_unreachable", None)
        if show is not None:
            show(str(error))

    def _refuse_damaged(self, error: KanbanPipeError) -> None:
        """A damaged file: nothing was written; leave with the reason."""
        self.fatal_error = error
        self.exit(return_code=1)

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        """The command palette: every board action once, by name with its key, and what
        it does; on a read-only board only what looks. Not Textual's own (theme, keys
        panel, screenshot): they are no sales work, and their keys would clash."""
        if isinstance(screen, BoardScreen):
            yield from self._board_commands(screen)
            return
        yield SystemCommand("Quit (ctrl+q)", KEY_HELP["app.quit"], self.action_quit)

    def _board_commands(self, screen: BoardScreen) -> Iterable[SystemCommand]:
        read_only = self.store.read_only
        seen: set[str] = set()
        for binding in BOARD_BINDINGS:
            action = binding.action
            # Moving the cursor is for keys, not for a palette.
            if action in seen or action.startswith(_CURSOR_ACTIONS) or (
                    read_only and is_write_action(action)):
                continue
            seen.add(action)
            if action.startswith("move_to_stage("):
                number = int(action.removeprefix("move_to_stage(").rstrip(")"))
                if number > len(screen.stages):
                    continue
                title = f"Move to {screen.stages[number - 1].name} ({number})"
                words = KEY_HELP["move_to_stage"]
            else:
                title = f"{binding.description} ({short_key(binding, self.get_key_display)})"
                words = KEY_HELP.get(action, binding.description)
            yield SystemCommand(title, words,
                                lambda action=action: screen.run_action(action))


def create_app(store: PipelineStore, *, today: Callable[[], date] | None = None,
               db_label: str | None = None, start_in_review: bool = False,
               review_owner: str | None = None, review_top: int | None = None,
               review_since: str = "") -> PipelineApp:
    """The one factory for the board app (CLI, tests and benchmarks use it)."""
    return PipelineApp(store, today=today, db_label=db_label, start_in_review=start_in_review,
                       review_owner=review_owner, review_top=review_top,
                       review_since=review_since)


def run_board(store: PipelineStore, *, db_label: str | None = None,
              start_in_review: bool = False, review_owner: str | None = None,
              review_top: int | None = None, review_since: str = "") -> None:
    """Open the board (or review mode) on a store and return when the user quits.

    Raises the store's error when the file turned out damaged (in the deferred integrity
    check or while drawing), and SystemExit with the app's code if it crashed otherwise.
    """
    app = create_app(store, db_label=db_label, start_in_review=start_in_review,
                     review_owner=review_owner, review_top=review_top,
                     review_since=review_since)
    # No cycle collection until the first frame is out (see _resume_collector): its full
    # passes walk every object Textual and the package have made, 25-40 ms each, and
    # at start-up one fell on nearly every frame.
    collector.pause()
    try:
        app.run()
    finally:
        collector.resume()  # already on after the first frame; this for an app that never drew
    if app.fatal_error is not None:
        raise app.fatal_error
    if app.return_code:
        raise SystemExit(app.return_code)
