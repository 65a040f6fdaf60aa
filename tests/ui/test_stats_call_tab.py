"""The statistics' fourth tab: the forecast call against this month's target, with the gap,
and the accuracy of past months (Pilot)."""

from __future__ import annotations

from kanban_pipe.ui.screens.stats import StatsScreen
from tests.ui.conftest import TODAY, Board
from tests.ui.pilot import press, session
from tests.ui.screen_text import screen_lines, screen_text


def line_with(app, text: str) -> str:
    return next(line.strip() for line in screen_lines(app) if text in line)


async def test_tab_4_shows_the_call_against_the_target(board: Board) -> None:
    board.store.edit_deal(board.ids["dune"], forecast_category="commit")
    board.store.set_target("this-month", 100_000_00, today=TODAY)
    app = board.app()
    async with session(app) as pilot:
        await press(pilot, "f", "4")
        assert isinstance(app.screen, StatsScreen) and app.screen.stats is not None
        text = screen_text(app)
        assert "Forecast call" in text and "Lead → Qualified" not in text
        # Granite was won this month (50k); Dune (80k, Proposal at 50 %) is called commit:
        # 50k won and 80k committed against 100k.
        assert line_with(app, "Nov 2026").split() == [
            "Nov", "2026", "50k", "EUR", "80k", "EUR", "80k", "EUR", "40k", "EUR", "100k", "EUR",
            "ahead", "30k", "EUR", "1"]
        assert "Against the team's targets." in text
        assert "Forecast accuracy" in text
