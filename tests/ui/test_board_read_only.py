"""A pipeline this user may not write: the board says so, and write keys explain instead."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from kanban_pipe.store import filesystem, open_store
from kanban_pipe.ui.screens.board import BoardScreen
from tests.cli.conftest import REPO
from tests.permissions import ordinary_user
from tests.ui.conftest import Board
from tests.ui.pilot import notices, press, session
from tests.ui.screen_text import screen_text

REASON = "you have no write permission on the file"


def activity_count(board: Board) -> int:
    return board.store.conn.execute("SELECT count(*) FROM activities").fetchone()[0]


async def test_banner_and_every_write_key_explains_without_saving(board: Board) -> None:
    before = activity_count(board)
    board.store.read_only = True
    board.store.read_only_reason = REASON
    app = board.app()
    async with session(app) as pilot:
        text = screen_text(app)
        assert ("READ-ONLY This pipeline is open read-only — you have no write permission on "
                "the file. You can look; changes cannot be saved.") in text
        for key in ("n", "e", "s", "d", "a", "w", "x", "p", "D", "u", ">", "<", "3", "J"):
            app._notifications.clear()
            await press(pilot, key)
            assert isinstance(app.screen, BoardScreen), key  # no form, no dialog
            messages = notices(app)
            assert messages == [f"Read-only: {REASON}. Nothing can be changed here."], key
        # Looking still works.
        await press(pilot, "j", "enter")
        assert type(app.screen).__name__ == "DealDetailScreen"
    assert activity_count(board) == before


async def test_a_read_only_board_lists_and_offers_no_write_key(board: Board) -> None:
    board.store.read_only = True
    board.store.read_only_reason = REASON
    app = board.app()
    async with session(app):
        footer = str(app.screen.query_one("#key-hints").render())
        for write in ("Move", "New", "Next step", "Done", "Log", "Undo"):
            assert write not in footer, write
        for look in ("/ Filter", "r Review", "? Help", "q Quit"):
            assert look in footer, look
        titles = [command.title for command in app.get_system_commands(app.screen)]
        assert "Filter (/)" in titles and "Help (?)" in titles
        assert not [t for t in titles if t.split(" (")[0] in (
            "Move ›", "‹ Back", "New", "Next step", "Done", "Log", "Won", "Lost", "Pause",
            "Delete", "Undo", "Card up", "Card down") or t.startswith("Move to")]


async def test_a_writable_board_has_no_banner(board: Board) -> None:
    app = board.app()
    async with session(app):
        assert "read-only" not in screen_text(app).lower()
        assert not app.screen.query("#read-only-banner")


async def test_a_pipeline_on_nfs_shows_a_warning_at_start(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    table = tmp_path / "mountinfo"
    table.write_text(f"27 1 254:0 / / rw - ext4 /dev/vda rw\n"
                     f"50 27 0:60 / {tmp_path} rw - nfs nas:/x rw\n")
    monkeypatch.setattr(filesystem, "MOUNTINFO", str(table))
    store = open_store(str(tmp_path / "pipe.db"), user="anna")
    try:
        app = Board(store, None, {}, tmp_path).app()  # type: ignore[arg-type]
        async with session(app):
            warnings = [(n.severity, n.message) for n in app._notifications]
            assert warnings == [("warning", store.location_warning)]
            assert "network filesystem (nfs)" in store.location_warning
    finally:
        store.close()


PROBE = textwrap.dedent("""
    import asyncio, json, sys
    from kanban_pipe.store import open_store
    from kanban_pipe.ui.app import create_app
    from tests.ui.screen_text import screen_text

    async def main():
        store = open_store(sys.argv[1], user="anna", defer_check=True)
        app = create_app(store)
        async with app.run_test(size=(140, 40)) as pilot:
            await pilot.pause(0.3)
            await app.workers.wait_for_complete()
            shown = screen_text(app)
            await pilot.press("n")
            await pilot.pause(0.2)
            print(json.dumps({"screen": shown, "after_n": type(app.screen).__name__,
                              "notes": [n.message for n in app._notifications]}))
        store.close()

    asyncio.run(main())
""")


@pytest.mark.parametrize("locked", ["file", "folder"])
def test_a_real_read_only_pipeline_opens_the_board_read_only(tmp_path: Path,
                                                             locked: str) -> None:
    prefix = ordinary_user()
    folder = tmp_path / "shared"
    folder.mkdir()
    db = folder / "pipe.db"
    store = open_store(str(db), user="anna")
    store.add_deal("Acme fleet renewal")
    store.close()
    (db if locked == "file" else folder).chmod(0o444 if locked == "file" else 0o555)
    try:
        done = subprocess.run(
            [*prefix, sys.executable, "-c", PROBE, str(db)], capture_output=True, text=True,
            cwd=REPO, timeout=120, check=False,
            env={**os.environ, "PYTHONPATH": str(REPO), "TZ": "UTC"},
        )
    finally:
        folder.chmod(0o755)
        db.chmod(0o644)
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout.splitlines()[-1])
    assert "This pipeline is open read-only" in seen["screen"]
    assert "Acme fleet renewal" in seen["screen"]
    assert seen["after_n"] == "BoardScreen"
    why = REASON if locked == "file" else f"the folder {folder} is not writable"
    assert any(note.startswith(f"Read-only: {why}") for note in seen["notes"]), seen["notes"]
