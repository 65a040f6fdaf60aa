"""The board on a team server that goes away: it says so, keeps what was typed, and
saves once the server is back (Pilot, on a PostgreSQL server of the test's own)."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from textual.widgets import Input, Static

from kanban_pipe.store import open_store
from kanban_pipe.ui.app import create_app
from kanban_pipe.ui.screens.forms import NextStepForm
from tests import pg_server
from tests.ui.pilot import fill, notices, press, session, settle


@pytest.fixture
def server() -> Iterator[tuple[Path, str]]:
    if pg_server.server_binaries() is None:
        pytest.skip("no PostgreSQL server binaries here")
    folder = Path(tempfile.mkdtemp(prefix="kanban-pipe-ui-pg-"))
    try:
        yield folder, pg_server.start(folder)
    finally:
        pg_server.stop(folder)
        shutil.rmtree(folder, ignore_errors=True)


async def test_a_next_step_typed_during_an_outage_is_kept_and_saved_after(server) -> None:
    folder, url = server
    setup = open_store(url, user="anna")
    deal = setup.add_deal("Acme fleet renewal", value=12_000)
    setup.close()
    store = open_store(url, user="anna", defer_check=True)
    app = create_app(store)
    try:
        async with session(app) as pilot:
            await press(pilot, "s")
            assert isinstance(app.screen, NextStepForm)
            await fill(pilot, action="Call the CFO", due="+3d")
            pg_server.stop(folder)
            await press(pilot, "ctrl+s")
            # Refused in one line; the form and what was typed stay.
            assert any(n.startswith("cannot reach ") for n in notices(app, "error"))
            assert isinstance(app.screen, NextStepForm)
            assert app.screen.query_one("#action", Input).value == "Call the CFO"
            # The board under the form says the server is out of reach.
            banner = app.screen_stack[0].query_one("#server-banner", Static)
            assert banner.has_class("-shown")
            pg_server.start(folder)
            await press(pilot, "ctrl+s")
            assert not isinstance(app.screen, NextStepForm)
            for _ in range(60):  # the listener reconnects within about two seconds
                await pilot.pause(0.1)
                if not banner.has_class("-shown"):
                    break
            await settle(pilot)
            assert not banner.has_class("-shown")
            assert app.is_running and app.fatal_error is None
    finally:
        store.close()
        store.engine.close()
    check = open_store(url, user="checker")
    try:
        step = check.get_deal(deal.id).next_step
        assert step is not None and step.action == "Call the CFO"
    finally:
        check.close()
