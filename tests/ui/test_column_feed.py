"""The stage column reads nothing: the board feeds it the deals it asks for, off the UI thread."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator

import pytest
from textual import on
from textual.app import App, ComposeResult

from kanban_pipe.domain.errors import DamagedDatabaseError
from kanban_pipe.domain.models import Deal, Stage
from kanban_pipe.store import PipelineStore, open_store
from kanban_pipe.ui.widgets.column import CardPalette, StageColumn
from tests.ui.conftest import TODAY, Board
from tests.ui.pilot import board_screen, press, session, settle
from tests.ui.screen_text import screen_text

# How a card whose deal is on its way is drawn: its number, dimmed, no card bar.
PLACEHOLDER = re.compile(r"(?<!▌) #\d+ …")


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """The name of the thread of every deals_by_ids call, on any store, from now on."""
    threads: list[str] = []
    original = PipelineStore.deals_by_ids

    def recorded(self: PipelineStore, ids: object) -> dict[int, Deal]:
        threads.append(threading.current_thread().name)
        return original(self, ids)  # type: ignore[arg-type]

    monkeypatch.setattr(PipelineStore, "deals_by_ids", recorded)
    yield threads


def long_lead_column(board: Board, cards: int) -> None:
    for number in range(cards):
        board.store.add_deal(f"Filler lead {number:02}", stage="lead")


async def test_no_deal_is_read_on_the_ui_thread(board: Board, reads: list[str]) -> None:
    long_lead_column(board, 80)
    app = board.app()
    async with session(app) as pilot:
        await press(pilot, *["j"] * 50)  # well past the first frame's deals
        await press(pilot, "greater_than_sign", "y", "S")  # a move, then a reload
        assert "Filler lead" in screen_text(app)
    assert reads, "the board read no deals at all"
    assert threading.main_thread().name not in reads
    assert all(name.startswith("board-") for name in reads), reads


async def test_no_placeholder_on_the_first_frame_or_as_the_cursor_moves(board: Board) -> None:
    long_lead_column(board, 80)
    app = board.app()
    async with app.run_test(size=(140, 40)) as pilot:
        await pilot.pause()
        assert "Acme fleet renewal" in screen_text(app)
        assert not PLACEHOLDER.search(screen_text(app))
        await settle(pilot)
        for _ in range(60):
            await pilot.press("j")
            assert not PLACEHOLDER.search(screen_text(app))
        screen = board_screen(app)
        assert screen.active_column.cursor == 60


class ColumnHost(App[None]):
    """One stage column, fed by hand; records what it asks for."""

    def __init__(self, stage: Stage) -> None:
        super().__init__()
        self.stage = stage
        self.wanted: list[list[int]] = []

    def compose(self) -> ComposeResult:
        palette = CardPalette()
        yield palette
        yield StageColumn(self.stage, today=lambda: TODAY, palette=palette, id="col")

    @on(StageColumn.DealsWanted)
    def _wanted(self, event: StageColumn.DealsWanted) -> None:
        self.wanted.append(event.deal_ids)


async def test_a_card_without_its_deal_is_a_placeholder_until_the_deal_comes(
        board: Board) -> None:
    acme, borealis = board.ids["acme"], board.ids["borealis"]
    app = ColumnHost(board.store.stages()[0])
    async with app.run_test(size=(40, 20)) as pilot:
        column = app.query_one(StageColumn)
        column.show([acme, borealis])
        await pilot.pause()
        text = screen_text(app)
        assert f" #{acme} …" in text and f" #{borealis} …" in text
        assert "Acme fleet renewal" not in text
        assert app.wanted == [[acme, borealis]]  # asked once, for both
        assert column.current_deal() is None
        column.add_deals(board.store.deals_by_ids([acme, borealis]))
        await pilot.pause()
        text = screen_text(app)
        assert "Acme fleet renewal" in text and "Borealis pilot" in text
        assert not PLACEHOLDER.search(text)
        assert column.current_deal().id == acme  # type: ignore[union-attr]
        assert app.wanted == [[acme, borealis]]  # nothing more to ask


async def test_an_older_version_never_replaces_a_newer_one(board: Board) -> None:
    acme = board.ids["acme"]
    app = ColumnHost(board.store.stages()[0])
    async with app.run_test(size=(40, 20)) as pilot:
        column = app.query_one(StageColumn)
        old = board.store.get_deal(acme)
        new = board.store.edit_deal(acme, expected_version=old.version, title="Acme renamed")
        column.show([acme], changed=[new])
        column.add_deals({acme: old})  # a read that was under way during the save
        await pilot.pause()
        assert column.current_deal() == new
        assert "Acme renamed" in screen_text(app)
        column.add_deals({acme: None})  # nor does "gone", while its own version stands
        assert column.current_deal() == new


async def test_forget_keeps_drawing_the_deals_but_the_board_reads_the_current_one_again(
        board: Board) -> None:
    app = board.app()
    async with session(app) as pilot:
        screen = board_screen(app)
        column = screen.active_column
        erik = open_store(str(board.path), user="erik", clock=board.clock)
        acme = erik.get_deal(board.ids["acme"])
        erik.edit_deal(acme.id, expected_version=acme.version, organization="Acme Group")
        erik.close()
        column.forget()
        await pilot.pause()
        assert "Acme fleet renewal" in screen_text(app)  # still drawn, not a placeholder
        assert column.current_deal() is None  # in doubt: not handed out as it was
        deal = screen.current_deal()  # the board reads it again
        assert deal is not None and deal.organization == "Acme Group"
        assert column.current_deal() == deal


async def test_a_failed_read_of_cards_ends_the_board_with_its_reason(
        board: Board, monkeypatch: pytest.MonkeyPatch) -> None:
    long_lead_column(board, 80)
    app = board.app()
    async with session(app) as pilot:
        damaged = DamagedDatabaseError("board.db is damaged (test)")

        def failing(self: PipelineStore, ids: object) -> dict[int, Deal]:
            raise damaged

        monkeypatch.setattr(PipelineStore, "deals_by_ids", failing)
        await pilot.press(*["j"] * 30)  # cards beyond those read ahead: asked for, and failing
        for _ in range(20):
            await pilot.pause(0.05)
            if not app.is_running:
                break
    assert app.return_code == 1
    assert app.fatal_error is damaged
