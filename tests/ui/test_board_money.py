"""The board's money (#16 items 4 and 6): a deal without a value shows '—' and is summed
apart; amounts without an exchange rate are shown per currency, never as a 0 total, and
the board says once how to set a rate."""

from __future__ import annotations

import re

from textual.widgets import Input, Static

from kanban_pipe.domain.ordering import CardOrder
from kanban_pipe.ui.screens.detail import DealDetailScreen
from kanban_pipe.ui.screens.forms import DealForm
from kanban_pipe.ui.widgets.fixed_text import FixedText
from tests.ui.conftest import Board
from tests.ui.pilot import board_screen, fill, press, session
from tests.ui.screen_text import screen_lines, screen_text


def head(app, stage: str) -> str:
    return str(app.screen.query_one(f"#head-{stage}", FixedText).render())


def header(app) -> str:
    return str(app.screen.query_one("#board-header", FixedText).render())


def rate_banner(app) -> str | None:
    banner = app.screen.query_one("#rate-banner", Static)
    return str(banner.render()) if banner.display else None


async def test_emptying_the_value_field_saves_no_value_shown_as_a_dash(board: Board) -> None:
    app = board.app()
    acme = board.ids["acme"]
    async with session(app) as pilot:
        await press(pilot, "e")
        assert app.screen.query_one("#value", Input).value == "12000"
        await fill(pilot, value="")
        await press(pilot, "ctrl+s")
        assert board.store.get_deal(acme).value is None
        text = screen_text(app)
        assert "— · anna · Acme AB" in text  # the card
        assert head(app, "lead").startswith("2 deals · 4.5k EUR")  # in no sum
        assert "· 1 without a value" in header(app)
        await press(pilot, "enter")
        assert isinstance(app.screen, DealDetailScreen)
        assert re.search(r"█ Value +— +█", screen_text(app))
        await press(pilot, "escape", "e")
        assert isinstance(app.screen, DealForm)
        assert app.screen.query_one("#value", Input).value == ""  # empty, not 0
        await fill(pilot, value="0")
        await press(pilot, "ctrl+s")
        assert board.store.get_deal(acme).value == 0
        assert "0 EUR · anna · Acme AB" in screen_text(app)
        assert "without a value" not in header(app)


async def test_a_new_deal_without_a_value_and_a_column_of_only_such_deals(board: Board
                                                                         ) -> None:
    app = board.app()
    async with session(app) as pilot:
        await press(pilot, "l", "l", "l", "n")  # Commitment
        await fill(pilot, title="Size unknown")
        await press(pilot, "ctrl+s")
        [deal] = [d for d in board.store.list_deals() if d.title == "Size unknown"]
        assert deal.value is None
        board.store.edit_deal(board.ids["fjord"], value=None)
    async with session(board.app()) as pilot:
        assert head(pilot.app, "commitment") == "2 deals · —\nweighted —"


async def test_ordered_by_value_deals_without_a_value_come_last(board: Board) -> None:
    board.store.edit_deal(board.ids["acme"], value=None)
    board.store.add_deal("Zero pilot", value=0, stage="lead")
    app = board.app()
    async with session(app) as pilot:
        await press(pilot, "S")
        screen = board_screen(app)
        assert screen.order is CardOrder.VALUE
        lead = screen.model.ids("lead")
        values = [board.store.get_deal(i).value for i in lead]
        assert values == [450_000, 0, None]


async def test_amounts_without_a_rate_are_shown_per_currency_never_a_zero(board: Board
                                                                         ) -> None:
    # The Lead column: a 250k USD deal beside deals in EUR without a value.
    for deal_id in (board.ids["acme"], board.ids["borealis"]):
        board.store.edit_deal(deal_id, value=None)
    board.store.add_deal("Yankee fleet", value=25_000_000, currency="USD", stage="lead")
    for size in ((160, 45), (80, 24)):
        app = board.app()
        async with session(app, size=size) as pilot:
            assert head(pilot.app, "lead") == "3 deals · 250k USD\nweighted 25k USD"
            assert "0 EUR" not in head(pilot.app, "lead")
            banner = rate_banner(pilot.app)
            assert banner == (
                "NO RATE 250k USD on the board without an exchange rate to EUR: shown apart,"
                " never added in (`kanban-pipe currency set USD RATE` adds one).")
            # Every line of the banner is on screen, whatever the width (it wraps).
            shown = " ".join(" ".join(screen_lines(pilot.app)[1:4]).split())
            assert banner in shown, size
    # Beside EUR amounts the head keeps its width: the USD part is '?' where it would
    # not fit; the header line names it.
    board.store.edit_deal(board.ids["acme"], value=1_200_000)
    app = board.app()
    async with session(app, size=(80, 24)) as pilot:
        assert head(pilot.app, "lead") == "3 deals · 12k EUR + ?\nweighted 1.2k EUR + ?"
    async with session(board.app(), size=(200, 45)) as pilot:
        assert ("7 open · 156k EUR + 250k USD (weighted 76k EUR + 25k USD)"
                " · 1 without a value") in header(pilot.app)
    board.store.set_exchange_rate("USD", "0.9")
    async with session(board.app(), size=(80, 24)) as pilot:
        assert rate_banner(pilot.app) is None
        assert head(pilot.app, "lead").startswith("3 deals · 237k EUR")


async def test_the_pipedrive_sample_on_the_board(tmp_path) -> None:
    """The Pipedrive sample shape (BOM, 'Deal -' columns, won and lost rows, a USD deal
    without a rate) on the board (#16 items 1 and 6): its cards' highlights come from the
    CRM's dates, the won deal reads 10 days ago, and the USD amount is shown apart."""
    from kanban_pipe.store import open_store
    from kanban_pipe.transfer.importer import ImportOptions, import_file
    from kanban_pipe.ui.app import create_app
    from tests.transfer.test_transfer_crm_dates import NOW, PIPEDRIVE, TODAY

    path = tmp_path / "pipedrive.csv"
    path.write_text(PIPEDRIVE, encoding="utf-8")
    store = open_store(str(tmp_path / "board.db"), user="anna", clock=lambda: NOW)
    try:
        import_file(store, str(path), ImportOptions())
        app = create_app(store, today=lambda: TODAY, db_label="board.db")
        async with session(app, size=(160, 45)) as pilot:
            text = screen_text(pilot.app)
            assert "55d in stage" in text and "STALE 36d" in text and "CLOSE 10d" in text
            assert "won 10d ago" in text and "Gamma pilot" not in text  # won last year
            assert head(pilot.app, "proposal") == "1 deal · 5k USD\nweighted 2.5k USD"
            assert head(pilot.app, "qualified") == "1 deal · 12k EUR\nweighted 3k EUR"
            assert "2 open · 12k EUR + 5k USD (weighted 3k EUR + 2.5k USD)" in header(
                pilot.app)
            assert "`kanban-pipe currency set USD RATE`" in (rate_banner(pilot.app) or "")
    finally:
        store.close()
