"""The statistics screen (`f` on the board): forecast, history and hints as text charts."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from textual import events, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Footer, Static

from kanban_pipe.domain.charts import Section, report
from kanban_pipe.domain.errors import KanbanPipeError
from kanban_pipe.domain.stats import PipelineStats, compute_stats
from kanban_pipe.store.stats import gather_stats
from kanban_pipe.ui.text import safe_text

if TYPE_CHECKING:
    from kanban_pipe.ui.app import PipelineApp

# Where each section of the report goes: the hints across the top, then two columns, then
# the (wide) lead-source table across the bottom.
PLACES = {
    "hints": "top", "pipeline": "left", "forecast": "left", "trend": "left",
    "win_rate": "right", "conversion": "right", "calibration": "right", "sources": "bottom",
}
# Below this width the two columns stack: their tables need about 70 cells each.
NARROW_WIDTH = 140


class StatsScreen(Screen[None]):
    """Forecast and statistics of the whole pipeline, read in a worker thread."""

    CSS_PATH = "stats.tcss"
    BINDINGS = [
        Binding("escape,q", "close", "Close", id="stats.close"),
        Binding("r", "reload", "Reload", id="stats.reload"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.stats: PipelineStats | None = None

    @property
    def pipeline_app(self) -> PipelineApp:
        """The app, typed."""
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        """A title line, the sections (filled once read) and the footer."""
        yield Static(Content("kanban-pipe · forecast and statistics"), id="stats-title")
        with VerticalScroll(id="stats-body"):
            yield Static(Content("Reading the pipeline and its history…"), id="stats-status")
            yield Vertical(id="stats-top", classes="stats-place")
            with Horizontal(id="stats-columns"):
                yield Vertical(id="stats-left", classes="stats-place stats-column")
                yield Vertical(id="stats-right", classes="stats-place stats-column")
            yield Vertical(id="stats-bottom", classes="stats-place")
        yield Footer()

    def on_mount(self) -> None:
        """Start reading; the body scrolls with the arrow keys."""
        self.query_one("#stats-body", VerticalScroll).focus()
        self.action_reload()

    def on_resize(self, event: events.Resize) -> None:
        """Stack the two columns on a narrow terminal."""
        self.set_class(event.size.width < NARROW_WIDTH, "-narrow")

    def action_reload(self) -> None:
        """Read the statistics again (other terminals may have changed deals)."""
        self._read(self.pipeline_app.today())

    def action_close(self) -> None:
        """Back to the board."""
        self.dismiss(None)

    @work(thread=True, exclusive=True, group="stats")
    def _read(self, today: date) -> None:
        try:
            stats = compute_stats(gather_stats(self.pipeline_app.store, today=today))
        except KanbanPipeError as error:
            self.app.call_from_thread(self._failed, error)
            return
        self.app.call_from_thread(self.show_stats, stats)

    def _failed(self, error: KanbanPipeError) -> None:
        self.query_one("#stats-status", Static).update(Content(f"Could not read: {error}"))

    def show_stats(self, stats: PipelineStats) -> None:
        """Show every section of `stats`."""
        self.stats = stats
        for place in self.query(".stats-place"):
            place.remove_children()
        for section in report(stats, safe_text):
            place = PLACES.get(section.key, "bottom")
            self.query_one(f"#stats-{place}", Vertical).mount(_section(section))
        self.query_one("#stats-status", Static).update(Content(
            f"On {stats.today:%d %b %Y} · amounts in {stats.home_currency} · open deals only "
            "(paused ones count once resumed) · r reloads · esc closes"))


def _section(section: Section) -> Vertical:
    """A section as a title and its lines: Content, so user text is never markup."""
    return Vertical(
        Static(Content(section.title), classes="stats-heading"),
        Static(Content("\n".join(section.lines)), classes=f"stats-lines -{section.key}"),
        classes="stats-section",
    )
