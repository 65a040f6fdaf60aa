"""Board keys that change deals: each asserts the database and the screen after the key."""

from __future__ import annotations

from datetime import date, timedelta

from textual.widgets import Input

from kanban_pipe.domain.models import DealStatus
from kanban_pipe.ui.screens.board import BoardScreen
from kanban_pipe.ui.screens.detail import DealDetailScreen
from kanban_pipe.ui.screens.forms import DealForm, NextStepForm
from kanban_pipe.ui.screens.help import HelpScreen
from tests.ui.conftest import TODAY, Board
from tests.ui.pilot import board_screen, fill, press, session
from tests.ui.screen_text import screen_text


async def test_n_adds_a_deal_to_the_focused_stage(board: Board) -> None:
    app = board.app()
    async with session(app) as pilot:
        await press(pilot, "l", "n")
        assert isinstance(app.screen, DealForm)
        assert "New deal in Qualified" in screen_text(app)
        await fill(pilot, title="Kestrel rollout", organization="Kestrel AB", value="12.5k",
                   expected_close="31/12", next_action="Book demo", next_due="fri")
        assert "12,500 EUR" in screen_text(app)  # the parsed amount is echoed before saving
        await press(pilot, "ctrl+s")
        assert isinstance(app.screen, BoardScreen)
        [deal] = [d for d in board.store.list_deals() if d.title == "Kestrel rollout"]
        assert (deal.stage, deal.value, deal.organization) == ("qualified", 1_250_000,
                                                               "Kestrel AB")
        assert deal.expected_close == date(2026, 12, 31)
        assert deal.next_step is not None and deal.next_step.due == date(2026, 11, 27)
        assert deal.owner == "anna"
        assert app.screen.current_deal().id == deal.id  # type: ignore[attr-defined]
        assert "Kestrel rollout" in screen_text(app)


async def test_new_deal_with_a_bad_date_is_explained_and_nothing_is_saved(board: Board) -> None:
    app = board.app()
    async with session(app) as pilot:
        before = len(board.store.list_deals())
        await press(pilot, "n")
        await fill(pilot, title="Bad date deal", expected_close="2026-02-30")
        await press(pilot, "ctrl+s")
        assert isinstance(app.screen, DealForm)
        assert "not a real date" in screen_text(app)
        assert app.screen.query_one("#title", Input).value == "Bad date deal"
        assert len(board.store.list_deals()) == before


async def test_e_edits_fields_without_counting_as_activity(board: Board) -> None:
    app = board.app()
    before = board.store.get_deal(board.ids["acme"])
    async with session(app) as pilot:
        await press(pilot, "e")
        assert app.screen.query_one("#title", Input).value == "Acme fleet renewal"
        await fill(pilot, title="Acme renewal 2027", value="15k")
        await press(pilot, "ctrl+s")
        deal = board.store.get_deal(board.ids["acme"])
        assert (deal.title, deal.value) == ("Acme renewal 2027", 1_500_000)
        assert deal.last_activity_at == before.last_activity_at
        assert board.store.activities(deal.id)[0].kind.value == "edited"
        assert "Acme renewal 2027" in screen_text(app)


async def test_s_sets_the_next_step_with_owner_defaulting_to_me(board: Board) -> None:
    app = board.app()
    async with session(app) as pilot:
        await press(pilot, "j", "s")  # Borealis has no next step
        assert isinstance(app.screen, NextStepForm)
        assert app.screen.query_one("#owner", Input).value == "anna"
        await fill(pilot, action="Send proposal", due="+3d")
        await press(pilot, "ctrl+s")
        deal = board.store.get_deal(board.ids["borealis"])
        assert deal.next_step is not None
        assert (deal.next_step.action, deal.next_step.owner, deal.next_step.due) == (
            "Send proposal", "anna", TODAY + timedelta(days=3))
        assert "in 3d: Send proposal" in screen_text(app)


async def test_a_new_next_step_replaces_the_old_one_in_three_keys_beyond_the_text(
        board: Board) -> None:
    app = board.app()
    async with session(app) as pilot:
        # Acme's old step is 'Call the CFO', two days overdue: typing replaces both.
        keys = ["s", *"Send proposal", "tab", *"fri", "enter"]
        await press(pilot, *keys)
        assert isinstance(app.screen, BoardScreen)
        step = board.store.get_deal(board.ids["acme"]).next_step
        assert step is not None
        assert (step.action, step.owner, step.due) == ("Send proposal", "anna",
                                                       date(2026, 11, 27))
        assert len(keys) - len("Send proposal") - len("fri") == 3


async def test_tab_keeps_the_old_action_to_reschedule_it(board: Board) -> None:
    app = board.app()
    async with session(app) as pilot:
        await press(pilot, "s", "tab", *"+3d", "enter")
        step = board.store.get_deal(board.ids["acme"]).next_step
        assert step is not None
        assert (step.action, step.due) == ("Call the CFO", TODAY + timedelta(days=3))


async def test_d_marks_done_then_asks_for_the_next_step(board: Board) -> None:
    app = board.app()
    async with session(app) as pilot:
        await press(pilot, "d")
        kinds = [a.kind.value for a in board.store.activities(board.ids["acme"])]
        assert kinds[0] == "next_step_done"
        assert board.store.get_deal(board.ids["acme"]).next_step is None
        assert isinstance(app.screen, NextStepForm)
        await fill(pilot, action="Send contract", due="tomorrow")
        await press(pilot, "ctrl+s")
        step = board.store.get_deal(board.ids["acme"]).next_step
        assert step is not None and step.action == "Send contract"


async def test_a_logs_an_activity_that_counts_as_movement(board: Board) -> None:
    app = board.app()
    async with session(app) as pilot:
        await pilot.press("l")  # Cobalt is stale
        assert "STALE 30d" in screen_text(app)
        await press(pilot, "a")
        await pilot.press("m")  # meeting
        await pilot.press(*"Met the CTO")
        await press(pilot, "ctrl+s")
        latest = board.store.activities(board.ids["cobalt"])[0]
        assert (latest.kind.value, latest.detail) == ("meeting", "Met the CTO")
        assert "STALE" not in screen_text(app)


async def test_w_wins_the_deal(board: Board) -> None:
    app = board.app()
    async with session(app) as pilot:
        await press(pilot, "w")
        deal = board.store.get_deal(board.ids["acme"])
        assert (deal.status, deal.stage) == (DealStatus.WON, "won")
        screen = board_screen(app)
        assert screen.stages[screen.active].key == "won"
        assert screen.current_deal().id == deal.id  # type: ignore[union-attr]


async def test_x_loses_with_a_reason_and_the_deal_leaves_the_board(board: Board) -> None:
    app = board.app()
    async with session(app) as pilot:
        await press(pilot, "x")
        await pilot.press(*"went with a competitor")
        await press(pilot, "ctrl+s")
        deal = board.store.get_deal(board.ids["acme"])
        assert (deal.status, deal.lost_reason) == (DealStatus.LOST, "went with a competitor")
        assert "Acme fleet renewal" not in screen_text(app)


async def test_x_offers_the_teams_lost_reasons(board: Board) -> None:
    board.store.add_lost_reason("chose to build it themselves")
    app = board.app()
    async with session(app) as pilot:
        await press(pilot, "x")
        assert "6 chose to" in screen_text(app)  # the hint wraps there
        await pilot.press("6")
        await press(pilot, "ctrl+s")
        deal = board.store.get_deal(board.ids["acme"])
        assert (deal.status, deal.lost_reason) == (DealStatus.LOST,
                                                   "chose to build it themselves")


async def test_p_pauses_until_a_date_then_the_deal_returns_by_itself(board: Board) -> None:
    app = board.app()
    async with session(app) as pilot:
        await press(pilot, "p")
        await fill(pilot, resume="+2w")
        await press(pilot, "ctrl+s")
        assert "reason is required" in screen_text(app)
        await fill(pilot, reason="customer asked to wait")
        await press(pilot, "ctrl+s")
        deal = board.store.get_deal(board.ids["acme"])
        assert (deal.status, deal.paused_until) == (DealStatus.PAUSED,
                                                    TODAY + timedelta(days=14))
        assert board.store.activities(deal.id)[0].detail == (
            f"until {TODAY + timedelta(days=14)}; reason: customer asked to wait")
        assert "Acme fleet renewal" not in screen_text(app)
    later = board.app()
    later._today = lambda: TODAY + timedelta(days=14)
    async with session(later) as pilot:
        assert "Acme fleet renewal" in screen_text(later)
        assert "PAUSED" in screen_text(later)


async def test_shift_d_deletes_after_asking_and_u_restores(board: Board) -> None:
    app = board.app()
    async with session(app) as pilot:
        await press(pilot, "D")
        assert "Delete 'Acme fleet renewal'?" in screen_text(app)
        await press(pilot, "n")
        assert board.ids["acme"] in {d.id for d in board.store.list_deals()}
        await press(pilot, "D")
        await press(pilot, "y")
        assert board.ids["acme"] not in {d.id for d in board.store.list_deals()}
        assert "Acme fleet renewal" not in screen_text(app)
        await press(pilot, "u")
        assert board.ids["acme"] in {d.id for d in board.store.list_deals()}
        assert "Acme fleet renewal" in screen_text(app)


async def test_ctrl_z_undoes_a_change_made_from_the_command_line(board: Board) -> None:
    board.store.move_deal(board.ids["borealis"], "qualified")  # as if by `kanban-pipe move`
    app = board.app()
    async with session(app) as pilot:
        await press(pilot, "ctrl+z")
        assert board.store.get_deal(board.ids["borealis"]).stage == "lead"
        assert board.store.activities(board.ids["borealis"])[0].kind.value == "undo"


async def test_enter_opens_the_detail_with_history_newest_first(board: Board) -> None:
    app = board.app()
    async with session(app) as pilot:
        await press(pilot, "l", "l", "enter")
        assert isinstance(app.screen, DealDetailScreen)
        text = screen_text(app)
        assert "Dune expansion" in text and "Dune Ltd" in text
        assert text.index("qualified") < text.index("created")
        await pilot.press("escape")
        assert isinstance(app.screen, BoardScreen)


async def test_question_mark_opens_help_with_keys_and_legend(board: Board) -> None:
    app = board.app()
    async with session(app) as pilot:
        await press(pilot, "question_mark")
        assert isinstance(app.screen, HelpScreen)
        text = screen_text(app)
        for words in ("set the next step: action, owner, due date", "undo your last change",
                      "1–9"):
            assert words in text
        text = await press(pilot, "pagedown", "pagedown", "pagedown")
        for marker in ("LATE", "NO STEP", "STALE", "CLOSE", "UNQUAL"):
            assert marker in text
        text = await press(pilot, "end")
        assert "D✓N✗T✗" in text and "qualification: Decision maker, Need, Timeline" in text


async def test_ctrl_p_offers_every_board_action(board: Board) -> None:
    app = board.app()
    async with session(app) as pilot:
        screen = app.screen
        commands = list(app.get_system_commands(screen))
        titles = [command.title for command in commands]
        for action in ("New (n)", "Next step (s)", "Done (d)", "Log (a)", "Won (w)",
                       "Lost (x)", "Pause (p)", "Delete (D)", "Undo (u)", "Filter (/)",
                       "Mine/all (o)", "Order (S)", "Help (?)", "Quit (q)", "Move › (>)",
                       "Move to Proposal (3)"):
            assert action in titles
        # Each action once, its help says what it does (not its name again), and none of
        # Textual's own commands (theme, keys panel, screenshot) are mixed in.
        assert len(titles) == len(set(titles))
        for command in commands:
            assert command.help and command.title.split(" (")[0].lower() not in (
                command.help.lower(), f"{command.title.lower()}")
        for textual_own in ("Theme", "Keys", "Screenshot", "Maximize"):
            assert not [t for t in titles if t.startswith(textual_own)]
        assert not [t for t in titles if "stage 6" in t]  # five stages
        await press(pilot, "ctrl+p")
        text = await press(pilot, *"Next step")
        assert "set the next step: action, owner, due date" in text
        await press(pilot, "enter")
        assert isinstance(app.screen, NextStepForm)
