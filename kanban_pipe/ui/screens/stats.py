"""The statistics screen (`f` on the board): forecast, history and hints as text charts, the
team table, the lost deals and the forecast call, in four tabs; it covers what the board's
owner filter shows."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future
from datetime import date
from time import monotonic
from typing import TYPE_CHECKING, Any

from textual import events, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Static
from textual.worker import get_current_worker

from kanban_pipe.domain.charts import Section, period_words, report, scope_words
from kanban_pipe.domain.errors import KanbanPipeError
from kanban_pipe.domain.stats import WHOLE_PIPELINE, PipelineStats, StatsScope, compute_stats
from kanban_pipe.store.stats import gather_stats
from kanban_pipe.ui.screens.board_loading import ReadLane
from kanban_pipe.ui.text import safe_text

if TYPE_CHECKING:
    from kanban_pipe.store import PipelineStore
    from kanban_pipe.ui.session import Session

# The report's sections by where they go: the hints across the top, two columns, then the
# (wide) lead-source table across the bottom.
PLACES = {
    "top": ("hints",), "left": ("pipeline", "forecast", "trend"),
    "right": ("win_rate", "conversion", "calibration"), "bottom": ("sources",),
    "team": ("team",), "lost": ("lost",), "call": ("call", "accuracy"),
}
# The tabs, in order, with the key that shows each.
TABS = (("overview", "1 Overview"), ("team", "2 Team"), ("lost", "3 Lost"),
        ("call", "4 Forecast call"))
# Below this width the two columns stack: their tables need about 70 cells each.
NARROW_WIDTH = 140
SLOW_READ_SECONDS = 0.4


class StatsScreen(Screen[None]):
    """Forecast and statistics of the whole pipeline, read in a worker thread."""

    # Default CSS, not a CSS_PATH: Textual parses a screen's CSS_PATH on its first push
    # by re-parsing every stylesheet and restyling the whole app, board included
    # (~70 ms at 100,000 deals); default CSS is parsed alone and styles only this screen.
    DEFAULT_CSS = """
    StatsScreen { layout: vertical; }
    #stats-title { height: 1; background: $panel; color: $text; text-style: bold; padding: 0 1; }
    #stats-tab-bar { height: 1; padding: 0 1; link-style: none; link-color: $text-muted;
                     link-background: transparent; link-style-hover: bold; }
    .stats-body { height: 1fr; }
    #stats-status { color: $text-muted; padding: 0 1; }
    #stats-columns { height: auto; }
    /* Tables and bars keep their lines: cut at the edge rather than wrapped out of line. */
    .stats-block { padding: 0 1; margin-top: 1; text-wrap: nowrap; text-overflow: ellipsis; }
    #stats-top { text-wrap: wrap; }
    .stats-column { width: 1fr; }
    StatsScreen.-narrow #stats-columns { layout: vertical; }
    StatsScreen.-narrow .stats-column { width: 100%; }
    """
    BINDINGS = [
        Binding("escape,q", "close", "Close", id="stats.close"),
        Binding("r", "reload", "Reload", id="stats.reload"),
        Binding("1", "tab('overview')", "Overview", id="stats.overview"),
        Binding("2", "tab('team')", "Team", id="stats.team"),
        Binding("3", "tab('lost')", "Lost", id="stats.lost"),
        Binding("4", "tab('call')", "Forecast call", id="stats.call"),
    ]

    def __init__(self, session: Session, stats: PipelineStats | None = None, *,
                 error: KanbanPipeError | None = None,
                 scope: StatsScope = WHOLE_PIPELINE) -> None:
        super().__init__()
        self.session = session
        self.stats: PipelineStats | None = None
        self.scope = stats.scope if stats is not None else scope
        self._first = stats
        self._error = error
        self._tab = TABS[0][0]  # the tab shown

    def compose(self) -> ComposeResult:
        """A title line, the tabs' line and a body per tab, filled with the figures when
        they are in already (else once they are read)."""
        # A handful of widgets whose text is replaced: a widget per section would cost a
        # styling and layout pass each. The keys are named here: a Footer would cost a
        # quarter of the time it takes to open this screen. The tabs are a line of text and
        # a body shown per tab, not a TabbedContent: its tabs, underline and switcher were
        # about half the time from `f` to the drawn screen (its underline slides, redrawn
        # frame by frame), and its bodies were filled after they were laid out, a second
        # layout pass; here the figures are in the widgets as they are first laid out.
        texts = _texts(self._first) if self._first is not None else {}
        yield Static(Content("kanban-pipe · forecast and statistics · "
                             f"{scope_words(self.scope, safe_text)} · 1-4 tabs · "
                             "esc close · r reload"), id="stats-title")
        yield Static(_tab_bar(self._tab), id="stats-tab-bar")
        with VerticalScroll(id="stats-body", classes="stats-body"):
            yield Static(texts.get("status", Content("Reading the pipeline and its history…")),
                         id="stats-status")
            yield Static(texts.get("top", ""), id="stats-top", classes="stats-block")
            with Horizontal(id="stats-columns"):
                for place in ("left", "right"):
                    yield Static(texts.get(place, ""), id=f"stats-{place}",
                                 classes="stats-block stats-column")
            yield Static(texts.get("bottom", ""), id="stats-bottom", classes="stats-block")
        for key, _ in TABS[1:]:
            body = VerticalScroll(id=f"stats-{key}-body", classes="stats-body")
            body.display = False  # as composed: no restyle once mounted
            with body:
                yield Static(texts.get(key, ""), id=f"stats-{key}", classes="stats-block")

    def on_mount(self) -> None:
        """Read the figures now unless they came with the screen; the body scrolls with
        the arrow keys."""
        self._body(self._tab).focus()
        if self._first is not None:
            self.stats = self._first
        elif self._error is not None:
            self._failed(self._error)
        else:
            self.action_reload()

    def on_resize(self, event: events.Resize) -> None:
        """Stack the two columns on a narrow terminal."""
        narrow = event.size.width < NARROW_WIDTH
        if narrow != self.has_class("-narrow"):  # a class change restyles the whole screen
            self.set_class(narrow, "-narrow")

    def action_reload(self) -> None:
        """Read the statistics again (other terminals may have changed deals)."""
        self._read(self.session.today())

    def action_tab(self, key: str) -> None:
        """Show one tab (a key, or a click on the tabs' line); its body takes the arrow
        keys."""
        if key == self._tab:
            return
        with self.app.batch_update():
            self._body(self._tab).display = False
            body = self._body(key)
            body.display = True
            self._tab = key
            self.query_one("#stats-tab-bar", Static).update(_tab_bar(key))
        body.focus()

    def _body(self, key: str) -> VerticalScroll:
        """The scrolling body of tab `key`."""
        return self.query_one("#stats-body" if key == "overview" else f"#stats-{key}-body",
                              VerticalScroll)

    def action_close(self) -> None:
        """Back to the board."""
        self.dismiss(None)

    @work(thread=True, exclusive=True, group="stats")
    def _read(self, today: date) -> None:
        try:
            stats = compute_stats(gather_stats(self.session.store, today=today,
                                               scope=self.scope))
        except KanbanPipeError as error:
            self.app.call_from_thread(self._failed, error)
            return
        self.app.call_from_thread(self.show_stats, stats)

    def _failed(self, error: KanbanPipeError) -> None:
        # The message may quote a path or a name: shown as text, never markup.
        self.query_one("#stats-status", Static).update(
            Content(f"Could not read the statistics: {safe_text(str(error))} (r retries)"))

    def show_stats(self, stats: PipelineStats) -> None:
        """Show every section of `stats`."""
        self.stats = stats
        with self.app.batch_update():
            for place, text in _texts(stats).items():
                self.query_one(f"#stats-{place}", Static).update(text)


class StatsAhead:
    """The statistics read ahead on a connection of their own (the board does it when
    idle), with what the pipeline was when they were read: `f` shows them at once while
    nothing has changed since."""

    # Reads for others' saves at most this many times their own length apart: a board left
    # open on a wall while others save all day would otherwise read again after every
    # save (~0.45 s of CPU each at 100,000 deals); this keeps it to a tenth of a core.
    # A save in this terminal is read again at once (once the board is idle): `f` right
    # after moving a deal is what a stand-up does, and should not read cold.
    SPACING = 10.0

    def __init__(self, session: Session) -> None:
        self._session = session
        self._lane = ReadLane(session.store, "stats-ahead")
        self._read: tuple[tuple[Any, ...], Future[PipelineStats]] | None = None
        self._last = (0.0, 0.0)  # when the last read began (time.monotonic), how long it took

    def _state(self, scope: StatsScope) -> tuple[Any, ...] | None:
        """What the figures of `scope` depend on: this process's commits, others' (the
        data version), the day; None while this process is saving."""
        store = self._session.store
        version = store.data_version(wait=False)
        if version is None:
            return None
        return (store.writes, version, self._session.today(), scope, store.pipeline)

    def prepare(self, scope: StatsScope) -> None:
        """Start reading `scope`'s statistics, unless those read (or being read) still hold."""
        if self._read is not None and not self._read[1].done():
            return
        state = self._state(scope)
        if state is None or (self._read is not None and self._read[0] == state):
            return
        began, took = self._last
        saved_here = self._read is not None and self._read[0][0] != state[0]
        if not saved_here and monotonic() - began < self.SPACING * took:
            return
        # The state is taken before the read begins: a commit after it changes the state,
        # so figures older than their state are never shown.
        today = state[2]

        def read(reader: PipelineStore) -> PipelineStats:
            began = monotonic()
            try:
                return compute_stats(gather_stats(reader, today=today, scope=scope))
            finally:
                self._last = (began, monotonic() - began)

        self._read = (state, self._lane.submit(read))

    def take(self, scope: StatsScope) -> Future[PipelineStats] | None:
        """The read of `scope`'s statistics (done or under way) if nothing changed since."""
        state = self._state(scope)
        if state is None or self._read is None or self._read[0] != state:
            return None
        return self._read[1]

    def ready(self, scope: StatsScope) -> bool:
        """Whether `f` would show `scope`'s statistics at once."""
        read = self.take(scope)
        return read is not None and read.done() and read.exception() is None

    def close(self) -> None:
        """Let a running read finish; close the connection."""
        self._lane.close()


def open_statistics(screen: Screen[Any], session: Session, *,
                    scope: StatsScope = WHOLE_PIPELINE, ahead: StatsAhead | None = None,
                    reading: Callable[[bool], None] | None = None) -> None:
    """Read the statistics in a worker, then show them: what `f` on the board does
    (`scope`: the board's owner filter; `ahead`: what the board read while idle;
    `reading`: told True once the read is slow, False when it is done)."""
    app, store, today = screen.app, session.store, session.today()
    early = ahead.take(scope) if ahead is not None else None
    if early is not None and ahead is not None and ahead.ready(scope):
        app.push_screen(StatsScreen(session, early.result()))
        return
    # The screen is built only once the figures are in: building it while the worker reads
    # slows both, as they share the interpreter (by a third or more at 100,000 deals).
    # Only a slow read says so: a message for a quick one would only add work.
    def said(slow: bool) -> None:
        if reading is not None:
            reading(slow)
        elif slow:
            screen.notify("Reading the pipeline and its history…", timeout=2)

    slow = screen.set_timer(SLOW_READ_SECONDS, lambda: said(True))

    def read() -> None:
        stats = None
        if early is not None:  # under way: wait for it rather than read a second time
            try:
                stats = early.result()
            except Exception:  # the read below meets the same error and says what it is
                stats = None
        try:
            opened = StatsScreen(session, stats or compute_stats(
                gather_stats(store, today=today, scope=scope)))
        except KanbanPipeError as error:
            opened = StatsScreen(session, error=error, scope=scope)
        app.call_from_thread(slow.stop)
        app.call_from_thread(said, False)
        if not get_current_worker().is_cancelled:  # `f` again started a newer read
            app.call_from_thread(app.push_screen, opened)

    # Its group holds the keys typed meanwhile (PipelineApp.keys_wait): they are meant
    # for the statistics screen, not the board.
    screen.run_worker(read, thread=True, group="stats-open", exclusive=True)


def _section(section: Section) -> Content:
    """A section's title and lines: Content, so user text is never read as markup."""
    return Content.assemble((section.title, "bold $accent"), "\n", "\n".join(section.lines))


def _texts(stats: PipelineStats) -> dict[str, Content]:
    """The text of each block of the screen (by PLACES, and the status line) for `stats`."""
    sections = {section.key: section for section in report(stats, safe_text)}
    texts = {place: Content("\n\n").join(_section(sections[key]) for key in keys)
             for place, keys in PLACES.items()}
    texts["status"] = Content(
        f"On {stats.today:%d %b %Y} · {scope_words(stats.scope, safe_text)} · "
        f"amounts in {stats.home_currency} · closed: {period_words(stats.scope)} · "
        "open deals only: paused ones count again once resumed")
    return texts


def _tab_bar(shown: str) -> Content:
    """The tabs' line, the one shown marked; a click on another tab shows it."""
    tabs = []
    for key, title in TABS:
        if key == shown:
            tabs.append(Content.styled(f" {title} ", "bold $text on $accent"))
        else:  # our own words and action: the only markup on this screen
            tabs.append(Content.from_markup(f"[@click=screen.tab('{key}')] {title} [/]"))
    return Content(" ").join(tabs)
