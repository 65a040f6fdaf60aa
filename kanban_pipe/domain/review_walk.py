"""Walking a review queue one deal at a time: what was decided, what is left, the summary."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from enum import StrEnum
from typing import Any

from kanban_pipe.domain.models import Deal, DealStatus, Stage
from kanban_pipe.domain.review import QUEUE_TITLES, Queue, ReviewItem, review_reason
from kanban_pipe.domain.rules import SLIP_PUSHES, Slip


class Decision(StrEnum):
    """What a review did to a deal, read from the deal before and after an action."""

    NEXT_STEP_SET = "next_steps_set"
    NEXT_STEP_DONE = "next_steps_done"
    MOVED = "moved"
    PAUSED = "paused"
    WON = "won"
    LOST = "lost"
    OWNER_CHANGED = "owner_changed"
    CLOSE_DATE_SET = "close_dates_set"
    QUALIFIED = "qualified"
    LOGGED = "logged"
    EDITED = "edited"


DECISION_WORDS: dict[Decision, str] = {
    Decision.NEXT_STEP_SET: "next step set",
    Decision.NEXT_STEP_DONE: "next step done",
    Decision.MOVED: "moved",
    Decision.PAUSED: "paused",
    Decision.WON: "won",
    Decision.LOST: "lost",
    Decision.OWNER_CHANGED: "owner changed",
    Decision.CLOSE_DATE_SET: "close date set",
    Decision.QUALIFIED: "qualification updated",
    Decision.LOGGED: "activity logged",
    Decision.EDITED: "edited",
}

# Fields whose change is an edit, beyond the ones with a decision of their own.
_EDIT_FIELDS = ("title", "organization", "contact", "value", "currency", "source")


def decisions_between(before: Deal, after: Deal) -> list[Decision]:
    """What one action decided, by comparing the deal before and after it."""
    found: list[Decision] = []
    status_changed = after.status is not before.status
    if status_changed and after.status is DealStatus.WON:
        found.append(Decision.WON)
    elif status_changed and after.status is DealStatus.LOST:
        found.append(Decision.LOST)
    elif after.status is DealStatus.PAUSED and after.paused_until != before.paused_until:
        found.append(Decision.PAUSED)
    elif after.stage != before.stage:
        found.append(Decision.MOVED)
    if after.next_step != before.next_step:
        found.append(Decision.NEXT_STEP_SET if after.next_step else Decision.NEXT_STEP_DONE)
    if after.owner != before.owner:
        found.append(Decision.OWNER_CHANGED)
    if after.expected_close != before.expected_close and after.status is DealStatus.OPEN:
        found.append(Decision.CLOSE_DATE_SET)
    if after.qualification != before.qualification:
        found.append(Decision.QUALIFIED)
    if any(getattr(after, name) != getattr(before, name) for name in _EDIT_FIELDS):
        found.append(Decision.EDITED)
    if not found and after.last_activity_at != before.last_activity_at:
        found.append(Decision.LOGGED)  # a call, email, meeting or note
    return found


@dataclass(frozen=True, slots=True)
class ReviewSummary:
    """What a finished review decided; recorded as the review's summary."""

    owner: str | None
    total: int
    fixed: int
    left: int
    skipped: tuple[int, ...]
    decisions: tuple[tuple[int, str, Decision], ...]
    # Of the deals `left`: worked on (a decision, still in a queue), skipped, still to go.
    worked: int = 0
    to_go: int = 0

    def accounting(self) -> str:
        """'73 in the queue · 20 fixed · 53 left: 2 worked on, 10 skipped, 41 to go'."""
        return (f"{self.total} in the queue · {self.fixed} fixed · {self.left} left: "
                f"{self.worked} worked on, {len(self.skipped)} skipped, {self.to_go} to go")

    def count(self, decision: Decision) -> int:
        """How many deals got this decision."""
        return len({deal_id for deal_id, _title, d in self.decisions if d is decision})

    @property
    def closed(self) -> int:
        """Deals won or lost."""
        return self.count(Decision.WON) + self.count(Decision.LOST)

    def lines(self) -> list[tuple[str, int]]:
        """The headline figures: the five the stand-up asks about, then any others."""
        won, lost = self.count(Decision.WON), self.count(Decision.LOST)
        rows = [
            ("Next steps set", self.count(Decision.NEXT_STEP_SET)),
            ("Deals moved", self.count(Decision.MOVED)),
            ("Close dates set", self.count(Decision.CLOSE_DATE_SET)),
            ("Paused", self.count(Decision.PAUSED)),
            (f"Closed (won {won}, lost {lost})", won + lost),
            ("Skipped", len(self.skipped)),
        ]
        others = (Decision.OWNER_CHANGED, Decision.QUALIFIED, Decision.NEXT_STEP_DONE,
                  Decision.LOGGED, Decision.EDITED)
        rows += [(DECISION_WORDS[d].capitalize(), self.count(d)) for d in others
                 if self.count(d)]
        return rows

    def per_deal(self) -> list[tuple[int, str, list[Decision]]]:
        """Each deal that got a decision, in the order first decided, with its decisions."""
        deals: dict[int, tuple[str, list[Decision]]] = {}
        for deal_id, title, decision in self.decisions:
            _old, listed = deals.get(deal_id, (title, []))
            if decision not in listed:
                listed.append(decision)
            deals[deal_id] = (title, listed)
        return [(deal_id, title, listed) for deal_id, (title, listed) in deals.items()]

    def to_json(self) -> dict[str, Any]:
        """The summary as stored in the reviews table and shown by scripts."""
        return {
            "owner": self.owner,
            "total": self.total,
            "fixed": self.fixed,
            "left": self.left,
            "worked": self.worked,
            "to_go": self.to_go,
            "skipped": list(self.skipped),
            "decided": {d.value: self.count(d) for d in Decision},
            "closed": self.closed,
            "deals": [{"id": deal_id, "title": title, "decisions": [d.value for d in listed]}
                      for deal_id, title, listed in self.per_deal()],
        }


class ReviewWalk:
    """A cursor through the queue: fixed deals leave it, skipped ones stay to go back to."""

    def __init__(self, items: Sequence[ReviewItem], stages: Mapping[str, Stage],
                 today: date) -> None:
        self.items = list(items)
        self.total = len(self.items)
        self.index = 0
        self._stages = stages
        self._today = today
        self._fixed: set[int] = set()
        self._skipped: list[int] = []
        self._decisions: list[tuple[int, str, Decision]] = []

    @property
    def current(self) -> ReviewItem | None:
        """The deal on screen, or None once the walk has passed the end."""
        return self.items[self.index] if self.index < len(self.items) else None

    @property
    def left(self) -> int:
        """Deals still needing a decision from the current one on ("7 of 19 left")."""
        return sum(1 for item in self.items[self.index:] if item.deal.id not in self._fixed)

    @property
    def fixed(self) -> int:
        """Deals that left the queue because they no longer need a decision."""
        return len(self._fixed)

    def queue_position(self) -> tuple[str, int, int] | None:
        """The current deal's queue title, its place in that queue and the queue's size."""
        item = self.current
        if item is None:
            return None
        same = [i for i in self.items if i.queue is item.queue and i.deal.id not in self._fixed]
        place = next(n for n, i in enumerate(same, 1) if i.deal.id == item.deal.id)
        return QUEUE_TITLES[item.queue], place, len(same)

    def next(self) -> None:
        """Go on to the next deal; one passed without any decision counts as skipped."""
        item = self.current
        if item is None:
            return
        self._note_skipped(item)
        self.index = self._open_from(self.index + 1)

    def queues(self) -> list[Queue]:
        """The queues that still hold a deal to walk, in walk order."""
        held = {item.queue for item in self.items if item.deal.id not in self._fixed}
        return [queue for queue in Queue if queue in held]

    def jump(self, queue: Queue) -> bool:
        """Go to the first deal of `queue` still in it; False when it holds none.

        The deal left without a decision counts as skipped, as with next(); the deals
        jumped over are still to go.
        """
        target = next((n for n, i in enumerate(self.items)
                       if i.queue is queue and i.deal.id not in self._fixed), None)
        if target is None:
            return False
        item = self.current
        if item is not None and item.queue is not queue:
            self._note_skipped(item)
        self.index = target
        return True

    def following_queue(self) -> Queue | None:
        """The next queue after the current deal's that holds a deal (wrapping round)."""
        held = self.queues()
        if not held:
            return None
        item = self.current
        if item is None:
            return held[0]
        order = list(Queue)
        later = [q for q in held if order.index(q) > order.index(item.queue)]
        return (later or held)[0]

    def _note_skipped(self, item: ReviewItem) -> None:
        decided = any(deal_id == item.deal.id for deal_id, _t, _d in self._decisions)
        if not decided and item.deal.id not in self._skipped:
            self._skipped.append(item.deal.id)

    def previous(self) -> bool:
        """Go back to the previous deal still in the queue; False when there is none."""
        for index in range(min(self.index, len(self.items)) - 1, -1, -1):
            if self.items[index].deal.id not in self._fixed:
                self.index = index
                return True
        return False

    def _open_from(self, index: int) -> int:
        while index < len(self.items) and self.items[index].deal.id in self._fixed:
            index += 1
        return index

    def update(self, deal: Deal) -> list[Decision]:
        """Take a deal as an action left it: note the decisions, re-check its reason.

        A deal without a reason any more leaves the queue; one that still has a reason
        stays in its place, showing the reason it has now.
        """
        position = next((n for n, i in enumerate(self.items) if i.deal.id == deal.id), None)
        if position is None:
            return []
        before = self.items[position]
        decisions = decisions_between(before.deal, deal)
        self._decisions += [(deal.id, deal.title, d) for d in decisions]
        if decisions and deal.id in self._skipped:
            self._skipped.remove(deal.id)
        stage = self._stages.get(deal.stage or "")
        found = (review_reason(deal, stage, self._today, _slip_after(before, deal))
                 if stage is not None else None)
        if found is None:
            self.items[position] = replace(before, deal=deal)
            self._fixed.add(deal.id)
            if position == self.index:
                self.index = self._open_from(self.index)
        else:
            self.items[position] = ReviewItem(deal, *found, slip=_slip_after(before, deal))
        return decisions

    def summary(self, owner: str | None) -> ReviewSummary:
        """What was decided, for the end screen and the recorded review."""
        # A skipped deal the walk went back to counts as to go, not as skipped too.
        ahead = {item.deal.id for item in self.items[self.index:]}
        skipped = tuple(i for i in self._skipped if i not in self._fixed | ahead)
        worked = len({deal_id for deal_id, _t, _d in self._decisions} - self._fixed)
        left = self.total - self.fixed
        return ReviewSummary(
            owner=owner, total=self.total, fixed=self.fixed, left=left, skipped=skipped,
            decisions=tuple(self._decisions), worked=worked,
            to_go=left - worked - len(skipped),
        )


def _slip_after(before: ReviewItem, deal: Deal) -> Slip | None:
    """Slipping as the queue was read, unless a move ended the long stay that made it so
    (pushed close dates stay pushed; a loss or a pause takes the deal out anyway)."""
    slip = before.slip
    if slip is None or deal.stage == before.deal.stage or not slip.long_in_stage:
        return slip
    return replace(slip, long_in_stage=False) if slip.pushes >= SLIP_PUSHES else None


def queue_counts(items: Sequence[ReviewItem]) -> list[tuple[Queue, int]]:
    """How many deals each queue holds, every queue listed."""
    return [(queue, sum(1 for item in items if item.queue is queue)) for queue in Queue]
