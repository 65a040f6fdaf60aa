"""Running store actions off the UI thread, and telling the user about them safely."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from textual import work
from textual.notifications import SeverityLevel
from textual.screen import Screen

from kanban_pipe.domain.errors import KanbanPipeError
from kanban_pipe.ui.text import safe_text

T = TypeVar("T")


class StoreWork(Screen[None]):
    """A screen whose keys save through the store: one worker per action, safe notices."""

    def perform(self, action: Callable[[], T], then: Callable[[T], None],
                failed: Callable[[KanbanPipeError], None] | None = None) -> None:
        """Run one store action in a worker thread; report the result on the UI thread."""
        self._write_worker(action, then, failed)

    @work(thread=True, group="write")
    def _write_worker(self, action: Callable[[], T], then: Callable[[T], None],
                      failed: Callable[[KanbanPipeError], None] | None) -> None:
        try:
            result = action()
        except KanbanPipeError as error:
            self.app.call_from_thread(failed or self.show_error, error)
            return
        self.app.call_from_thread(then, result)

    def show_error(self, error: KanbanPipeError) -> None:
        """A store refusal in plain words."""
        self.tell(str(error), severity="error", timeout=6)

    def tell(self, message: str, *, severity: SeverityLevel = "information",
             timeout: float = 3) -> None:
        """A notification that may quote user text: never markup, never control characters."""
        text = safe_text(message)
        if len(text) > 160:  # a toast is a glance, not a report
            text = text[:159] + "…"
        self.notify(text, severity=severity, markup=False, timeout=timeout)
