"""Running a screen's store actions off the UI thread, and telling the user about them safely."""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import date
from typing import Any, Protocol, TypeVar

from textual.notifications import SeverityLevel
from textual.screen import Screen

from kanban_pipe.domain.errors import (
    KanbanPipeError,
    ServerUnavailableError,
    StaleVersionError,
)
from kanban_pipe.store import PipelineStore
from kanban_pipe.ui.session import Session
from kanban_pipe.ui.text import safe_text

T = TypeVar("T")
Action = TypeVar("Action", bound=Callable[..., None])


class SavesThroughStore(Protocol):
    """Something whose key actions save through a StoreWork (a screen, the deal actions)."""

    @property
    def work(self) -> StoreWork:
        """Where its saves run."""
        ...


def saves(action: Action) -> Action:
    """Mark a key action that changes the pipeline: on a read-only file it explains instead."""

    @functools.wraps(action)
    def guarded(self: SavesThroughStore, *args: object, **kwargs: object) -> None:
        if self.work.refuse_read_only():
            return
        action(self, *args, **kwargs)

    return guarded  # type: ignore[return-value]


class StoreWork:
    """One screen's store actions: one worker thread each; notices that never run markup."""

    def __init__(self, screen: Screen[Any], session: Session) -> None:
        self._screen = screen
        self.session = session

    @property
    def store(self) -> PipelineStore:
        """The pipeline store (screens talk to the store; widgets never do)."""
        return self.session.store

    def today(self) -> date:
        """The user's calendar day."""
        return self.session.today()

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
        app, report_failure = self._screen.app, failed or self.show_error

        def run() -> None:
            try:
                result = action()
            except KanbanPipeError as error:
                app.call_from_thread(report_failure, error)
                return
            app.call_from_thread(then, result)

        self._screen.run_worker(run, name="save", group="write", thread=True)

    def show_error(self, error: KanbanPipeError) -> None:
        """A store refusal in plain words (a server out of reach: the screen says so too)."""
        words = str(error)
        if isinstance(error, StaleVersionError):
            # The live refresh has shown their change by now: the same key tries again.
            words = f"Press the key again (it shows as it is now): {words}"
        self.tell(words, severity="error", timeout=6)
        if isinstance(error, ServerUnavailableError):
            unreachable = getattr(self._screen, "server_unreachable", None)
            if unreachable is not None:
                unreachable(str(error))

    def tell(self, message: str, *, severity: SeverityLevel = "information",
             timeout: float = 3) -> None:
        """A notification that may quote user text: never markup, never control characters."""
        text = safe_text(message)
        if len(text) > 160:  # a toast is a glance, not a report
            text = text[:159] + "…"
        self._screen.notify(text, severity=severity, markup=False, timeout=timeout)
