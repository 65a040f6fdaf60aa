"""Board keys that navigate, order and filter: screen and database asserted after each."""

from __future__ import annotations

from textual.geometry import Region
from textual.widgets._toast import Toast

from kanban_pipe.store import CardOrder
from kanban_pipe.ui.screens.board import BoardScreen
from kanban_pipe.ui.screens.forms import MoveBackForm
from kanban_pipe.ui.widgets.card import CARD_HEIGHT
from tests.ui.conftest import Board
from tests.ui.pilot import board_screen, press, session, settle
from tests.ui.screen_text import screen_text


async def test_board_shows_every_open_stage_with_cards_and_totals(board: Board) -> None:
    app = board.app()
    async with session(app):
        text = screen_text(app)
        for name in ("Lead", "Qualified", "Proposal", "Commitment", "Won"):
            assert name in text
        assert "Acme fleet renewal" in text
        assert "12k EUR · anna · Acme AB" in text
        assert "2d overdue: Call the CFO" in text
        assert "2 deals · 16.5k EUR" in text  # Lead: 12k + 4.5k
        assert "board.db · anna · everyone" in text
        # Lost and paused deals are not on the board; the won one is, in Won.
        assert "Harbor lost one" not in text
        assert "Iris paused" not in text
        assert "Granite deal" in text


async def test_each_highlight_has_a_text_marker(board: Board) -> None:
    app = board.app()
    async with session(app):
        text = screen_text(app)
        for marker in ("LATE", "NO STEP", "STALE 30d", "CLOSE 5d", "UNQUAL"):
            assert marker in text, marker


async def test_hjkl_and_arrows_move_focus_between_columns_and_cards(board: Board) -> None:
    app = board.app()
    async with session(app) as pilot:
        screen = board_screen(app)
        assert screen.current_deal().id == board.ids["acme"]  # type: ignore[union-attr]
        await pilot.press("j")
        assert screen.current_deal().id == board.ids["borealis"]  # type: ignore[union-attr]
        await pilot.press("k")
        assert screen.current_deal().id == board.ids["acme"]  # type: ignore[union-attr]
        await pilot.press("l", "l")
        assert screen.stages[screen.active].key == "proposal"
        await pilot.press("G")
        assert screen.current_deal().id == board.ids["ember"]  # type: ignore[union-attr]
        await pilot.press("g")
        assert screen.current_deal().id == board.ids["dune"]  # type: ignore[union-attr]
        await pilot.press("left")
        assert screen.stages[screen.active].key == "qualified"
        await pilot.press("right", "down")
        assert screen.current_deal().id == board.ids["ember"]  # type: ignore[union-attr]
        await pilot.press("h", "h", "h", "h")  # stops at the first column
        assert screen.active == 0


async def test_move_back_asks_a_reason_and_focus_follows(board: Board) -> None:
    app = board.app()
    async with session(app) as pilot:
        await pilot.press("l")  # Qualified: Cobalt
        text = await press(pilot, "less_than_sign")
        assert "Move back from Qualified · Cobalt licences" in text and "= Lead" in text
        await press(pilot, "enter", *"no decision maker", "enter")
        screen = board_screen(app)
        assert board.store.get_deal(board.ids["cobalt"]).stage == "lead"
        assert screen.stages[screen.active].key == "lead"
        assert screen.current_deal().id == board.ids["cobalt"]  # type: ignore[union-attr]
        [moved, *_] = board.store.activities(board.ids["cobalt"])
        assert (moved.kind.value, moved.detail) == (
            "moved", "Qualified → Lead; reason: no decision maker")


async def test_back_then_a_stage_number_moves_back_in_one_step(board: Board) -> None:
    app = board.app()
    async with session(app) as pilot:
        await pilot.press("l", "l")  # Proposal: Dune
        await press(pilot, "less_than_sign", "1", "enter", *"no timeline", "enter")
        deal = board.store.get_deal(board.ids["dune"])
        assert deal.stage == "lead"
        assert board.store.activities(deal.id)[0].detail == (
            "Proposal → Lead; reason: no timeline")


async def test_a_stage_that_does_not_exist_is_marked_in_the_field(board: Board) -> None:
    app = board.app()
    async with session(app) as pilot:
        await pilot.press("l")  # Qualified: Cobalt
        await press(pilot, "less_than_sign")
        # Typed over the selected "1": no such stage, said in the field (it ended the app).
        text = await press(pilot, *"1x")
        assert isinstance(app.screen, MoveBackForm)
        assert "no stage '1x'; stages are: lead, qualified" in text
        await press(pilot, "backspace", "enter", *"no budget", "enter")
        assert board.store.get_deal(board.ids["cobalt"]).stage == "lead"


async def test_a_move_back_needs_a_reason_and_an_earlier_stage(board: Board) -> None:
    app = board.app()
    async with session(app) as pilot:
        await pilot.press("l", "l")  # Proposal: Dune
        text = await press(pilot, "less_than_sign", "4", "enter", "enter")
        assert "Commitment is not before the deal's stage" in text
        assert "reason is required" in text
        assert board.store.get_deal(board.ids["dune"]).stage == "proposal"


async def test_shift_left_also_moves_back(board: Board) -> None:
    app = board.app()
    async with session(app) as pilot:
        await press(pilot, "l", "l", "shift+left", "enter", *"x", "enter")
        assert board.store.get_deal(board.ids["dune"]).stage == "qualified"


async def test_move_forward_confirms_the_milestone_and_records_it(board: Board) -> None:
    app = board.app()
    async with session(app) as pilot:
        await press(pilot, "greater_than_sign")
        assert "Decision maker involved" in screen_text(app)
        await press(pilot, "y")
        deal = board.store.get_deal(board.ids["acme"])
        assert deal.stage == "qualified"
        assert deal.qualification.decision_maker
        moved = board.store.activities(deal.id)[0]
        assert moved.kind.value == "moved"
        assert "Decision maker involved" in moved.detail
        screen = board_screen(app)
        assert screen.stages[screen.active].key == "qualified"
        assert screen.current_deal().id == deal.id  # type: ignore[union-attr]


async def test_move_forward_cancelled_with_escape_changes_nothing(board: Board) -> None:
    app = board.app()
    async with session(app) as pilot:
        await press(pilot, "shift+right")
        await press(pilot, "escape")
        assert board.store.get_deal(board.ids["acme"]).stage == "lead"
        assert isinstance(app.screen, BoardScreen)


async def test_forward_move_asks_in_place_and_the_board_keys_wait(board: Board) -> None:
    app = board.app()
    async with session(app) as pilot:
        screen = board_screen(app)
        await press(pilot, "greater_than_sign")
        assert app.screen is screen  # no dialog screen: the bar asks over the board
        text = screen_text(app)
        assert "Move 'Acme fleet renewal' Lead → Qualified?" in text
        assert "Confirm (y)" in text and "Cancel (n)" in text
        # Board keys do nothing while it asks: no cursor move, no other column, no delete.
        await press(pilot, "j", "l", "D", "greater_than_sign", "w")
        assert app.screen is screen and screen.active == 0
        assert screen.current_deal().id == board.ids["acme"]  # type: ignore[union-attr]
        assert board.store.get_deal(board.ids["acme"]).status.value == "open"
        await press(pilot, "n")
        assert "Confirm (y)" not in screen_text(app)
        assert board.store.get_deal(board.ids["acme"]).stage == "lead"
        await pilot.press("j")  # the keys work again
        assert screen.current_deal().id == board.ids["borealis"]  # type: ignore[union-attr]


async def test_the_bars_answers_can_be_clicked(board: Board) -> None:
    app = board.app()
    async with session(app) as pilot:
        bar = app.screen.query_one("#milestones")
        for label, stage in (("Cancel (n)", "lead"), ("Confirm (y)", "qualified")):
            await press(pilot, "h", "greater_than_sign")  # Acme, in Lead
            # The answers are the last line inside the bar's border, after a 1-cell padding.
            answers = bar.region.height - 2
            x = 2 + (0 if label.startswith("Confirm") else len("Confirm (y)   "))
            assert screen_text(app).splitlines()[bar.region.y + answers][x:].startswith(label)
            await pilot.click("#milestones", offset=(x + 1, answers))
            await settle(pilot)
            assert "Confirm (y)" not in screen_text(app)
            assert board.store.get_deal(board.ids["acme"]).stage == stage


async def test_number_key_jumps_and_confirms_every_skipped_milestone(board: Board) -> None:
    app = board.app()
    async with session(app) as pilot:
        text = await press(pilot, "4")
        for milestone in ("Decision maker involved", "Need and goals confirmed",
                          "Customer confirmed timeline"):
            assert milestone in text
        await press(pilot, "enter")
        deal = board.store.get_deal(board.ids["acme"])
        assert deal.stage == "commitment"
        assert deal.qualification.complete


async def test_s_cycles_the_card_order(board: Board) -> None:
    app = board.app()
    async with session(app) as pilot:
        screen = board_screen(app)
        await pilot.press("l", "l")  # Proposal: Dune (80k, close in 5d), Ember (9k)
        seen = []
        for _ in range(5):
            await press(pilot, "S")
            seen.append(screen.order)
            assert f"order: {screen.order.value}" in screen_text(app)
        assert seen == [CardOrder.VALUE, CardOrder.CLOSE_DATE, CardOrder.DAYS_IN_STAGE,
                        CardOrder.MANUAL, CardOrder.URGENCY]
        column = screen.active_column
        assert column.deal_ids == [board.ids["dune"], board.ids["ember"]]


async def test_shift_j_and_k_reorder_in_manual_order(board: Board) -> None:
    app = board.app()
    async with session(app) as pilot:
        screen = board_screen(app)
        acme, borealis = board.ids["acme"], board.ids["borealis"]
        await press(pilot, "J")
        assert screen.order is CardOrder.MANUAL
        assert screen.active_column.deal_ids == [borealis, acme]
        assert screen.current_deal().id == acme  # type: ignore[union-attr]
        assert (board.store.get_deal(acme).position
                > board.store.get_deal(borealis).position)
        await press(pilot, "K")
        assert screen.active_column.deal_ids == [acme, borealis]


async def test_filter_by_text_then_escape_clears(board: Board) -> None:
    app = board.app()
    async with session(app) as pilot:
        text = await press(pilot, "slash", *"cobalt")
        assert "Cobalt licences" in text
        assert "Acme fleet renewal" not in text
        assert "“cobalt”" in text
        await pilot.press("enter")  # back to the board, filter kept
        await press(pilot, "escape")
        assert "Acme fleet renewal" in screen_text(app)


async def test_filter_matches_owner_and_organization(board: Board) -> None:
    app = board.app()
    async with session(app) as pilot:
        text = await press(pilot, "slash", *"erik", "enter")
        assert "Fjord upgrade" in text and "Acme fleet renewal" not in text


async def test_filter_is_unqualified_lists_the_deals_to_clean_up(board: Board) -> None:
    app = board.app()
    async with session(app) as pilot:
        text = await press(pilot, "slash", *"is:unqualified", "enter")
        # Ember (Proposal, no fact confirmed) only: Dune and Fjord are qualified, and
        # Lead and Qualified need no qualification yet.
        assert "Ember support" in text
        for other in ("Dune expansion", "Fjord upgrade", "Acme fleet renewal",
                      "Cobalt licences"):
            assert other not in text, other
        await press(pilot, "slash", "ctrl+u", *"is:unqualified acme", "enter")
        assert "Ember support" not in screen_text(app)


async def test_o_toggles_mine_and_everyone(board: Board) -> None:
    app = board.app()
    async with session(app) as pilot:
        text = await press(pilot, "o")
        assert "anna · mine" in text
        assert "Fjord upgrade" not in text  # erik's
        assert "Acme fleet renewal" in text
        await press(pilot, "o")
        assert "Fjord upgrade" in screen_text(app)


async def test_q_quits(board: Board) -> None:
    app = board.app()
    async with session(app) as pilot:
        await pilot.press("q")
        await pilot.pause()
    assert app.return_code == 0


async def test_a_click_focuses_a_card_and_a_double_click_opens_it(board: Board) -> None:
    from kanban_pipe.ui.screens.detail import DealDetailScreen

    app = board.app()
    async with session(app) as pilot:
        screen = board_screen(app)
        # Proposal holds Dune (card 0, lines 0-5) and Ember (card 1, lines 6-11).
        await pilot.click("#col-proposal", offset=(4, 7))
        await settle(pilot)
        assert screen.stages[screen.active].key == "proposal"
        assert screen.current_deal().id == board.ids["ember"]  # type: ignore[union-attr]
        await pilot.double_click("#col-proposal", offset=(4, 1))
        await settle(pilot)
        assert isinstance(app.screen, DealDetailScreen)
        assert "Dune expansion" in screen_text(app)


async def test_a_long_columns_scrollbar_follows_its_card_count(board: Board) -> None:
    # A move changes the column's height by a card; the scrollbar is repainted only when
    # its thumb would look different, but always knows the new height, and it shows the
    # same as a scrollbar drawn afresh for that height.
    for number in range(40):
        board.store.add_deal(f"Filler {number}", stage="lead", value=100_000)
    app = board.app()
    async with session(app) as pilot:
        screen = board_screen(app)
        lead = screen.column("lead")
        # Acme (overdue, so first) leaves Lead and comes back; Lead stays scrolled to the top.
        for keys in (["greater_than_sign", "y"], ["less_than_sign", "enter", "x", "enter"]):
            await press(pilot, *keys)
            assert lead.scroll_y == 0
            bar = lead.vertical_scrollbar
            assert lead.show_vertical_scrollbar
            assert lead.virtual_size.height == len(lead.deal_ids) * CARD_HEIGHT
            assert bar.window_virtual_size == lead.virtual_size.height
            shown = drawn(app, bar.region)
            bar.refresh()  # a scrollbar drawn afresh looks the same
            await pilot.pause()
            assert drawn(app, bar.region) == shown
        assert len(lead.deal_ids) == 42


def drawn(app: object, region: Region) -> list[list[tuple[str, object]]]:
    """The segments (text and style) the screen shows in a region, row by row."""
    strips = app.screen._compositor.render_strips()  # type: ignore[attr-defined]
    return [[(seg.text, seg.style) for seg in strips[y].crop(region.x, region.right)]
            for y in range(region.y, region.bottom)]


async def test_a_toast_leaves_the_rightmost_column_its_border(board: Board) -> None:
    app = board.app()
    async with session(app, notifications=True) as pilot:
        app.notify("Next step set", timeout=30)
        await settle(pilot)
        [toast] = app.screen.query(Toast).results()
        box = list(app.screen.query(".column-box").results())[-1]
        assert toast.region.right <= box.region.right - 1  # the right border shows
        assert toast.region.bottom <= box.region.bottom - 1  # and the bottom border


async def test_at_80x24_the_focused_card_is_on_screen_after_changing_column(
        board: Board) -> None:
    for number in range(8):
        board.store.add_deal(f"Extra {number}", stage="qualified", value=1000 * number)
    app = board.app()
    async with session(app, size=(80, 24)) as pilot:
        screen = board_screen(app)
        qualified = screen.column("qualified")
        # The wheel scrolls a column the cursor is not in, and leaves its cursor behind.
        qualified.scroll_to(y=30, animate=False, immediate=True)
        await settle(pilot)
        assert qualified.cursor == 0
        await press(pilot, "l")
        assert screen.active_column is qualified
        top = qualified.cursor * CARD_HEIGHT - int(qualified.scroll_offset.y)
        assert 0 <= top and top + CARD_HEIGHT - 1 <= qualified.container_size.height
        assert screen.region.contains_region(qualified.region)
        # The keys act on the card the user sees focused.
        deal = screen.current_deal()
        assert deal is not None and deal.title in screen_text(app)


async def test_at_80x24_the_footer_keeps_help_and_quit(board: Board) -> None:
    app = board.app()
    async with session(app, size=(80, 24)) as pilot:
        footer = screen_text(app).splitlines()[-1]
        assert "? Help" in footer and "q Quit" in footer
        await pilot.resize_terminal(60, 24)
        await settle(pilot)
        footer = screen_text(app).splitlines()[-1]
        assert "? Help" in footer and "q Quit" in footer
