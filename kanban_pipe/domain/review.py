"""Stand-up review queues: which open deals need a decision, under which queue, and why."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from kanban_pipe.domain.dates import relative_words
from kanban_pipe.domain.listing import StoredDeal
from kanban_pipe.domain.models import (
    Activity,
    ActivityKind,
    Deal,
    DealStatus,
    QualificationFact,
    Stage,
)
from kanban_pipe.domain.rules import DealFlags, NextStepState, deal_flags

# Without a recorded review, "what changed" covers the last week.
CHANGES_WINDOW_DAYS = 7


class Queue(StrEnum):
    """A review queue; the order of the members is the order they are walked in."""

    CLOSING_SOON = "closing_soon"
    STALE = "stale"
    OVERDUE = "overdue"
    NO_NEXT_STEP = "no_next_step"
    UNQUALIFIED = "unqualified"


QUEUE_TITLES: dict[Queue, str] = {
    Queue.CLOSING_SOON: "Closing soon",
    Queue.STALE: "Stale",
    Queue.OVERDUE: "Next step overdue",
    Queue.NO_NEXT_STEP: "No next step",
    Queue.UNQUALIFIED: "Unqualified",
}


@dataclass(frozen=True, slots=True)
class ReviewItem:
    """One deal in the review: the first queue it falls under and the reason in words."""

    deal: Deal
    queue: Queue
    reason: str


def is_reviewable(deal: Deal, stage: Stage, today: date) -> bool:
    """Open deals, and paused ones whose resume date has come; never won or deleted ones."""
    if deal.deleted or stage.is_won:
        return False
    if deal.status is DealStatus.OPEN:
        return True
    return (deal.status is DealStatus.PAUSED and deal.paused_until is not None
            and deal.paused_until <= today)


def _close_words(close: date, today: date) -> str:
    days = (close - today).days
    if days > 0:
        return f"expected close in {days}d ({close.isoformat()})"
    if days == 0:
        return f"expected close today ({close.isoformat()})"
    return f"expected close passed {-days}d ago ({close.isoformat()})"


def review_reason(deal: Deal, stage: Stage, today: date) -> tuple[Queue, str] | None:
    """The first queue the deal belongs to and why, or None when it needs no decision."""
    if not is_reviewable(deal, stage, today):
        return None
    flags = deal_flags(deal, stage, today)
    step = deal.next_step
    if flags.closing_soon and deal.expected_close is not None:
        queue = Queue.CLOSING_SOON
    elif flags.stale:
        queue = Queue.STALE
    elif flags.next_step_state is NextStepState.OVERDUE and step and step.due:
        queue = Queue.OVERDUE
    elif flags.next_step_state is NextStepState.MISSING:
        queue = Queue.NO_NEXT_STEP
    elif flags.unqualified:
        queue = Queue.UNQUALIFIED
    else:
        return None
    return queue, reason_words(
        queue, stage, today, flags, expected_close=deal.expected_close,
        next_action=step.action if step else "", next_due=step.due if step else None,
        missing=deal.qualification.missing())


def reason_words(queue: Queue, stage: Stage, today: date, flags: DealFlags, *,
                 expected_close: date | None, next_action: str, next_due: date | None,
                 missing: Sequence[QualificationFact]) -> str:
    """Why a deal is in `queue`, in words (the facts it is in that queue for are given)."""
    if queue is Queue.CLOSING_SOON and expected_close is not None:
        return _close_words(expected_close, today)
    if queue is Queue.STALE:
        return (f"no activity for {flags.days_since_activity}d "
                f"({stage.name} allows {stage.stale_after_days}d)")
    if queue is Queue.OVERDUE and next_due is not None:
        return f"next step {relative_words(next_due, today)}: {next_action}"
    if queue is Queue.UNQUALIFIED:
        facts = ", ".join(fact.value.replace("_", " ") for fact in missing)
        return f"in {stage.name} without {facts} confirmed"
    return "no next step"


_FACTS = tuple(QualificationFact)


def stored_reason(queue: Queue, deal: StoredDeal, stage: Stage, today: date,
                  flags: DealFlags) -> str:
    """reason_words for a stored deal that the store put in `queue`."""
    held = (deal.decision_maker, deal.need_confirmed, deal.timeline_confirmed)
    return reason_words(
        queue, stage, today, flags,
        expected_close=date.fromisoformat(deal.expected_close) if deal.expected_close else None,
        next_action=deal.next_action or "",
        next_due=date.fromisoformat(deal.next_due) if deal.next_due else None,
        missing=[fact for fact, fact_held in zip(_FACTS, held, strict=True) if not fact_held])


def _order_in_queue(item: ReviewItem, stage: Stage) -> tuple[Any, ...]:
    """Most pressing first within a queue; the id keeps equal deals in a stable order."""
    deal = item.deal
    if item.queue is Queue.CLOSING_SOON:
        return (deal.expected_close, *_by_value(deal), deal.id)
    if item.queue is Queue.STALE:
        return (deal.last_activity_at, deal.id)
    if item.queue is Queue.OVERDUE and deal.next_step and deal.next_step.due:
        return (deal.next_step.due, deal.id)
    if item.queue is Queue.UNQUALIFIED:
        # The later the stage, the more a missing fact distorts the forecast.
        return (-stage.position, *_by_value(deal), deal.id)
    return (*_by_value(deal), deal.id)


def _by_value(deal: Deal) -> tuple[bool, int]:
    """Biggest value first; deals without a value (None) after every valued one."""
    value: int | None = deal.value
    return (value is None, -(value or 0))


def build_queues(deals: Iterable[Deal], stages: Mapping[str, Stage],
                 today: date) -> list[ReviewItem]:
    """Every deal needing a decision, once, ordered by queue then urgency within it."""
    ranked: list[tuple[int, tuple[Any, ...], ReviewItem]] = []
    order = list(Queue)
    for deal in deals:
        stage = stages.get(deal.stage or "")
        found = review_reason(deal, stage, today) if stage is not None else None
        if stage is None or found is None:
            continue
        item = ReviewItem(deal, *found)
        ranked.append((order.index(item.queue), _order_in_queue(item, stage), item))
    ranked.sort(key=lambda entry: (entry[0], entry[1]))
    return [item for _queue, _key, item in ranked]


def by_queue(items: Iterable[ReviewItem]) -> dict[Queue, list[ReviewItem]]:
    """The items grouped per queue, every queue present (possibly empty), in walk order."""
    grouped: dict[Queue, list[ReviewItem]] = {queue: [] for queue in Queue}
    for item in items:
        grouped[item.queue].append(item)
    return grouped


# -- what changed since the previous review ------------------------------------------------

# The log entries a stand-up hears about, and the word each is counted under.
CHANGE_WORDS: dict[ActivityKind, str] = {
    ActivityKind.CREATED: "added",
    ActivityKind.IMPORTED: "added",
    ActivityKind.MOVED: "moved",
    ActivityKind.WON: "won",
    ActivityKind.LOST: "lost",
    ActivityKind.PAUSED: "paused",
    ActivityKind.NEXT_STEP_SET: "next steps set",
}
CHANGE_ORDER = ("added", "moved", "won", "lost", "paused", "next steps set")


@dataclass(frozen=True, slots=True)
class ChangeEntry:
    """One log entry worth telling the stand-up about, with its deal's title."""

    activity: Activity
    deal_title: str


@dataclass(frozen=True, slots=True)
class ChangesSince:
    """What changed since the previous review (or in the last week when there was none)."""

    review_at: datetime | None
    review_by: str | None
    window_start: datetime | None
    counts: tuple[tuple[ActivityKind, str, int], ...]
    recent: tuple[ChangeEntry, ...]

    def totals(self) -> list[tuple[str, int, list[tuple[str, int]]]]:
        """Per change word: the total and the count by whom, busiest first."""
        per_word: dict[str, dict[str, int]] = {}
        for kind, actor, count in self.counts:
            actors = per_word.setdefault(CHANGE_WORDS[kind], {})
            actors[actor] = actors.get(actor, 0) + count
        return [
            (word, sum(per_word[word].values()),
             sorted(per_word[word].items(), key=lambda pair: (-pair[1], pair[0])))
            for word in CHANGE_ORDER if word in per_word
        ]

    @property
    def total(self) -> int:
        """How many changes in all."""
        return sum(count for _kind, _actor, count in self.counts)


def local_minute(moment: datetime) -> str:
    """A stored timestamp in the viewer's local time, to the minute."""
    return (moment.astimezone() if moment.tzinfo else moment).strftime("%Y-%m-%d %H:%M")


def changes_heading(changes: ChangesSince) -> str:
    """'Since the review of 2026-11-18 10:00 by anna' or the last-week fallback."""
    if changes.review_at is not None:
        return f"Since the review of {local_minute(changes.review_at)} by {changes.review_by}"
    return f"In the last {CHANGES_WINDOW_DAYS} days (no review recorded yet)"


def change_count_line(word: str, total: int, by_actor: Sequence[tuple[str, int]]) -> str:
    """'3 added (anna 2, erik 1)'."""
    who = ", ".join(f"{actor} {count}" for actor, count in by_actor)
    return f"{total} {word} ({who})"


def change_line(entry: ChangeEntry) -> str:
    """'2026-11-24 10:00 anna moved #4 'Dune expansion': Qualified → Proposal'."""
    activity = entry.activity
    word = CHANGE_WORDS.get(activity.kind, activity.kind.value.replace("_", " "))
    word = "set next step on" if activity.kind is ActivityKind.NEXT_STEP_SET else word
    detail = f": {activity.detail}" if activity.detail else ""
    return (f"{local_minute(activity.at)}  {activity.actor} {word} "
            f"#{activity.deal_id} '{entry.deal_title}'{detail}")
