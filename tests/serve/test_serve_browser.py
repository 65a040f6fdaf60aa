"""`kanban-pipe serve` in a real browser: headless Chromium opens the page, the board's
columns appear, keys move a deal (or are refused on a read-only board), and a change
made from the command line shows up in the browser's board.

Marked `browser`; skipped where Debian's chromium is not installed (.ci/run installs it).
The last screen of the first test is the README's screenshots/browser.png: run it with
KANBAN_PIPE_SCREENSHOTS=1 to save it there (the demo data follows the clock, so each run
differs a little and is not saved unless asked).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from kanban_pipe.store import open_store
from tests.serve.chromium import CHROMIUM, Page, browser
from tests.serve.conftest import REPO, boards_running

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(shutil.which(CHROMIUM) is None,
                       reason="needs Debian's chromium (apt-get install -y chromium; "
                              ".ci/run installs it)"),
]

COLUMNS = ("Lead", "Qualified", "Proposal", "Commitment", "Won")
SIZE = {"width": 1400, "height": 800}  # CSS pixels: about 140 x 40 terminal cells
README_SHOT = REPO / "screenshots" / "browser.png"


def _column_of(screen: str, title: str) -> str | None:
    """Which column a card's text is drawn in, by where the column headers are."""
    lines = screen.splitlines()
    header = next(line for line in lines if all(name in line for name in COLUMNS))
    starts = sorted((header.index(name), name) for name in COLUMNS)
    for line in lines:
        at = line.find(title)
        if at >= 0:
            return [name for start, name in starts if start <= at + 3][-1]
    return None


def _moves(db: str) -> list[tuple[int, str, str]]:
    store = open_store(db, user="anna")
    try:
        return [tuple(row) for row in store.rows(
            "SELECT deal_id, actor, detail FROM activities WHERE kind = 'moved' ORDER BY id")]
    finally:
        store.close()


def _activities(db: str) -> int:
    store = open_store(db, user="anna")
    try:
        return int(store.rows("SELECT count(*) FROM activities")[0][0])
    finally:
        store.close()


def _wait_for(check, timeout: float = 15):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.2)
    return check()


async def _open_board(page: Page, url: str) -> str:
    await page.open(url + "/", **SIZE)
    return await page.wait_for_text(*COLUMNS, "deals")


async def test_the_board_in_a_browser_moves_a_deal_and_refreshes_live(
        demo_db: str, serve, tmp_path: Path) -> None:
    served = serve(demo_db)
    before = _moves(demo_db)
    async with browser() as page:
        screen = await _open_board(page, served.url)
        assert "anna" in screen.splitlines()[0]  # the header names the serving user

        await page.press(">")  # the focused card, first of Lead: next stage...
        await page.wait_for_text("Confirm that the customer has")  # ...asks first
        await page.press("y")
        moved = _wait_for(lambda: _moves(demo_db)[len(before):])
        assert moved, "the key press moved no deal"
        deal_id, actor, detail = moved[0]
        assert actor == "anna" and "Qualified" in detail
        # The browser's board shows the card in its new column. Found by its number:
        # the demo's titles share company names, so a title's start can be another card.
        card = f"#{deal_id} "
        await page.wait_for_text(card)
        deadline = time.monotonic() + 15
        while _column_of(await page.screen_text(), card) != "Qualified":
            assert time.monotonic() < deadline, await page.screen_text()
            time.sleep(0.2)

        # A change from a terminal appears in the browser (each tab is a board process
        # with the same live refresh as a terminal's).
        subprocess.run([sys.executable, "-m", "kanban_pipe", "--db", demo_db, "--user", "erik",
                        "add", "Walk-in at stand-up", "--value", "5k",
                        "--stage", "commitment", "--next", "Sign the order", "--due", "today"],
                       check=True, capture_output=True, cwd=REPO, timeout=60)
        await page.wait_for_text("Walk-in at stand-up")
        shot = tmp_path / "browser.png"
        await page.screenshot(shot)
    assert _png_size(shot.read_bytes()) == (SIZE["width"], SIZE["height"])
    if os.environ.get("KANBAN_PIPE_SCREENSHOTS") or not README_SHOT.exists():
        # Only when asked: the demo data is relative to the clock, so every run differs.
        shutil.copyfile(shot, README_SHOT)
    served.stop()
    assert _wait_for(lambda: not boards_running(demo_db)), "a board process outlived serve"


def _png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


async def test_a_read_only_board_refuses_keys_that_change(demo_db: str, serve) -> None:
    served = serve(demo_db, "--read-only")
    before = _activities(demo_db)
    async with browser() as page:
        screen = await _open_board(page, served.url)
        assert "READ-ONLY" in screen and "started with --read-only" in screen
        await page.press(">")  # move on: explains instead of asking and saving
        await page.wait_for_text("Read-only: started with")
        await page.press("y", "w", "y", "d")  # confirm, won, confirm, done
        time.sleep(1)
    assert _activities(demo_db) == before
