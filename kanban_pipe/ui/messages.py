"""Messages that go up to the app from its screens."""

from __future__ import annotations

from textual.message import Message

from kanban_pipe.domain.errors import KanbanPipeError


class StoreFailed(Message):
    """A read the board cannot do without failed (a damaged page, the file gone)."""

    def __init__(self, error: KanbanPipeError) -> None:
        super().__init__()
        self.error = error


class PipelineChosen(Message):
    """The user chose another pipeline for the board (by its key)."""

    def __init__(self, key: str) -> None:
        super().__init__()
        self.key = key
