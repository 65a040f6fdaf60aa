"""Review queues, reasons, decisions and the walk: pure, with an explicit today."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest

from kanban_pipe.domain.errors import InvalidInputError
from kanban_pipe.domain.models import (
    Activity,
    ActivityKind,
    Deal,
    DealStatus,
    NextStep,
    Qualification,
)
from kanban_pipe.domain.review import (
    ChangeEntry,
    ChangesSince,
    Queue,
    build_queues,
    by_queue,
    change_count_line,
    change_line,
    changes_heading,
    parse_since,
    review_reason,
    top_of_each,
)
from kanban_pipe.domain.review_walk import Decision, ReviewWalk, decisions_between
from kanban_pipe.domain.rules import Slip
from kanban_pipe.domain.stages import DEFAULT_STAGES

TODAY = date(2026, 11, 25)
NOON = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
STAGES = {stage.key: stage for stage in DEFAULT_STAGES}
FULL = Qualification(True, True, True)
STEP = NextStep("Call", "anna", TODAY + timedelta(days=3))
AFTER_CLOSE = NextStep("Call", "anna", TODAY + timedelta(days=20))  # clears no close date


@pytest.fixture(autouse=True)
def utc_local_time(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Days are counted in local time: pin it, so the borders fall on the same day."""
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def deal(deal_id: int = 1, *, stage: str = "lead", days_quiet: int = 1,
         step: NextStep | None = STEP, close: date | None = None, value: int = 100,
         status: DealStatus = DealStatus.OPEN, paused_until: date | None = None,
         qualification: Qualification = FULL, title: str = "Deal") -> Deal:
    """A healthy open deal unless told otherwise."""
    quiet = NOON - timedelta(days=days_quiet)
    return Deal(id=deal_id, title=title, stage=stage, owner="anna", currency="EUR",
                created_at=quiet, updated_at=quiet, stage_entered_at=quiet,
                last_activity_at=quiet, value=value, status=status, expected_close=close,
                next_step=step, paused_until=paused_until, qualification=qualification)


@pytest.mark.parametrize(
    ("case", "expected"),
    [
        (deal(), None),
        (deal(close=TODAY + timedelta(days=14), step=AFTER_CLOSE),
         (Queue.CLOSING_SOON, "expected close in 14d (2026-12-09)")),
        (deal(close=TODAY + timedelta(days=15), step=AFTER_CLOSE), None),
        (deal(close=TODAY, step=AFTER_CLOSE),
         (Queue.CLOSING_SOON, "expected close today (2026-11-25)")),
        (deal(close=TODAY - timedelta(days=3)),
         (Queue.CLOSING_SOON, "expected close passed 3d ago (2026-11-22)")),
        # A next step due by the close date works on the close: it clears the queue.
        (deal(close=TODAY + timedelta(days=5)), None),
        (deal(close=TODAY + timedelta(days=3)), None),
        (deal(close=TODAY + timedelta(days=2)),
         (Queue.CLOSING_SOON, "expected close in 2d (2026-11-27)")),
        (deal(close=TODAY + timedelta(days=5), step=None),
         (Queue.CLOSING_SOON, "expected close in 5d (2026-11-30)")),
        (deal(days_quiet=15), (Queue.STALE, "no activity for 15d (Lead allows 14d)")),
        (deal(days_quiet=14), None),
        (deal(step=NextStep("Call Bob", "anna", TODAY - timedelta(days=2))),
         (Queue.OVERDUE, "next step 2d overdue: Call Bob")),
        (deal(step=NextStep("Call Bob", "anna", TODAY)), None),  # due today is not late
        (deal(step=None), (Queue.NO_NEXT_STEP, "no next step")),
        (deal(stage="proposal", qualification=Qualification(True, False, False)),
         (Queue.UNQUALIFIED, "in Proposal without need, timeline confirmed")),
        (deal(stage="qualified", qualification=Qualification()), None),  # not required yet
    ],
    ids=["healthy", "close-14d", "close-15d", "close-today", "close-passed",
         "step-before-close", "step-on-close-day", "step-after-close", "close-no-step", "stale",
         "not-yet-stale", "overdue", "due-today", "no-step", "unqualified", "early-stage"],
)
def test_reason_per_queue(case: Deal, expected: tuple[Queue, str] | None) -> None:
    assert review_reason(case, STAGES[case.stage], TODAY) == expected


def test_a_deal_appears_once_under_its_first_queue() -> None:
    everything = deal(stage="proposal", close=TODAY + timedelta(days=2), days_quiet=40,
                      step=None, qualification=Qualification())
    assert review_reason(everything, STAGES["proposal"], TODAY)[0] is Queue.CLOSING_SOON
    no_close = replace(everything, expected_close=None)
    assert review_reason(no_close, STAGES["proposal"], TODAY)[0] is Queue.STALE
    items = build_queues([everything, no_close], STAGES, TODAY)
    assert [i.queue for i in items] == [Queue.CLOSING_SOON, Queue.STALE]


@pytest.mark.parametrize(
    ("case", "reviewed"),
    [
        (deal(step=None, status=DealStatus.WON), False),
        (deal(step=None, status=DealStatus.LOST), False),
        (deal(step=None, status=DealStatus.PAUSED, paused_until=TODAY + timedelta(days=1)),
         False),
        (deal(step=None, status=DealStatus.PAUSED, paused_until=TODAY), True),
        (replace(deal(step=None), deleted=True), False),
        (deal(step=None, stage="won"), False),
    ],
    ids=["won", "lost", "paused", "paused-resume-date-come", "deleted", "won-stage"],
)
def test_only_open_deals_are_reviewed(case: Deal, reviewed: bool) -> None:
    assert (review_reason(case, STAGES[case.stage], TODAY) is not None) is reviewed


def test_queues_are_walked_in_order_and_most_pressing_first_within() -> None:
    deals = [
        deal(1, step=None, value=100),
        deal(2, stage="proposal", qualification=Qualification()),
        deal(3, days_quiet=20),
        deal(4, close=TODAY + timedelta(days=9), step=AFTER_CLOSE),
        deal(5, step=NextStep("x", "anna", TODAY - timedelta(days=1))),
        deal(6, close=TODAY + timedelta(days=1), step=AFTER_CLOSE),
        deal(7, days_quiet=30),
        deal(8, step=None, value=900),
        deal(9, stage="commitment", qualification=Qualification()),
        deal(10, step=NextStep("y", "anna", TODAY - timedelta(days=5))),
        deal(11),
        deal(12, value=100),
        deal(13, value=900),
    ]
    # Slipping (as store.slipping finds it) is the last queue: 3 is stale before that.
    slips = {n: Slip(2, False) for n in (3, 12, 13)}
    items = build_queues(deals, STAGES, TODAY, slips)
    assert [i.deal.id for i in items] == [6, 4, 7, 3, 10, 5, 8, 1, 9, 2, 13, 12]
    grouped = by_queue(items)
    assert list(grouped) == list(Queue)
    assert [len(v) for v in grouped.values()] == [2, 2, 2, 2, 2, 2]
    assert grouped[Queue.SLIPPING][0].reason == "close date pushed 2 times"
    assert [i.deal.id for i in build_queues(deals, STAGES, TODAY)] == [
        6, 4, 7, 3, 10, 5, 8, 1, 9, 2]


def test_within_a_queue_the_biggest_value_comes_first_then_the_latest() -> None:
    deals = [
        deal(1, close=TODAY + timedelta(days=1), step=None, value=100),
        deal(2, close=TODAY + timedelta(days=9), step=None, value=9_000),
        deal(3, close=TODAY - timedelta(days=2), step=None, value=9_000),
        deal(4, close=TODAY + timedelta(days=2), step=None, value=None),  # type: ignore[arg-type]
        deal(5, days_quiet=40, value=50),
        deal(6, days_quiet=16, value=70_000),
    ]
    assert [i.deal.id for i in build_queues(deals, STAGES, TODAY)] == [3, 2, 1, 4, 6, 5]


def test_top_of_each_queue_caps_the_walk() -> None:
    items = build_queues([deal(n, step=None, value=n) for n in range(1, 6)]
                         + [deal(9, days_quiet=30)], STAGES, TODAY)
    assert [i.deal.id for i in top_of_each(items, 2)] == [9, 5, 4]
    assert top_of_each(items, None) == items


@pytest.mark.parametrize(
    ("typed", "day"),
    [("", None), ("last review", None), ("since last review", None),
     ("7d", date(2026, 11, 18)), ("2w", date(2026, 11, 11)),
     ("monday", date(2026, 11, 23)), ("since Mon", date(2026, 11, 23)),
     ("wed", date(2026, 11, 25)), ("last wednesday", date(2026, 11, 18)),
     ("yesterday", date(2026, 11, 24)), ("2026-11-01", date(2026, 11, 1))],
)
def test_since_is_read_backwards_from_today(typed: str, day: date | None) -> None:
    assert parse_since(typed, TODAY) == day  # TODAY is a Wednesday


@pytest.mark.parametrize("typed", ["tomorrow", "monkey", "2027-01-01", "soon"])
def test_since_refuses_the_future_and_nonsense(typed: str) -> None:
    with pytest.raises(InvalidInputError, match="since"):
        parse_since(typed, TODAY)


@pytest.mark.parametrize(
    ("after", "expected"),
    [
        (lambda d: replace(d, next_step=NextStep("Send", "anna", TODAY)),
         [Decision.NEXT_STEP_SET]),
        (lambda d: replace(d, next_step=None, last_activity_at=NOON),
         [Decision.NEXT_STEP_DONE]),
        (lambda d: replace(d, stage="qualified"), [Decision.MOVED]),
        (lambda d: replace(d, stage="won", status=DealStatus.WON), [Decision.WON]),
        (lambda d: replace(d, status=DealStatus.LOST), [Decision.LOST]),
        (lambda d: replace(d, status=DealStatus.PAUSED, paused_until=TODAY), [Decision.PAUSED]),
        (lambda d: replace(d, owner="erik"), [Decision.OWNER_CHANGED]),
        (lambda d: replace(d, qualification=Qualification()), [Decision.QUALIFIED]),
        (lambda d: replace(d, last_activity_at=NOON), [Decision.LOGGED]),
        (lambda d: replace(d, value=5), [Decision.EDITED]),
        (lambda d: replace(d, owner="erik", value=5), [Decision.OWNER_CHANGED,
                                                       Decision.EDITED]),
        (lambda d: d, []),
    ],
    ids=["step", "done", "moved", "won", "lost", "paused", "owner", "qualified", "logged",
         "edited", "owner-and-value", "nothing"],
)
def test_decisions_read_from_before_and_after(after, expected: list[Decision]) -> None:
    before = deal()
    assert decisions_between(before, after(before)) == expected


def walk_of(*deals: Deal) -> ReviewWalk:
    return ReviewWalk(build_queues(deals, STAGES, TODAY), STAGES, TODAY)


def test_walk_fixing_skipping_going_back_and_the_summary() -> None:
    a, b, c = deal(1, step=None), deal(2, step=None), deal(3, step=None)
    walk = walk_of(a, b, c)
    assert (walk.total, walk.left, walk.current.deal.id) == (3, 3, 1)
    assert walk.queue_position() == ("No next step", 1, 3)

    assert walk.update(replace(a, next_step=STEP)) == [Decision.NEXT_STEP_SET]
    assert (walk.left, walk.fixed, walk.current.deal.id) == (2, 1, 2)  # fixed: it left
    assert walk.queue_position() == ("No next step", 1, 2)

    walk.next()  # skip b
    assert (walk.left, walk.current.deal.id) == (1, 3)
    assert walk.previous() and walk.current.deal.id == 2
    assert walk.previous() is False  # a is fixed: nothing before b

    walk.next()
    walk.update(replace(c, stage="qualified"))  # moved, still without a next step
    assert walk.current.deal.id == 3 and walk.current.reason == "no next step"
    walk.next()
    assert walk.current is None and walk.left == 0

    summary = walk.summary("anna")
    assert (summary.total, summary.fixed, summary.left, summary.skipped) == (3, 1, 2, (2,))
    assert (summary.worked, summary.to_go) == (1, 0)
    assert summary.accounting() == (
        "3 in the queue · 1 fixed · 2 left: 1 worked on, 1 skipped, 0 to go")
    assert dict(summary.lines())["Next steps set"] == 1
    assert dict(summary.lines())["Deals moved"] == 1
    assert dict(summary.lines())["Skipped"] == 1
    stored = summary.to_json()
    assert stored["decided"]["next_steps_set"] == 1 and stored["decided"]["moved"] == 1
    assert stored["deals"] == [{"id": 1, "title": "Deal", "decisions": ["next_steps_set"]},
                               {"id": 3, "title": "Deal", "decisions": ["moved"]}]


def test_a_skipped_deal_gone_back_to_counts_as_to_go_not_skipped() -> None:
    walk = walk_of(deal(1, step=None), deal(2, step=None), deal(3, step=None))
    walk.next()
    walk.next()
    assert walk.previous() and walk.current.deal.id == 2
    summary = walk.summary(None)
    assert (summary.skipped, summary.left, summary.to_go) == ((1,), 3, 2)


def test_jumping_to_a_queue_skips_the_deal_shown_and_leaves_the_rest_to_go() -> None:
    walk = walk_of(deal(1, step=None), deal(2, step=None), deal(3, days_quiet=30),
                   deal(4, stage="proposal", qualification=Qualification()))
    assert walk.queues() == [Queue.STALE, Queue.NO_NEXT_STEP, Queue.UNQUALIFIED]
    assert walk.current.deal.id == 3 and walk.following_queue() is Queue.NO_NEXT_STEP
    assert walk.jump(Queue.UNQUALIFIED) and walk.current.deal.id == 4
    assert walk.jump(Queue.OVERDUE) is False and walk.current.deal.id == 4
    assert walk.following_queue() is Queue.STALE  # round to the first again
    summary = walk.summary(None)
    assert (summary.skipped, summary.to_go) == ((3,), 3)


def test_a_skipped_deal_fixed_later_is_not_counted_as_skipped() -> None:
    a, b = deal(1, step=None), deal(2, step=None)
    walk = walk_of(a, b)
    walk.next()
    walk.previous()
    walk.update(replace(a, status=DealStatus.LOST))
    summary = walk.summary(None)
    assert summary.skipped == () and summary.closed == 1
    assert dict(summary.lines())["Closed (won 0, lost 1)"] == 1


def test_changes_counted_by_word_and_by_whom() -> None:
    at = datetime(2026, 11, 24, 9, 30, tzinfo=UTC)
    changes = ChangesSince(
        review_at=datetime(2026, 11, 18, 10, 0, tzinfo=UTC), review_by="anna",
        window_start=None,
        counts=((ActivityKind.CREATED, "anna", 2), (ActivityKind.IMPORTED, "erik", 1),
                (ActivityKind.MOVED, "erik", 2), (ActivityKind.CREATED, "erik", 1)),
        recent=(ChangeEntry(Activity(7, 4, at, "erik", ActivityKind.MOVED,
                                     "Lead → Qualified"), "Dune [b]"),),
    )
    assert changes.total == 6
    assert [change_count_line(*row) for row in changes.totals()] == [
        "4 added (anna 2, erik 2)", "2 moved (erik 2)"]
    assert change_line(changes.recent[0]).endswith(
        "erik moved #4 'Dune [b]': Lead → Qualified")
    assert changes_heading(changes).startswith("Since the review of 2026-11-18")
    assert changes_heading(replace(changes, review_at=None)) == (
        "In the last 7 days (no review recorded yet)")
