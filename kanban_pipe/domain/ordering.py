"""How cards are ordered in a column: one sort key per order, shared by board and store."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC
from enum import StrEnum
from typing import Any

from kanban_pipe.domain.models import Deal, DealStatus


class CardOrder(StrEnum):
    """How cards in a column are ordered; `S` on the board cycles through them."""

    URGENCY = "urgency"
    VALUE = "value"
    CLOSE_DATE = "close date"
    DAYS_IN_STAGE = "days in stage"
    MANUAL = "manual"


SortKey = tuple[Any, ...]


@dataclass(frozen=True, slots=True)
class BoardFilter:
    """What the board shows: free text (title, organization, contact, owner), an owner, and
    (`is:unqualified`) only the open deals that lack a fact in the stages `unqualified_in`
    (those requiring qualification; None: no such filter)."""

    text: str = ""
    owner: str | None = None
    unqualified_in: tuple[str, ...] | None = None

    def matches(self, deal: Deal) -> bool:
        """True when the deal passes the filter (as the store's LIKE query would decide)."""
        if self.owner and deal.owner != self.owner:
            return False
        if self.unqualified_in is not None and not (
                deal.status is DealStatus.OPEN and deal.stage in self.unqualified_in
                and not deal.qualification.complete):
            return False
        needle = self.text.strip().lower()
        if not needle:
            return True
        fields = (deal.title, deal.organization, deal.contact, deal.owner)
        return any(needle in value.lower() for value in fields)


# The `/` token for the clean-up list: deals without decision maker, need or timeline.
UNQUALIFIED_TOKEN = "is:unqualified"


def read_filter(typed: str) -> tuple[str, bool]:
    """The text of a `/` filter without its tokens, and whether it asked for is:unqualified."""
    words = typed.split()
    kept = [word for word in words if word.lower() != UNQUALIFIED_TOKEN]
    return " ".join(kept), len(kept) != len(words)


@dataclass(frozen=True, slots=True)
class CardFacts:
    """The few facts of a deal its position in a column depends on (ISO text dates)."""

    id: int
    has_next_step: bool
    next_due: str | None
    value: int | None  # None: no value, sorted after every valued deal
    expected_close: str | None
    stage_entered: str
    position: int


def facts_of(deal: Deal) -> CardFacts:
    """The ordering facts of a full deal (for a card that just changed)."""
    step = deal.next_step
    return CardFacts(
        id=deal.id,
        has_next_step=step is not None,
        next_due=step.due.isoformat() if step and step.due else None,
        value=deal.value,
        expected_close=deal.expected_close.isoformat() if deal.expected_close else None,
        # Stored timestamps are UTC ISO text; a deal read back carries the same instant.
        stage_entered=deal.stage_entered_at.astimezone(UTC).isoformat(),
        position=deal.position,
    )


def sort_key(facts: CardFacts, order: CardOrder, today: str) -> SortKey:
    """The key that sorts a card into place; the deal id comes last, so keys are unique.

    Urgency: next step overdue, no next step, due today, then upcoming by due date
    (a next step without a date counts as upcoming, after the dated ones).
    """
    if order is CardOrder.URGENCY:
        due = facts.next_due
        if not facts.has_next_step:
            rank = 1
        elif due is None:
            rank = 3
        else:
            rank = 0 if due < today else 2 if due == today else 3
        return (rank, due or "9999", facts.id)
    if order is CardOrder.VALUE:
        value = facts.value
        return (value is None, -(value or 0), facts.id)
    if order is CardOrder.CLOSE_DATE:
        return (facts.expected_close is None, facts.expected_close or "", facts.id)
    if order is CardOrder.DAYS_IN_STAGE:
        return (facts.stage_entered, facts.id)
    return (facts.position, facts.id)
