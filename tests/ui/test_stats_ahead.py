"""The idle board reads the statistics ahead, on a connection of its own: `f` then shows
them without reading, and reads again once anything changed (a save in this terminal or
another, another owner filter).

The seeded board (tests/ui/conftest.py): 6 open deals, 160,500 EUR, 76,400 weighted.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest
from textual.app import App

from kanban_pipe.domain.stats import StatsScope
from kanban_pipe.store import PipelineStore, open_store
from kanban_pipe.store.stats import gather_stats
from kanban_pipe.ui.screens.board import BoardScreen
from kanban_pipe.ui.screens.stats import StatsAhead, StatsScreen
from kanban_pipe.ui.session import Session
from tests.ui.conftest import TODAY, Board
from tests.ui.pilot import press, session
from tests.ui.screen_text import screen_text

SIX_OPEN = "Total open      6  160.5k EUR        76.4k EUR"
# Late arrival: 10,000 more in Commitment, 8,000 of it weighted.
SEVEN_OPEN = "Total open      7  170.5k EUR        84.4k EUR"
WHOLE = StatsScope()


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> list[PipelineStore]:
    """The store of each statistics read, in order; the board reads ahead as soon as it
    can (no idle time needed)."""
    monkeypatch.setattr(BoardScreen, "STATS_AHEAD_IDLE_SECONDS", 0.0)
    stores: list[PipelineStore] = []

    def counted(store: PipelineStore, **options: Any) -> Any:
        stores.append(store)
        return gather_stats(store, **options)

    monkeypatch.setattr("kanban_pipe.ui.screens.stats.gather_stats", counted)
    return stores


async def read_ahead(app: App[None]) -> BoardScreen:
    """Wait until the board has read the statistics of its owner filter ahead."""
    screen = app.screen
    assert isinstance(screen, BoardScreen)
    for _ in range(200):
        ahead = screen.stats_ahead
        if ahead is not None and ahead.ready(screen.stats_scope()):
            return screen
        await asyncio.sleep(0.05)
    raise AssertionError("the board did not read the statistics ahead")


async def test_f_shows_what_the_idle_board_read(board: Board,
                                                reads: list[PipelineStore]) -> None:
    app = board.app()
    async with session(app) as pilot:
        await read_ahead(app)
        assert len(reads) == 1 and reads[0] is not board.store  # a connection of its own
        await press(pilot, "f")
        assert isinstance(app.screen, StatsScreen) and app.screen.stats is not None
        assert app.screen.stats.pipeline.deals == 6
        assert SIX_OPEN in screen_text(app)
        assert len(reads) == 1  # `f` read nothing


async def test_a_save_here_makes_f_read_again(board: Board,
                                              reads: list[PipelineStore]) -> None:
    app = board.app()
    async with session(app) as pilot:
        screen = await read_ahead(app)
        board.store.add_deal("Late arrival", value=1_000_000, stage="commitment")
        ahead = screen.stats_ahead
        assert ahead is not None and not ahead.ready(screen.stats_scope())
        await press(pilot, "f")
        assert SEVEN_OPEN in screen_text(app)
        assert len(reads) == 2


async def test_another_terminals_save_makes_f_read_again(board: Board,
                                                         reads: list[PipelineStore]) -> None:
    app = board.app()
    async with session(app) as pilot:
        screen = await read_ahead(app)
        other = open_store(str(board.path), user="ben")
        try:
            other.add_deal("Late arrival", value=1_000_000, stage="commitment")
        finally:
            other.close()
        ahead = screen.stats_ahead
        assert ahead is not None and not ahead.ready(screen.stats_scope())
        await press(pilot, "f")
        assert SEVEN_OPEN in screen_text(app)


async def test_the_owner_filter_is_read_for_itself(board: Board,
                                                   reads: list[PipelineStore]) -> None:
    app = board.app()
    async with session(app) as pilot:
        screen = await read_ahead(app)
        await press(pilot, "o")  # mine: Fjord is erik's
        await press(pilot, "f")
        assert isinstance(app.screen, StatsScreen) and app.screen.stats is not None
        assert app.screen.stats.pipeline.deals == 5
        assert screen.stats_scope().owner == "anna"


async def test_a_busy_board_does_not_read_ahead(board: Board,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(BoardScreen, "STATS_AHEAD_IDLE_SECONDS", 5.0)
    app = board.app()
    async with session(app) as pilot:
        screen = app.screen
        assert isinstance(screen, BoardScreen)
        for _ in range(6):  # a key every 0.3 s or so, for 2 s: never 5 s without one
            await press(pilot, "j")
            await asyncio.sleep(0.3)
        assert screen.stats_ahead is None
        monkeypatch.setattr(BoardScreen, "STATS_AHEAD_IDLE_SECONDS", 0.5)
        await read_ahead(app)  # left alone: it does


@pytest.fixture
def read_once(board: Board, reads: list[PipelineStore]) -> Iterator[StatsAhead]:
    """Statistics read ahead on the seeded board once: the whole team's six open deals."""
    ahead = StatsAhead(Session(board.store, lambda: TODAY, "board.db"))
    try:
        ahead.prepare(WHOLE)
        first = ahead.take(WHOLE)
        assert first is not None and first.result().pipeline.deals == 6
        yield ahead
    finally:
        ahead.close()


def test_reads_ahead_for_others_saves_are_spaced_by_ten_times_their_length(
        board: Board, read_once: StatsAhead, reads: list[PipelineStore],
        monkeypatch: pytest.MonkeyPatch) -> None:
    other = open_store(str(board.path), user="erik")  # another terminal saves
    try:
        other.add_deal("Late arrival", value=1_000_000, stage="commitment")
    finally:
        other.close()
    monkeypatch.setattr(StatsAhead, "SPACING", 1_000_000.0)
    read_once.prepare(WHOLE)  # too soon after the last read: none
    assert read_once.take(WHOLE) is None and len(reads) == 1
    monkeypatch.setattr(StatsAhead, "SPACING", 0.0)
    read_once.prepare(WHOLE)
    again = read_once.take(WHOLE)
    assert again is not None and again.result().pipeline.deals == 7 and len(reads) == 2


def test_a_save_in_this_terminal_is_read_again_at_once(
        board: Board, read_once: StatsAhead, reads: list[PipelineStore],
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(StatsAhead, "SPACING", 1_000_000.0)
    board.store.add_deal("Late arrival", value=1_000_000, stage="commitment")
    read_once.prepare(WHOLE)  # however soon: `f` after a move should not read cold
    again = read_once.take(WHOLE)
    assert again is not None and again.result().pipeline.deals == 7 and len(reads) == 2
    read_once.prepare(WHOLE)  # nothing changed since: no read
    assert len(reads) == 2
