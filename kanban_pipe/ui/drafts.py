"""What the forms hand back: typed, already-parsed values ready for the store."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from kanban_pipe.domain.models import ActivityKind, NextStep


@dataclass(frozen=True, slots=True)
class DealDraft:
    """A new or edited deal as typed in the deal form, parsed."""

    title: str
    organization: str = ""
    contact: str = ""
    value: int | None = None  # None: no value (an empty field), apart from 0
    currency: str = "EUR"
    owner: str = ""
    source: str = ""
    expected_close: date | None = None
    next_step: NextStep | None = None


@dataclass(frozen=True, slots=True)
class ActivityDraft:
    """A customer touch to log."""

    kind: ActivityKind
    text: str
