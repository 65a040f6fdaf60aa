"""`F` on the board: a deal's forecast call (category, own probability), saved, shown on the
card and in the column head's weighted figure; the Won column shows no weighted figure."""

from __future__ import annotations

from kanban_pipe.domain.models import ForecastCategory
from kanban_pipe.ui.screens.board import BoardScreen
from kanban_pipe.ui.screens.call_form import ForecastCallForm
from kanban_pipe.ui.screens.review import ReviewScreen
from kanban_pipe.ui.widgets.fixed_text import FixedText
from tests.ui.conftest import Board
from tests.ui.pilot import board_screen, notices, press, session
from tests.ui.screen_text import screen_text


def head(app, stage: str) -> str:
    return str(app.screen.query_one(f"#head-{stage}", FixedText).render())


async def test_f_calls_the_focused_deal_commit_at_its_own_probability(board: Board) -> None:
    app = board.app()
    async with session(app) as pilot:
        await press(pilot)
        deal = board_screen(app).current_deal()
        assert deal is not None and deal.id == board.ids["acme"]  # Lead: 12k and 4.5k EUR
        assert head(app, "lead").endswith("weighted 1.7k EUR")  # 16.5k at Lead's 10 %: 1.65k
        text = await press(pilot, "F")
        assert isinstance(app.screen, ForecastCallForm)
        assert "Forecast call · Acme fleet renewal" in text
        text = await press(pilot, "3")
        assert "= commit" in text
        text = await press(pilot, "tab", "6", "0")
        assert "= 60% (its own, over Lead's 10%)" in text
        await press(pilot, "enter")
        assert isinstance(app.screen, BoardScreen)
        saved = board.store.get_deal(deal.id)
        assert (saved.forecast_category, saved.probability) == (ForecastCategory.COMMIT, 60)
        assert notices(app)[-1] == "Called 'Acme fleet renewal': commit at 60% (its own) (u undoes)"
        # 12k at its own 60 % (7.2k) and 4.5k at Lead's 10 % (450): 7.65k.
        assert head(app, "lead").endswith("weighted 7.7k EUR")
        text = screen_text(app)
        assert "12k EUR · 60% · anna" in text and "COMMIT" in text
        # Empty fields hand the call back to the stage.
        await press(pilot, "F", "backspace", "tab", "backspace", "backspace", "enter")
        saved = board.store.get_deal(deal.id)
        assert (saved.forecast_category, saved.probability) == (None, None)
        assert head(app, "lead").endswith("weighted 1.7k EUR")


async def test_a_bad_probability_is_explained_in_the_form_and_nothing_is_saved(
        board: Board) -> None:
    app = board.app()
    async with session(app) as pilot:
        await press(pilot)
        deal = board_screen(app).current_deal()
        assert deal is not None
        text = await press(pilot, "F", "tab", *"150", "enter")
        assert isinstance(app.screen, ForecastCallForm)
        assert "probability 150 must be between 0 and 100" in text
        await press(pilot, "escape")
        assert board.store.get_deal(deal.id) == deal


async def test_the_won_column_shows_no_weighted_figure(board: Board) -> None:
    app = board.app()
    async with session(app) as pilot:
        await press(pilot)
        assert head(app, "won") == "1 deal · 50k EUR\nwon in the last 30 days"
        assert "weighted" in head(app, "proposal")


async def test_f_calls_the_deal_on_screen_in_review_mode(board: Board) -> None:
    app = board.app(start_in_review=True)
    async with session(app) as pilot:
        await press(pilot, "enter")
        assert isinstance(app.screen, ReviewScreen)
        item = app.screen.walk.current
        assert item is not None
        await press(pilot, "F", "4", "tab", "0", "enter")
        assert isinstance(app.screen, ReviewScreen)
        called = board.store.get_deal(item.deal.id)
        assert (called.forecast_category, called.probability) == (ForecastCategory.OMITTED, 0)
