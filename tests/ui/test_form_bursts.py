"""Keys that arrive in one burst (a fast typist, a paste, tmux send-keys) act as typed slowly.

Each test sends the whole sequence at once (tests.ui.pilot.burst: no key waits for the one
before), then asserts what the store saved.
"""

from __future__ import annotations

from datetime import date, timedelta

from kanban_pipe.domain.models import DealStatus
from kanban_pipe.ui.screens.board import BoardScreen
from kanban_pipe.ui.screens.review import ReviewScreen
from tests.ui.conftest import TODAY, Board
from tests.ui.pilot import burst, press, session


async def test_next_step_typed_in_one_burst(board: Board) -> None:
    app = board.app()
    async with session(app) as pilot:
        await burst(pilot, "s", *"Call CFO", "tab", *"fri", "enter")
        step = board.store.get_deal(board.ids["acme"]).next_step
        assert step is not None
        assert (step.action, step.due) == ("Call CFO", date(2026, 11, 27))


async def test_tab_in_a_burst_keeps_the_old_action_and_reschedules(board: Board) -> None:
    app = board.app()
    async with session(app) as pilot:
        await burst(pilot, "s", "tab", *"+3d", "enter")
        step = board.store.get_deal(board.ids["acme"]).next_step
        assert step is not None
        assert (step.action, step.due) == ("Call the CFO", TODAY + timedelta(days=3))


async def test_enter_in_a_burst_moves_from_the_action_to_the_date(board: Board) -> None:
    app = board.app()
    async with session(app) as pilot:
        await burst(pilot, "s", *"Call CFO", "enter", *"fri", "enter")
        step = board.store.get_deal(board.ids["acme"]).next_step
        assert step is not None
        assert (step.action, step.due) == ("Call CFO", date(2026, 11, 27))


async def test_done_then_the_next_step_in_one_burst(board: Board) -> None:
    app = board.app()
    async with session(app) as pilot:
        await burst(pilot, "d", *"Send contract", "tab", *"tomorrow", "enter")
        assert isinstance(app.screen, BoardScreen)
        assert board.store.activities(board.ids["acme"])[1].kind.value == "next_step_done"
        step = board.store.get_deal(board.ids["acme"]).next_step
        assert step is not None
        assert (step.action, step.due) == ("Send contract", TODAY + timedelta(days=1))


async def test_close_date_in_one_burst(board: Board) -> None:
    app = board.app()
    async with session(app) as pilot:
        await burst(pilot, "c", *"fri", "enter")
        assert isinstance(app.screen, BoardScreen)
        assert board.store.get_deal(board.ids["acme"]).expected_close == date(2026, 11, 27)


async def test_lost_in_one_burst(board: Board) -> None:
    app = board.app()
    async with session(app) as pilot:
        await burst(pilot, "x", *"went with a competitor", "enter")
        deal = board.store.get_deal(board.ids["acme"])
        assert (deal.status, deal.lost_reason) == (DealStatus.LOST, "went with a competitor")


async def test_move_back_in_one_burst(board: Board) -> None:
    app = board.app()
    async with session(app) as pilot:
        # To Proposal (Dune), back to stage 1, a reason: all in one go.
        await burst(pilot, "l", "l", "<", "1", "enter", *"no timeline", "enter")
        deal = board.store.get_deal(board.ids["dune"])
        assert deal.stage == "lead"
        assert board.store.activities(deal.id)[0].detail == (
            "Proposal → Lead; reason: no timeline")


async def test_pause_in_one_burst(board: Board) -> None:
    app = board.app()
    async with session(app) as pilot:
        await burst(pilot, "p", *"+2w", "tab", *"customer asked to wait", "enter")
        deal = board.store.get_deal(board.ids["acme"])
        assert (deal.status, deal.paused_until) == (DealStatus.PAUSED,
                                                    TODAY + timedelta(days=14))
        assert board.store.activities(deal.id)[0].detail == (
            f"until {TODAY + timedelta(days=14)}; reason: customer asked to wait")


async def test_edit_in_one_burst(board: Board) -> None:
    app = board.app()
    async with session(app) as pilot:
        # enter goes on to the next field, tab too; ctrl+s saves.
        await burst(pilot, "e", *" 2027", "enter", *" Group", "tab", *"Eva", "ctrl+s")
        deal = board.store.get_deal(board.ids["acme"])
        assert (deal.title, deal.organization, deal.contact) == (
            "Acme fleet renewal 2027", "Acme AB Group", "Eva")


async def test_add_in_one_burst(board: Board) -> None:
    app = board.app()
    async with session(app) as pilot:
        await burst(pilot, "n", *"Kestrel rollout", "tab", *"Kestrel AB", "enter", "tab",
                    *"12.5k", "ctrl+s")
        [deal] = [d for d in board.store.list_deals() if d.title == "Kestrel rollout"]
        assert (deal.stage, deal.organization, deal.contact, deal.value) == (
            "lead", "Kestrel AB", "", 1_250_000)


async def test_activity_in_one_burst(board: Board) -> None:
    app = board.app()
    async with session(app) as pilot:
        await burst(pilot, "a", "m", *"Met the CTO", "enter", "a", *"Talked budget", "enter")
        talked, met, *_ = board.store.activities(board.ids["acme"])
        assert (met.kind.value, met.detail) == ("meeting", "Met the CTO")
        assert (talked.kind.value, talked.detail) == ("call", "Talked budget")


async def test_review_mode_forms_take_a_burst(board: Board) -> None:
    app = board.app(start_in_review=True)
    async with session(app) as pilot:
        await press(pilot, "enter")  # past the opening page, onto the first deal
        screen = app.screen
        assert isinstance(screen, ReviewScreen)
        item = screen.walk.current
        assert item is not None
        deal_id = item.deal.id
        await burst(pilot, "s", *"Call CFO", "tab", *"fri", "enter")
        deal = board.store.get_deal(deal_id)
        assert deal.next_step is not None
        assert (deal.next_step.action, deal.next_step.due) == ("Call CFO", date(2026, 11, 27))
        item = screen.walk.current  # a fixed deal leaves the walk: the next one is shown
        assert item is not None
        await burst(pilot, "c", *"+3w", "enter")
        assert board.store.get_deal(item.deal.id).expected_close == TODAY + timedelta(days=21)
