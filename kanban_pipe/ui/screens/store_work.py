"""Running store actions off the UI thread, and telling the user about them safely."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

from textual import work
from textual.notifications import SeverityLevel
from textual.screen import Screen

from kanban_pipe.domain.errors import KanbanPipeError
from kanban_pipe.ui.text import safe_text

if TYPE_CHECKING:
    from kanban_pipe.store import PipelineStore
    from kanban_pipe.ui.session import Session

T = TypeVar("T")
Action = TypeVar("Action", bound=Callable[..., None])


def saves(action: Action) -> Action:
    """Mark a key action that changes the pipeline: on a read-only file it explains instead."""

    @functools.wraps(action)
    def guarded(self: StoreWork, *args: object, **kwargs: object) -> None:
        if self.refuse_read_only():
            return
        action(self, *args, **kwargs)

    return guarded  # type: ignore[return-value]


class StoreWork(Screen[None]):
    """A screen whose keys save through the store: one worker per action, safe notices."""

    def __init__(self, session: Session) -> None:
        super().__init__()
        self.session = session

    @property
    def store(self) -> PipelineStore:
        """The pipeline store (screens talk to the store; widgets never do)."""
        return self.session.store

    def refuse_read_only(self) -> bool:
        """True (after telling the user why) when the pipeline cannot be changed here."""
        store = self.store
        if not store.read_only:
            return False
        reason = store.read_only_reason or "this file cannot be written"
        self.tell(f"Read-only: {reason}. Nothing can be changed here.", severity="warning",
                  timeout=5)
        return True

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
