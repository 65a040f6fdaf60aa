"""The board with several pipelines: it opens on the first, `P` lists them with their open
deals and shows the one chosen (its stages as the columns, its name in the header); a
deal added there is in that pipeline. With one pipeline `P` says so."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from kanban_pipe.store import PipelineStore
from kanban_pipe.ui.screens.board import BoardScreen
from kanban_pipe.ui.screens.forms import DealForm
from kanban_pipe.ui.screens.pipeline_picker import PipelinePicker
from tests.ui.conftest import Board, seeded_board
from tests.ui.pilot import board_screen, fill, notices, press, session
from tests.ui.screen_text import screen_lines, screen_text

# The seed's open Sales deals: Acme, Borealis, Cobalt, Dune, Ember, Fjord (Granite is
# won, Harbor lost, Iris paused until after today).
SALES_OPEN = 6


def show_first(store: PipelineStore) -> None:
    """What `kanban-pipe` does before it opens the board (cli/board.py): the pipeline in
    view, else the first, is the one shown."""
    store.use_pipeline(store.home_pipeline().key)


@pytest.fixture
def two(tmp_path: Path) -> Iterator[Board]:
    """The seeded board's Sales, and Renewals with two open deals and a won one."""
    for board in seeded_board(tmp_path):
        store = board.store
        store.add_pipeline("Renewals")
        store.use_pipeline("renewals")
        board.ids["nordic"] = store.add_deal("Nordic renewal", organization="Nordic AB",
                                             value=700_000, stage="Proposal").id
        board.ids["oak"] = store.add_deal("Oak renewal", organization="Oak Ltd",
                                          value=300_000).id
        board.ids["pine"] = store.add_deal("Pine renewal", value=100_000).id
        store.mark_won(board.ids["pine"])
        store.use_pipeline(None)  # as `kanban-pipe` without --pipeline
        show_first(store)
        yield board


def header(app) -> str:
    [line] = [line for line in screen_lines(app) if "kanban-pipe ·" in line]
    return line


async def test_the_board_opens_on_the_first_pipeline(two: Board) -> None:
    app = two.app()
    async with session(app) as pilot:
        assert pilot.app.store.pipeline == "sales"
        assert "kanban-pipe · board.db · Sales · anna · everyone" in header(app)
        text = screen_text(app)
        assert "Acme fleet renewal" in text and "Dune expansion" in text
        assert "Nordic renewal" not in text and "Oak renewal" not in text
        assert [s.key for s in board_screen(app).loader.stages] == [
            "lead", "qualified", "proposal", "commitment", "won"]


async def test_p_lists_the_pipelines_and_the_one_chosen_replaces_the_board(two: Board) -> None:
    app = two.app()
    async with session(app) as pilot:
        text = await press(pilot, "P")
        assert isinstance(app.screen, PipelinePicker)
        assert "Show pipeline" in text
        lines = screen_lines(app)
        assert any(f"● 1  Sales · {SALES_OPEN} open" in line for line in lines), text
        assert any("  2  Renewals · 2 open" in line for line in lines), text
        text = await press(pilot, "2")
        board = board_screen(app)
        assert board.pipeline_key == "renewals" == two.store.pipeline
        assert "kanban-pipe · board.db · Renewals · anna · everyone" in header(app)
        assert [s.key for s in board.loader.stages] == [
            "renewals_lead", "renewals_qualified", "renewals_proposal",
            "renewals_commitment", "renewals_won"]
        assert "Nordic renewal" in text and "Oak renewal" in text
        assert "Pine renewal" in text  # won recently: shown in Won
        assert "Acme fleet renewal" not in text and "Dune expansion" not in text
        # The header's open pipeline is Renewals' alone: 7,000 + 3,000 EUR, weighted
        # 7,000 x 50 % + 3,000 x 10 % = 3,800 EUR.
        assert "· 2 open · 10k EUR (weighted 3.8k EUR)" in header(app)


async def test_n_adds_the_deal_to_the_pipeline_shown(two: Board) -> None:
    app = two.app()
    async with session(app) as pilot:
        await press(pilot, "P", "2")
        await press(pilot, "n")
        assert isinstance(app.screen, DealForm)
        assert "New deal in Lead" in screen_text(app)
        await fill(pilot, title="Quartz renewal", value="2k")
        text = await press(pilot, "ctrl+s")
        assert isinstance(app.screen, BoardScreen)
        [deal] = [d for d in two.store.list_deals() if d.title == "Quartz renewal"]
        assert (deal.pipeline, deal.stage, deal.value) == ("renewals", "renewals_lead", 200_000)
        assert "Quartz renewal" in text
        assert two.store.pipeline_counts(today=two.store.today()) == {
            "sales": SALES_OPEN, "renewals": 3}


async def test_switching_back_shows_the_first_pipeline_again(two: Board) -> None:
    app = two.app()
    async with session(app) as pilot:
        await press(pilot, "P", "2")
        text = await press(pilot, "P")
        assert any("● 2  Renewals · 2 open" in line for line in screen_lines(app)), text
        text = await press(pilot, "1")
        board = board_screen(app)
        assert board.pipeline_key == "sales" == two.store.pipeline
        assert "kanban-pipe · board.db · Sales · anna · everyone" in header(app)
        assert "Acme fleet renewal" in text and "Nordic renewal" not in text
        # One board over the first at most: the next replaces the one shown.
        await press(pilot, "P", "2")
        await press(pilot, "P", "1")
        assert sum(isinstance(s, BoardScreen) for s in app.screen_stack) <= 2
        assert board_screen(app).pipeline_key == "sales"


async def test_escape_or_the_pipeline_shown_keeps_the_board(two: Board) -> None:
    app = two.app()
    async with session(app) as pilot:
        first = board_screen(app)
        await press(pilot, "P", "escape")
        assert board_screen(app) is first and two.store.pipeline == "sales"
        await press(pilot, "P", "1")  # the one already shown
        assert board_screen(app) is first and two.store.pipeline == "sales"
        await press(pilot, "P", "9")  # no ninth pipeline: the list stays
        assert isinstance(app.screen, PipelinePicker)


async def test_with_one_pipeline_p_says_so_and_the_header_names_none(board: Board) -> None:
    show_first(board.store)
    app = board.app()
    async with session(app) as pilot:
        line = header(app)
        assert "kanban-pipe · board.db · anna · everyone" in line
        assert "Sales" not in line
        await press(pilot, "P")
        assert isinstance(app.screen, BoardScreen)
        assert notices(app)[-1] == ("Sales is the only pipeline: `kanban-pipe pipelines add "
                                    "NAME` adds another")


async def test_moving_a_card_on_the_second_board_follows_its_stages(two: Board) -> None:
    app = two.app()
    async with session(app) as pilot:
        await press(pilot, "P", "2")
        screen = board_screen(app)
        assert screen.current_deal().id == two.ids["oak"]  # type: ignore[union-attr]
        text = await press(pilot, "greater_than_sign")
        assert "Move 'Oak renewal' Lead → Qualified?" in text
        await press(pilot, "y")
        deal = two.store.get_deal(two.ids["oak"])
        assert (deal.pipeline, deal.stage) == ("renewals", "renewals_qualified")
        assert screen.stages[screen.active].key == "renewals_qualified"
        await press(pilot, "w")
        won = two.store.get_deal(two.ids["oak"])
        assert (won.pipeline, won.stage, won.status.value) == ("renewals", "renewals_won", "won")


async def test_statistics_and_review_from_the_second_board_are_of_its_pipeline(
        two: Board) -> None:
    app = two.app()
    async with session(app) as pilot:
        await press(pilot, "P", "2")
        text = await press(pilot, "f")
        lines = [line.split() for line in screen_lines(app)]
        # Renewals alone: Nordic 7,000 in Proposal, Oak 3,000 in Lead.
        assert ["Total", "open", "2", "10k", "EUR", "3.8k", "EUR"] == next(
            line[:7] for line in lines if line[:2] == ["Total", "open"]), text
        # The heading names Renewals; its stages are named as they are.
        assert "Sales ·" not in text and "Renewals · Proposal" not in text
        assert "Renewals · whole team" in text
        text = await press(pilot, "escape", "r")
        assert "Review · Renewals · everyone · 2 deals to walk" in text, text
        assert "Acme" not in text and "Dune" not in text  # Sales' deals are not walked


async def test_a_hostile_pipeline_name_is_shown_as_text(board: Board) -> None:
    store = board.store
    store.add_pipeline("[bold]x[/bold]\x1b[31mEvil")
    store.use_pipeline("2")
    store.add_deal("Nordic renewal", value=700_000, stage="Proposal")
    store.use_pipeline("sales")
    app = board.app()
    async with session(app) as pilot:
        await press(pilot, "P")
        assert any("2  [bold]x[/bold]␛[31mEvil · 1 open" in line
                   for line in screen_lines(app)), screen_text(app)
        await press(pilot, "2")
        assert "kanban-pipe · board.db · [bold]x[/bold]␛[31mEvil · anna · everyone" in \
            header(app)
        assert "\x1b" not in screen_text(app)
