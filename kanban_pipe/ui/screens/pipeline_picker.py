"""Choosing a pipeline: to show on the board (`P`), or to move a deal into (`M`); every
pipeline with its open deals, enter or its number chooses."""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from kanban_pipe.domain.models import Pipeline
from kanban_pipe.ui.text import plain


class PipelinePicker(ModalScreen[str | None]):
    """Choose a pipeline; dismissed with its key, or None (esc)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "cancel", "Cancel", id="pipelines.cancel"),
        *(Binding(str(n), f"choose({n})", show=False, id=f"pipelines.choose_{n}")
          for n in range(1, 10)),
    ]

    DEFAULT_CSS = """
    PipelinePicker { align: center middle; background: $background; }
    PipelinePicker > Vertical {
        width: 60; max-width: 100%; height: auto; max-height: 100%;
        border: thick $primary; background: $surface; padding: 0 1;
    }
    PipelinePicker .picker-title { text-style: bold; color: $primary; padding-bottom: 1; }
    PipelinePicker OptionList { height: auto; max-height: 20; border: none; }
    PipelinePicker .picker-hint { color: $text-muted; padding-top: 1; }
    """

    def __init__(self, pipelines: list[Pipeline], open_deals: dict[str, int],
                 current: str | None, *, title: Content | str = "Show pipeline",
                 hint: str = "enter or 1-9 shows it · esc keeps this one · `kanban-pipe "
                             "pipelines add NAME` adds one") -> None:
        super().__init__()
        self._pipelines = pipelines
        self._open = open_deals
        self._current = current
        self._title = title if isinstance(title, Content) else Content(title)
        self._hint = hint

    def compose(self) -> ComposeResult:
        """The title, one line per pipeline and the keys."""
        options = []
        for number, pipeline in enumerate(self._pipelines, 1):
            mark = "●" if pipeline.key == self._current else " "
            count = self._open.get(pipeline.key, 0)
            options.append(Option(Content.assemble(
                f"{mark} {number}  ", plain(pipeline.name),
                (f" · {count} open", "dim")), id=pipeline.key))
        with Vertical():
            yield Static(self._title, classes="picker-title")
            yield OptionList(*options)
            yield Static(self._hint, classes="picker-hint", markup=False)

    def on_mount(self) -> None:
        """Start on the pipeline shown."""
        listing = self.query_one(OptionList)
        keys = [p.key for p in self._pipelines]
        listing.highlighted = keys.index(self._current) if self._current in keys else 0
        listing.focus()

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_choose(self, number: int) -> None:
        """Show the pipeline of this number."""
        if number <= len(self._pipelines):
            self.dismiss(self._pipelines[number - 1].key)

    def action_cancel(self) -> None:
        """Keep the board as it is."""
        self.dismiss(None)
