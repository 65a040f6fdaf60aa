"""Two terminals on one file: a change saved in one shows on the other's board, focus kept."""

from __future__ import annotations

from textual.widgets import Input

from kanban_pipe.store import open_store
from kanban_pipe.ui.screens.board import BoardScreen
from tests.ui.conftest import Board
from tests.ui.pilot import board_screen, notices, press, session, settle
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
    async with session(app) as pilot:
        screen = board_screen(app)
        assert screen.current_deal().id == board.ids["acme"]  # type: ignore[union-attr]
        erik = open_store(str(board.path), user="erik", clock=board.clock)
        erik.move_deal(board.ids["acme"], "proposal")
        erik.add_deal("Zephyr new lead", stage="lead")
        erik.close()
        assert await wait_for(pilot, lambda: "Zephyr new lead" in screen_text(app))
        assert screen.stages[screen.active].key == "proposal"
        assert screen.current_deal().id == board.ids["acme"]  # type: ignore[union-attr]
        # The focused deal changed: the notice names who did what.
        texts = notices(app)
        assert any("erik moved 'Acme fleet renewal'" in t for t in texts)


async def test_no_refresh_work_when_nothing_changed(board: Board) -> None:
    app = board.app()
    async with session(app) as pilot:
        screen = board_screen(app)
        generation = screen._generation
        await pilot.pause(1.2)
        assert screen._generation == generation


async def test_filter_and_an_open_form_survive_a_change_from_elsewhere(board: Board) -> None:
    app = board.app()
    async with session(app) as pilot:
        board_screen = app.screen
        assert isinstance(board_screen, BoardScreen)
        await press(pilot, "slash", *"fleet", "enter")
        assert board_screen.text_filter == "fleet"
        await press(pilot, "e")
        form = app.screen
        title = form.query_one("#title", Input)
        title.value = "Acme (half typed"
        erik = open_store(str(board.path), user="erik", clock=board.clock)
        second = erik.add_deal("Second fleet deal", stage="lead").id
        erik.add_deal("Unrelated lead", stage="lead")
        erik.close()
        assert await wait_for(pilot, lambda: second in board_screen.model.ids("lead"))
        assert app.screen is form and title.value == "Acme (half typed"
        text = await press(pilot, "escape")
        assert "“fleet”" in text and "Second fleet deal" in text
        assert "Unrelated lead" not in text and "Borealis pilot" not in text


async def test_notices_only_for_the_focused_deal_or_ones_you_own(board: Board) -> None:
    app = board.app()
    async with session(app) as pilot:
        app._notifications.clear()
        erik = open_store(str(board.path), user="erik", clock=board.clock)
        erik.log_activity(board.ids["fjord"], "call", "erik's own deal")  # not anna's: quiet
        erik.log_activity(board.ids["cobalt"], "call", "about anna's deal")
        erik.close()
        assert await wait_for(pilot, lambda: len(app._notifications) > 0)
        await pilot.pause(0.6)
        texts = notices(app)
        assert texts == ["erik call 'Cobalt licences' (about anna's deal)"]


async def test_scroll_position_and_cursor_stay_in_a_long_column(board: Board) -> None:
    for n in range(60):
        board.store.add_deal(f"Filler lead {n:02}", stage="lead")
    app = board.app()
    async with session(app, size=(140, 30)) as pilot:
        screen = board_screen(app)
        await press(pilot, *["j"] * 40)
        column = screen.active_column
        focused, scrolled = screen.current_deal().id, column.scroll_y  # type: ignore[union-attr]
        assert scrolled > 0
        erik = open_store(str(board.path), user="erik", clock=board.clock)
        new = erik.add_deal("Erik's qualified deal", stage="qualified").id
        erik.log_activity(board.ids["borealis"], "call", "a lead elsewhere in the column")
        erik.close()
        assert await wait_for(pilot, lambda: new in screen.model.ids("qualified"))
        assert screen.current_deal().id == focused  # type: ignore[union-attr]
        assert column.scroll_y == scrolled


async def test_two_boards_on_one_file_a_key_in_one_shows_in_the_other(board: Board) -> None:
    erik_store = open_store(str(board.path), user="erik", clock=board.clock)
    anna_app = board.app()
    erik_app = Board(erik_store, board.clock, board.ids, board.path).app()
    try:
        async with anna_app.run_test(size=(140, 40)) as anna, \
                erik_app.run_test(size=(140, 40)) as erik:
            await settle(anna)
            await settle(erik)
            erik_screen = erik_app.screen
            assert isinstance(erik_screen, BoardScreen)
            await erik.press("j")  # erik looks at Borealis
            await settle(erik)
            assert erik_screen.current_deal().id == board.ids["borealis"]  # type: ignore[union-attr]
            await anna.press("j", "greater_than_sign", "y")  # anna moves Borealis forward
            await settle(anna)
            assert board.store.get_deal(board.ids["borealis"]).stage == "qualified"
            assert await wait_for(
                erik, lambda: board.ids["borealis"] in erik_screen.model.ids("qualified"))
            # erik's focus followed the deal into Qualified, and he is told who moved it.
            assert erik_screen.stages[erik_screen.active].key == "qualified"
            assert erik_screen.current_deal().id == board.ids["borealis"]  # type: ignore[union-attr]
            assert any("anna moved 'Borealis pilot'" in n.message
                       for n in erik_app._notifications)
    finally:
        erik_store.close()
