"""What the app hands each screen: the store, the user's day and the file's name."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from kanban_pipe.store import PipelineStore


@dataclass(frozen=True, slots=True)
class Session:
    """One board session: screens get it when they are made, and never look up the app."""

    store: PipelineStore
    # The user's calendar day, asked each time (fixed in tests, the store's clock otherwise).
    today: Callable[[], date]
    # The pipeline's name in the header (the file's name, or what the CLI passed).
    db_label: str
