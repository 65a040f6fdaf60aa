"""The statistics screen: `f` on the board, figures on screen, keys to close and reload.

The seeded board (tests/ui/conftest.py), open deals: Lead Acme 12,000 and Borealis 4,500;
Qualified Cobalt 25,000; Proposal Dune 80,000 and Ember 9,000; Commitment Fjord 30,000.
Granite (50,000) was won and Harbor lost, both the day they were made; Iris is paused.
"""

from __future__ import annotations

import asyncio
import threading

import pytest
from textual.app import App
from textual.widgets import Static

from kanban_pipe.domain.errors import DatabaseBusyError
from kanban_pipe.store.stats import gather_stats
from kanban_pipe.ui.screens.board import BoardScreen
from kanban_pipe.ui.screens.stats import StatsScreen
from tests.ui.conftest import Board
from tests.ui.pilot import key_event, press, session
from tests.ui.screen_text import screen_lines, screen_text


def line_with(app: App[None], start: str) -> str:
    """The screen line holding `start` (stripped), or '' when none does."""
    return next((line.strip() for line in screen_lines(app) if start in line), "")


async def test_f_opens_the_statistics_with_figures_worked_by_hand(board: Board) -> None:
    app = board.app()
    async with session(app) as pilot:
        await press(pilot, "f")
        assert isinstance(app.screen, StatsScreen)
        text = screen_text(app)
        # Lead 16,500, weighted 10% = 1,650; Qualified 25,000 x 25% = 6,250; Proposal
        # 89,000 x 50% = 44,500; Commitment 30,000 x 80% = 24,000: 76,400 weighted.
        lead = line_with(app, "Lead   ")
        assert lead.startswith("Lead            2   16.5k EUR   10%   1.7k EUR")
        assert "Total open      6  160.5k EUR        76.4k EUR" in text
        assert "Weighted forecast: 76.4k EUR" in text
        # Closed in the last 90 days: Granite won, Harbor lost.
        assert "Won 1 · lost 1 · win rate 50%" in text
        # Everyone reached Lead; all but Acme and Borealis went on, none was lost there.
        assert "Lead → Qualified       100%  ██████████    7/7     0      2" in text
        # Of the 7 that reached Qualified, Harbor was lost there; Cobalt has sat there 30
        # days without a touch (stale: aged out, not converted); Iris is paused, undecided.
        assert "Qualified → Proposal    67%  ██████▋       4/6     1      1" in text
        # Dune closes in 5 days: 80,000, weighted 40,000, in this month's bar.
        assert "Nov 2026  ██████████░░░░░░░░░░   40k EUR  80k EUR      1" in text
        # Ember lacks qualification; Borealis has no next step; Acme's is 2 days overdue.
        assert "• 1 deal is in Proposal or later without a decision maker" in text
        assert "• 1 deal has no next step" in text
        assert "• 1 next step is overdue" in text


async def test_escape_and_q_close_it(board: Board) -> None:
    app = board.app()
    async with session(app) as pilot:
        for key in ("escape", "q"):
            await press(pilot, "f")
            assert isinstance(app.screen, StatsScreen)
            await press(pilot, key)
            assert isinstance(app.screen, BoardScreen)  # q closed the screen, not the app
        assert app.is_running


async def test_r_reloads_what_another_terminal_saved(board: Board) -> None:
    app = board.app()
    async with session(app) as pilot:
        await press(pilot, "f")
        assert "Total open      6  160.5k EUR" in screen_text(app)
        board.store.add_deal("Late arrival", value=1_000_000, stage="commitment")
        await press(pilot, "r")
        # 10,000 more in Commitment, 8,000 of it weighted.
        assert "Total open      7  170.5k EUR        84.4k EUR" in screen_text(app)


async def test_user_text_is_shown_as_text(board: Board) -> None:
    board.store.rename_stage("lead", "[bold]Lead[/]")
    board.store.add_deal("Markup source", stage="qualified", source="[@click=app.quit]web")
    app = board.app()
    async with session(app) as pilot:
        await press(pilot, "f")
        assert "[bold]Lead[/]      2   16.5k EUR" in screen_text(app)
        sources = app.screen.query_one("#stats-bottom", Static)
        assert "[@click=app.quit]web" in str(sources.render())
        assert app.is_running


async def test_a_narrow_terminal_stacks_the_columns(board: Board) -> None:
    app = board.app()
    async with session(app, size=(80, 24)) as pilot:
        await press(pilot, "f")
        screen = app.screen
        assert isinstance(screen, StatsScreen) and screen.has_class("-narrow")
        assert screen.stats is not None and screen.stats.pipeline.deals == 6
        await press(pilot, "end")
        assert "Lead sources" in screen_text(app)


async def test_a_store_error_is_said_in_words(board: Board,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    def busy(store: object, *, today: object, scope: object) -> None:
        raise DatabaseBusyError("board.db is busy: other people are saving right now")

    monkeypatch.setattr("kanban_pipe.ui.screens.stats.gather_stats", busy)
    app = board.app()
    async with session(app) as pilot:
        await press(pilot, "f")
        assert "Could not read the statistics: board.db is busy" in screen_text(app)
        assert isinstance(app.screen, StatsScreen) and app.screen.stats is None


async def test_the_statistics_follow_the_boards_owner_filter(board: Board) -> None:
    app = board.app()
    async with session(app) as pilot:
        await press(pilot, "o")  # mine: Fjord is erik's
        await press(pilot, "f")
        assert isinstance(app.screen, StatsScreen) and app.screen.stats is not None
        assert app.screen.stats.pipeline.deals == 5
        assert "statistics · owner anna ·" in screen_text(app)
        assert "Total open      5" in screen_text(app)
        await press(pilot, "escape", "o", "f")  # everyone again
        assert isinstance(app.screen, StatsScreen) and app.screen.stats is not None
        assert app.screen.stats.pipeline.deals == 6
        assert "statistics · whole team ·" in screen_text(app)


async def test_tabs_show_the_team_table_and_the_lost_deals(board: Board) -> None:
    app = board.app()
    async with session(app) as pilot:
        await press(pilot, "f", "2")
        text = screen_text(app)
        assert "OWNER  OPEN" in text
        # anna: five open (Acme, Borealis, Cobalt, Dune, Ember), Granite won, Harbor lost;
        # Borealis has no step, Acme's is late, Cobalt is stale. erik: Fjord.
        assert line_with(app, "anna ").startswith("anna      5")
        assert line_with(app, "erik ").startswith("erik      1")
        assert "Lead → Qualified" not in text  # the overview is hidden
        await press(pilot, "3")
        text = screen_text(app)
        assert "Lost, last 90 days: 1 deal" in text
        assert line_with(app, "price").split() == ["price", "1", "100%", "0", "EUR"]
        assert line_with(app, "Qualified ").split() == ["Qualified", "1", "100%", "0", "EUR"]
        await press(pilot, "1")
        assert "Lead → Qualified" in screen_text(app)


async def test_a_click_on_a_tab_shows_it_and_the_tabs_line_marks_it(board: Board) -> None:
    app = board.app()
    async with session(app) as pilot:
        await press(pilot, "f")
        bar = app.screen.query_one("#stats-tab-bar", Static)
        line = str(bar.render())
        assert line.split() == ["1", "Overview", "2", "Team", "3", "Lost", "4", "Forecast",
                                "call"]
        # The bar's padding is one cell: "2 Team" starts where the text has it, plus one.
        assert await pilot.click("#stats-tab-bar", offset=(line.index("2 Team") + 2, 0))
        await pilot.pause()
        assert "OWNER  OPEN" in screen_text(app)
        assert "Lead → Qualified" not in screen_text(app)
        await pilot.click("#stats-tab-bar", offset=(line.index("1 Overview") + 2, 0))
        await pilot.pause()
        assert "Lead → Qualified" in screen_text(app)
        # The keys still go to the tab's body (it scrolls), not to the line clicked.
        assert app.focused is app.screen.query_one("#stats-body")


@pytest.fixture
def held_read(monkeypatch: pytest.MonkeyPatch) -> threading.Event:
    """`f`'s read of the statistics waits until the event is set (the board never reads
    ahead)."""
    go_on = threading.Event()

    def slow(store: object, **options: object) -> object:
        assert go_on.wait(10)
        return gather_stats(store, **options)  # type: ignore[arg-type]

    monkeypatch.setattr("kanban_pipe.ui.screens.stats.gather_stats", slow)
    monkeypatch.setattr(BoardScreen, "STATS_AHEAD_IDLE_SECONDS", None)
    return go_on


async def test_a_slow_read_is_said_in_the_header_and_not_carried_onto_the_screen(
        board: Board, held_read: threading.Event, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("kanban_pipe.ui.screens.stats.SLOW_READ_SECONDS", 0.05)
    app = board.app()
    async with session(app) as pilot:
        await pilot.press("f")
        for _ in range(100):
            await asyncio.sleep(0.02)
            if "reading the statistics…" in screen_lines(app)[0]:
                break
        assert isinstance(app.screen, BoardScreen)
        assert "reading the statistics…" in screen_lines(app)[0]
        held_read.set()
        for _ in range(200):
            await pilot.pause(0.02)
            if isinstance(app.screen, StatsScreen) and app.screen.stats is not None:
                break
        await pilot.pause()
        assert isinstance(app.screen, StatsScreen) and app.screen.stats is not None
        assert "Reading" not in screen_text(app) and "reading" not in screen_text(app)
        await press(pilot, "escape")
        assert isinstance(app.screen, BoardScreen)
        assert "reading the statistics" not in screen_lines(app)[0]


async def test_keys_typed_after_f_wait_for_the_statistics_screen(
        board: Board, held_read: threading.Event) -> None:
    app = board.app()
    async with session(app) as pilot:
        stages = {deal.id: deal.stage for deal in board.store.list_deals()}
        for key in ("f", "4"):  # typed ahead: `4` on the board moves a deal to stage 4
            app.post_message(key_event(key))
        await asyncio.sleep(0.3)
        assert isinstance(app.screen, BoardScreen)  # still reading
        held_read.set()
        for _ in range(200):
            await pilot.pause(0.02)
            if isinstance(app.screen, StatsScreen) and "Forecast accuracy" in screen_text(app):
                break
        assert isinstance(app.screen, StatsScreen)
        assert "Forecast accuracy" in screen_text(app)  # the call tab
        assert "Lead → Qualified" not in screen_text(app)
        assert {deal.id: deal.stage for deal in board.store.list_deals()} == stages
