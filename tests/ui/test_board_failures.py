"""The file is busy or the disk is full while a board saves: plain words, nothing lost, retry."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from textual.widgets import Input

from kanban_pipe.store import connection, open_store
from kanban_pipe.ui.app import create_app
from kanban_pipe.ui.screens.board import BoardScreen
from kanban_pipe.ui.screens.forms import DealForm
from tests.disk import fill
from tests.ui.conftest import NOW, TODAY, Board, Clock, seed
from tests.ui.pilot import notices, press, session
from tests.ui.screen_text import screen_text


async def edit_title(pilot: object, title: str) -> None:
    app = pilot.app  # type: ignore[attr-defined]
    app.screen.query_one("#title", Input).value = title
    await press(pilot, "ctrl+s")  # type: ignore[attr-defined]


async def test_busy_file_keeps_the_typed_form_and_a_retry_saves(
        board: Board, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(connection, "BUSY_RETRIES", 1)
    board.store.conn.execute("PRAGMA busy_timeout = 50")
    other = sqlite3.connect(str(board.path), isolation_level=None)
    app = board.app()
    async with session(app) as pilot:
        await press(pilot, "e")
        other.execute("BEGIN IMMEDIATE")  # someone else is mid-save
        await edit_title(pilot, "Acme renewal (typed)")
        assert notices(app, "error") == [
            "board.db is busy: other people are saving right now; nothing was changed, "
            "try again"]
        assert isinstance(app.screen, DealForm)
        assert app.screen.query_one("#title", Input).value == "Acme renewal (typed)"
        other.execute("ROLLBACK")
        await press(pilot, "ctrl+s")
        assert isinstance(app.screen, BoardScreen)
    other.close()
    assert board.store.get_deal(board.ids["acme"]).title == "Acme renewal (typed)"


async def test_full_disk_keeps_state_and_the_save_succeeds_once_space_is_freed(
        small_disk: Path) -> None:
    clock = Clock(NOW)
    path = small_disk / "board.db"
    store = open_store(str(path), user="anna", clock=clock)
    ids = seed(store, clock)
    store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # the next save must grow the -wal
    app = create_app(store, today=lambda: TODAY, db_label="board.db")
    try:
        async with session(app) as pilot:
            await press(pilot, "e")
            filler = fill(small_disk, leave=0)
            await edit_title(pilot, "Acme renewal (typed)")
            assert len(notices(app, "error")) == 1
            assert notices(app, "error")[0].startswith("the disk holding board.db is full")
            assert isinstance(app.screen, DealForm)  # what was typed is still there
            assert app.screen.query_one("#title", Input).value == "Acme renewal (typed)"
            assert store.get_deal(ids["acme"]).title == "Acme fleet renewal"  # intact
            filler.unlink()
            await press(pilot, "ctrl+s")
            assert isinstance(app.screen, BoardScreen)
            assert "Acme renewal (typed)" in screen_text(app)
    finally:
        store.close()
    reopened = open_store(str(path), user="anna")  # checks the file page by page
    try:
        assert reopened.get_deal(ids["acme"]).title == "Acme renewal (typed)"
    finally:
        reopened.close()
