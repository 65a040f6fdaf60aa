"""The stand-up's key budget: problem deals of the demo, each fixed, in at most 5 keys each.

Keys are counted as a facilitator presses them; the text typed into a form (an action, a
date, a note) is not. Each deal is fixed the way its queue says (QUEUE_FIXES), and must
leave the queue for it.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Input, Static

from kanban_pipe.domain.models import QualificationFact
from kanban_pipe.domain.review import Queue
from kanban_pipe.store import PipelineStore, open_store
from kanban_pipe.store.bulk import load_demo
from kanban_pipe.store.review import review_queue
from kanban_pipe.ui.app import create_app
from kanban_pipe.ui.screens.board import BoardScreen
from kanban_pipe.ui.screens.date_forms import CloseDateForm
from kanban_pipe.ui.screens.review import ReviewScreen
from tests.ui.pilot import board_screen, notices, press, session

NOW = datetime(2026, 11, 25, 9, 30, tzinfo=UTC)
TODAY = date(2026, 11, 25)
KEY_BUDGET_PER_DEAL = 5
FACT_KEYS = {QualificationFact.DECISION_MAKER: "d", QualificationFact.NEED: "n",
             QualificationFact.TIMELINE: "t"}


@pytest.fixture
def demo(tmp_path: Path) -> Iterator[PipelineStore]:
    """`kanban-pipe demo` as it ships (200 deals, seed 1), on a fixed clock."""
    store = open_store(str(tmp_path / "demo.db"), user="anna", clock=lambda: NOW)
    load_demo(store, deals=200, seed=1)
    yield store
    store.close()


class Keys:
    """Presses keys through the Pilot, counting the keys but not the typed text."""

    def __init__(self, pilot: Pilot[Any]) -> None:
        self.pilot = pilot
        self.count = 0

    async def key(self, *keys: str) -> str:
        self.count += len(keys)
        return await press(self.pilot, *keys)

    async def type(self, text: str) -> None:
        await press(self.pilot, *text)

    async def to_field(self, name: str) -> None:
        """tab until the form's `name` input has the focus (however the form orders them)."""
        for _ in range(5):
            focused = self.pilot.app.focused
            if isinstance(focused, Input) and focused.id == name:
                return
            await self.key("tab")
        raise AssertionError(f"no {name} field reached")


def intro(app: Any) -> str:
    """The whole opening page (it scrolls: the screen shows only its top)."""
    return str(review(app).query_one("#intro-body", Static).content)


def review(app: Any) -> ReviewScreen:
    screen = app.screen
    assert isinstance(screen, ReviewScreen), screen
    return screen


async def fix(keys: Keys, queue: Queue, missing: list[QualificationFact]) -> None:
    """The queue's own fix (domain.review.QUEUE_FIXES), one deal."""
    if queue is Queue.CLOSING_SOON:
        await keys.key("c")
        await keys.type("+3w")
        await keys.key("enter")
    elif queue is Queue.STALE:
        await keys.key("a", "c")  # log activity, a call
        await keys.type("Talked to the buyer")
        await keys.key("enter")
    elif queue is Queue.SLIPPING:
        await keys.key("x")  # lost, with a reason: nobody will close it as it stands
        await keys.type("no budget this year")
        await keys.key("enter")
    elif queue in (Queue.OVERDUE, Queue.NO_NEXT_STEP):
        # Overdue: d marks the late step done and asks for the next; no step: s sets one.
        await keys.key("d" if queue is Queue.OVERDUE else "s")
        await keys.type("Call the buyer")
        await keys.to_field("due")
        await keys.type("fri")
        await keys.key("enter")
    else:
        await keys.key("Q", *(FACT_KEYS[fact] for fact in missing), "enter")


async def test_24_problem_deals_fixed_in_at_most_120_keys(demo: PipelineStore) -> None:
    app = create_app(demo, today=lambda: TODAY, db_label="demo.db", start_in_review=True,
                     review_top=4)  # kanban-pipe review --top 4: 4 of each of the 6 queues
    budget = KEY_BUDGET_PER_DEAL * 4 * len(Queue)
    async with session(app) as pilot:
        keys = Keys(pilot)
        text = await keys.key("enter")
        walk = review(app).walk
        assert walk.total == 24 and "24 of 24 left" in text
        fixes: list[tuple[int, Queue]] = []
        while (item := walk.current) is not None and keys.count <= budget:
            fixes.append((item.deal.id, item.queue))
            await fix(keys, item.queue, list(item.deal.qualification.missing()))
            after = walk.current
            assert after is None or (after.deal.id, after.queue) != (item.deal.id, item.queue)
        assert walk.fixed == 24 and "End of the queue" in await press(pilot)
        assert keys.count <= budget, (keys.count, fixes)
        fixed = {deal_id for deal_id, _queue in fixes}
        assert not fixed & {i.deal.id for i in review_queue(demo, today=TODAY)}
        assert {queue for _id, queue in fixes} == set(Queue)
    print(f"24 deals fixed with {keys.count} keys ({len(fixes)} fixes)")


async def test_within_a_queue_the_biggest_deal_comes_first(demo: PipelineStore) -> None:
    app = create_app(demo, today=lambda: TODAY, db_label="demo.db", start_in_review=True)
    async with session(app) as pilot:
        text = await press(pilot)
        assert "77 deals" not in text
        await press(pilot, "enter")
        walk = review(app).walk
        for queue in Queue:
            values = [i.deal.value or 0 for i in walk.items if i.queue is queue]
            assert values == sorted(values, reverse=True), queue


async def test_tab_and_numbers_jump_to_a_queue_and_t_caps_the_walk(
        demo: PipelineStore) -> None:
    app = create_app(demo, today=lambda: TODAY, db_label="demo.db", start_in_review=True)
    async with session(app) as pilot:
        await press(pilot)
        total = review(app).walk.total
        assert "1 Closing soon" in intro(app) and "5 Unqualified" in intro(app)
        assert "6 Slipping" in intro(app)
        text = await press(pilot, "t")
        assert review(app).walk.total < total and "the top 5 of each queue" in text
        assert "the top 5 walked" in intro(app)
        text = await press(pilot, "5")
        assert "UNQUALIFIED" in text and review(app).walk.current.queue is Queue.UNQUALIFIED
        assert "fix: Q confirms the facts" in text
        text = await press(pilot, "tab")
        assert "SLIPPING" in text and review(app).walk.current.queue is Queue.SLIPPING
        assert "fix: > moves it on · x loses it · p pauses it" in text
        text = await press(pilot, "tab")  # round to the first queue again
        assert "CLOSING SOON" in text and "fix: c a new close date" in text
        text = await press(pilot, "tab")
        assert "STALE" in text
        text = await press(pilot, "2", "escape")
        summary = review(app).result
        assert summary is not None and summary.skipped  # the deals left without a word


async def test_c_sets_the_close_date_on_the_board_too(demo: PipelineStore) -> None:
    app = create_app(demo, today=lambda: TODAY, db_label="demo.db")
    async with session(app) as pilot:
        focused = board_screen(app).current_deal()
        assert focused is not None
        deal_id = focused.id
        await press(pilot, "c")
        assert isinstance(app.screen, CloseDateForm)
        await press(pilot, *"+2w")
        await press(pilot, "enter")
        assert isinstance(app.screen, BoardScreen)
        assert demo.get_deal(deal_id).expected_close == TODAY + timedelta(days=14)
        assert notices(app)[-1] == "Expected close 2026-12-09"
        await press(pilot, "c", *"nonsense", "enter")
        assert isinstance(app.screen, CloseDateForm)  # refused in the form, nothing saved
        await press(pilot, "escape")
        assert demo.get_deal(deal_id).expected_close == TODAY + timedelta(days=14)
