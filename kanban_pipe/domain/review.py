"""Stand-up review queues: which open deals need a decision, under which queue, and why."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any

from kanban_pipe.domain.dates import parse_date, relative_words
from kanban_pipe.domain.errors import InvalidInputError
from kanban_pipe.domain.listing import StoredDeal
from kanban_pipe.domain.models import (
    Activity,
    ActivityKind,
    Deal,
    DealStatus,
    QualificationFact,
    Stage,
)
from kanban_pipe.domain.rules import DealFlags, NextStepState, Slip, deal_flags

# Without a recorded review, "what changed" covers the last week.
CHANGES_WINDOW_DAYS = 7


class Queue(StrEnum):
    """A review queue; the order of the members is the order they are walked in."""

    CLOSING_SOON = "closing_soon"
    STALE = "stale"
    OVERDUE = "overdue"
    NO_NEXT_STEP = "no_next_step"
    UNQUALIFIED = "unqualified"
    SLIPPING = "slipping"


QUEUE_TITLES: dict[Queue, str] = {
    Queue.CLOSING_SOON: "Closing soon",
    Queue.STALE: "Stale",
    Queue.OVERDUE: "Next step overdue",
    Queue.NO_NEXT_STEP: "No next step",
    Queue.UNQUALIFIED: "Unqualified",
    Queue.SLIPPING: "Slipping",
}

# What takes a deal out of each queue, in keys (review mode's fix line and help). A new
# queue gets a title, a fix here and one in QUEUE_FIX_WORDS, and its test in review_reason.
QUEUE_FIXES: dict[Queue, str] = {
    Queue.CLOSING_SOON: "c a new close date · s a next step due by the close · w / x closes it",
    Queue.STALE: "a logs the call, email or meeting · > moves it on · p pauses it",
    Queue.OVERDUE: "s sets a new due date · d marks it done and sets the next",
    Queue.NO_NEXT_STEP: "s sets one: action, owner, due date",
    Queue.UNQUALIFIED: "Q confirms the facts · < moves it back · p pauses it",
    Queue.SLIPPING: "> moves it on · x loses it · p pauses it",
}
# The same in words, for the printed stand-up (no keys there).
QUEUE_FIX_WORDS: dict[Queue, str] = {
    Queue.CLOSING_SOON: "a new close date, or a next step due by the close",
    Queue.STALE: "log the latest call, email or meeting",
    Queue.OVERDUE: "a new due date for the next step",
    Queue.NO_NEXT_STEP: "set a next step with a due date",
    Queue.UNQUALIFIED: "confirm the missing facts, or move it back",
    Queue.SLIPPING: "move it on, or lose or pause it",
}


@dataclass(frozen=True, slots=True)
class ReviewItem:
    """One deal in the review: the first queue it falls under and the reason in words
    (`slip`: why it is slipping, as store.slipping found it when the queue was read)."""

    deal: Deal
    queue: Queue
    reason: str
    slip: Slip | None = None


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


def review_reason(deal: Deal, stage: Stage, today: date,
                  slip: Slip | None = None) -> tuple[Queue, str] | None:
    """The first queue the deal belongs to and why, or None when it needs no decision
    (`slip`: the deal is slipping, store.slipping says why)."""
    if not is_reviewable(deal, stage, today):
        return None
    flags = deal_flags(deal, stage, today)
    step = deal.next_step
    if (flags.closing_soon and deal.expected_close is not None
            and not step_before_close(step.due if step else None, deal.expected_close, today)):
        queue = Queue.CLOSING_SOON
    elif flags.stale:
        queue = Queue.STALE
    elif flags.next_step_state is NextStepState.OVERDUE and step and step.due:
        queue = Queue.OVERDUE
    elif flags.next_step_state is NextStepState.MISSING:
        queue = Queue.NO_NEXT_STEP
    elif flags.unqualified:
        queue = Queue.UNQUALIFIED
    elif slip is not None:
        queue = Queue.SLIPPING
    else:
        return None
    return queue, reason_words(
        queue, stage, today, flags, expected_close=deal.expected_close,
        next_action=step.action if step else "", next_due=step.due if step else None,
        missing=deal.qualification.missing(), slip=slip)


def step_before_close(next_due: date | None, expected_close: date, today: date) -> bool:
    """A next step due from today up to the close date: the close is being worked on.

    Such a deal leaves the closing-soon queue (its card still says CLOSE); one whose close
    date has passed can only leave it with a new close date or by closing.
    """
    return next_due is not None and today <= next_due <= expected_close


def reason_words(queue: Queue, stage: Stage, today: date, flags: DealFlags, *,
                 expected_close: date | None, next_action: str, next_due: date | None,
                 missing: Sequence[QualificationFact], slip: Slip | None = None) -> str:
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
    if queue is Queue.SLIPPING:
        return slip.words(flags.days_in_stage, stage.name) if slip else "slipping"
    return "no next step"


_FACTS = tuple(QualificationFact)


def stored_reason(queue: Queue, deal: StoredDeal, stage: Stage, today: date,
                  flags: DealFlags, slip: Slip | None = None) -> str:
    """reason_words for a stored deal that the store put in `queue`."""
    held = (deal.decision_maker, deal.need_confirmed, deal.timeline_confirmed)
    return reason_words(
        queue, stage, today, flags,
        expected_close=date.fromisoformat(deal.expected_close) if deal.expected_close else None,
        next_action=deal.next_action or "",
        next_due=date.fromisoformat(deal.next_due) if deal.next_due else None,
        missing=[fact for fact, fact_held in zip(_FACTS, held, strict=True) if not fact_held],
        slip=slip)


def _order_in_queue(item: ReviewItem, stage: Stage) -> tuple[Any, ...]:
    """What is at stake first: the value, then how late (the id keeps ties stable)."""
    deal = item.deal
    return (*_by_value(deal), _lateness(item, stage), deal.id)


def _lateness(item: ReviewItem, stage: Stage) -> Any:
    """Within equal values, the longest overdue first (a smaller key is later)."""
    deal = item.deal
    if item.queue is Queue.CLOSING_SOON:
        return deal.expected_close
    if item.queue is Queue.STALE:
        return deal.last_activity_at
    if item.queue is Queue.OVERDUE and deal.next_step and deal.next_step.due:
        return deal.next_step.due
    if item.queue is Queue.UNQUALIFIED:
        # The later the stage, the more a missing fact distorts the forecast.
        return -stage.position
    return 0


def _by_value(deal: Deal) -> tuple[bool, int]:
    """Biggest value first; deals without a value (None) after every valued one."""
    value: int | None = deal.value
    return (value is None, -(value or 0))


def build_queues(deals: Iterable[Deal], stages: Mapping[str, Stage], today: date,
                 slips: Mapping[int, Slip] | None = None) -> list[ReviewItem]:
    """Every deal needing a decision, once, ordered by queue then urgency within it
    (`slips`: the slipping deals among them, by id, as store.slipping found them)."""
    ranked: list[tuple[int, tuple[Any, ...], ReviewItem]] = []
    order = list(Queue)
    slips = slips or {}
    for deal in deals:
        stage = stages.get(deal.stage or "")
        slip = slips.get(deal.id)
        found = review_reason(deal, stage, today, slip) if stage is not None else None
        if stage is None or found is None:
            continue
        item = ReviewItem(deal, *found, slip=slip)
        ranked.append((order.index(item.queue), _order_in_queue(item, stage), item))
    ranked.sort(key=lambda entry: (entry[0], entry[1]))
    return [item for _queue, _key, item in ranked]


def top_of_each(items: Iterable[ReviewItem], top: int | None) -> list[ReviewItem]:
    """The first `top` items of each queue (all of them for None), in walk order."""
    if top is None:
        return list(items)
    kept: list[ReviewItem] = []
    taken: dict[Queue, int] = {}
    for item in items:
        if taken.get(item.queue, 0) < top:
            taken[item.queue] = taken.get(item.queue, 0) + 1
            kept.append(item)
    return kept


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


SINCE_FORMS_HELP = "last review, monday, yesterday, 7d, 2w or a date (2026-11-20)"
_LAST_REVIEW = frozenset({"", "last review", "review", "last", "last stand-up"})
_SINCE_WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def parse_since(text: str, today: date) -> date | None:
    """The first day 'what changed' covers, as typed; None means since the last review.

    Backwards from today: '7d' and '2w' are that long ago, 'monday' is the latest Monday
    (today on a Monday), 'last monday' the one before; other dates as everywhere else.
    """
    key = " ".join(text.lower().split())
    key = key.removeprefix("since ").strip()
    if key in _LAST_REVIEW:
        return None
    word = key.removeprefix("last ")
    if word[:3] in _SINCE_WEEKDAYS and word.isalpha():
        back = (today.weekday() - _SINCE_WEEKDAYS.index(word[:3])) % 7
        if word != key and back == 0:
            back = 7  # 'last monday' on a Monday: a week ago
        try:
            parse_date(word, today)  # refuses 'monkey' as it refuses it everywhere
        except InvalidInputError:
            raise InvalidInputError(f"since what? {text.strip()!r}: {SINCE_FORMS_HELP}") from None
        return today - timedelta(days=back)
    if key[:1].isdigit() and key[-1:] in "dw" and key[:-1].isdigit():
        return today - timedelta(days=int(key[:-1]) * (7 if key[-1] == "w" else 1))
    try:
        day = parse_date(key, today)
    except InvalidInputError:
        raise InvalidInputError(f"since what? {text.strip()!r}: {SINCE_FORMS_HELP}") from None
    if day > today:
        raise InvalidInputError(f"since {day.isoformat()} is in the future; {SINCE_FORMS_HELP}")
    return day


@dataclass(frozen=True, slots=True)
class ChangesSince:
    """What changed since the previous review, or since a chosen day.

    Without either (no review recorded yet), it covers the last week.
    """

    review_at: datetime | None
    review_by: str | None
    window_start: datetime | None
    counts: tuple[tuple[ActivityKind, str, int], ...]
    recent: tuple[ChangeEntry, ...]
    since_day: date | None = None

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
    """'Since the review of 2026-11-18 10:00 by anna', 'Since Mon 2026-11-23' or the fallback."""
    if changes.since_day is not None:
        day = changes.since_day
        return f"Since {_SINCE_WEEKDAYS[day.weekday()].capitalize()} {day.isoformat()}"
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
