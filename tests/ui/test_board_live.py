"""Two terminals on one file: a change saved in one shows on the other's board, focus kept."""

from __future__ import annotations

from kanban_pipe.store import open_store
from kanban_pipe.ui.screens.board import BoardScreen
from tests.ui.conftest import Board, settle
from tests.ui.screen_text import screen_text


async def wait_for(pilot, condition, seconds: float = 3.0) -> bool:
    for _ in range(int(seconds / 0.1)):
        await pilot.pause(0.1)
        await pilot.app.workers.wait_for_complete()
        if condition():
            return True
    return condition()


async def test_another_terminals_move_appears_and_focus_follows_the_deal(board: Board) -> None:
    app = board.app()
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, BoardScreen)
        assert screen.current_deal().id == board.ids["acme"]  # type: ignore[union-attr]
        erik = open_store(str(board.path), user="erik", clock=board.clock)
        erik.move_deal(board.ids["acme"], "proposal")
        erik.add_deal("Zephyr new lead", stage="lead")
        erik.close()
        assert await wait_for(pilot, lambda: "Zephyr new lead" in screen_text(app))
        assert screen.stages[screen.active].key == "proposal"
        assert screen.current_deal().id == board.ids["acme"]  # type: ignore[union-attr]
        # The focused deal changed: the notice names who did what.
        texts = [n.message for n in app._notifications]
        assert any("erik moved 'Acme fleet renewal'" in t for t in texts)


async def test_no_refresh_work_when_nothing_changed(board: Board) -> None:
    app = board.app()
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, BoardScreen)
        generation = screen._generation
        await pilot.pause(1.2)
        assert screen._generation == generation
