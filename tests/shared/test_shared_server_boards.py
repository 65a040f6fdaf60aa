"""Two boards, two processes, one team server: live changes, and a server restart.

Each board is the real `kanban-pipe` in a pseudo-terminal of its own (bench/_pty.py's
driver). The server is one of this test's own (tests.pg_server), so it can be stopped
and started again while the boards run.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from kanban_pipe.store import open_store
from kanban_pipe.store.bulk import load_demo
from tests import pg_server
from tests.shared.conftest import REPO, child_env

sys.path.insert(0, str(REPO / "bench"))
from _pty import Screen, Terminal

CARD = re.compile(r"▌ #(\d+) ")
LOST = "Lost the connection to"


@pytest.fixture
def own_server() -> Iterator[tuple[Path, str]]:
    """A PostgreSQL server of this test's own: its folder and a database URL."""
    if pg_server.server_binaries() is None:
        pytest.skip("no PostgreSQL server binaries here")
    folder = Path(tempfile.mkdtemp(prefix="kanban-pipe-boards-"))
    try:
        base = pg_server.start(folder)
        url = pg_server.url_for(folder, "postgres")
        assert url == base
        store = open_store(url, user="anna")
        load_demo(store, deals=120, seed=4)
        store.close()
        yield folder, url
    finally:
        pg_server.stop(folder)
        shutil.rmtree(folder, ignore_errors=True)


def board(url: str, user: str) -> Terminal:
    """The board in a terminal of its own, shown (header and cards on screen)."""
    term = Terminal([sys.executable, "-m", "kanban_pipe", "--db", url, "--user", user],
                    cols=140, rows=40, env=child_env(), cwd=str(REPO))
    term.spawn()
    term.wait_frame(lambda s: "kanban-pipe ·" in s.line(0) and bool(CARD.search(s.text())),
                    timeout=60)
    return term


def move_on(term: Terminal, *, others: tuple[Terminal, ...]) -> None:
    """`>` and `y` in the confirm bar: a move forward, saved at once (a move back asks a
    reason in a form, which its own Pilot tests cover)."""
    term.send(b">")
    wait(term, lambda s: "Confirm (y)" in s.text(), others=others)
    term.send(b"y")


def wait(term: Terminal, shows: Callable[[Screen], bool], *, others: tuple[Terminal, ...] = (),
         timeout: float = 15.0) -> float:
    """Pump every terminal until `term`'s screen `shows` it; return when (perf_counter)."""
    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline:
        for other in others:
            other.pump(0)
        term.pump(0.02)
        if shows(term.screen):
            return time.perf_counter()
    raise AssertionError(f"not shown within {timeout} s:\n{term.screen.text()}")


def columns(screen: Screen) -> list[tuple[int, int]]:
    """x ranges of the columns, from their top borders."""
    row = screen.line(1)
    starts = [x for x, char in enumerate(row) if char == "╭"]
    return list(zip(starts, [*starts[1:], screen.cols], strict=True))


def in_column(screen: Screen, deal_id: int, column: int) -> bool:
    """Deal `deal_id`'s card is shown in column `column` (0-based)."""
    start, end = columns(screen)[column]
    return bool(screen.find(f"▌ #{deal_id} ", start, end))


def first_card(screen: Screen) -> int:
    """The deal id of the first card of the first column (the focused one)."""
    start, end = columns(screen)[0]
    text = "\n".join(screen.line(y)[start:end] for y in range(screen.rows))
    found = CARD.search(text)
    assert found, text
    return int(found.group(1))


def test_two_boards_on_a_server_see_each_other_and_a_restart(own_server, tmp_path) -> None:
    folder, url = own_server
    anna, erik = board(url, "anna"), board(url, "erik")
    try:
        for term in (anna, erik):  # both have read their full columns and started to listen
            term.wait_quiet(0.5, timeout=30)
        deal = first_card(anna.screen)
        assert in_column(erik.screen, deal, 0)

        # A move on one board shows on the other within a second.
        anna.send(b">")
        wait(anna, lambda s: "Confirm (y)" in s.text(), others=(erik,))
        anna.send(b"y")
        moved = wait(anna, lambda s: in_column(s, deal, 1), others=(erik,))
        seen = wait(erik, lambda s: in_column(s, deal, 1) and not in_column(s, deal, 0),
                    others=(anna,))
        assert seen - moved < 1.0, f"the other board took {seen - moved:.2f} s"

        # The server goes away: both boards say so, in one line, and keep running.
        pg_server.stop(folder)
        for term, other in ((anna, erik), (erik, anna)):
            wait(term, lambda s: LOST in s.text(), others=(other,), timeout=20)
            assert sum(LOST in line for line in term.screen.text().splitlines()) == 1
        # A move that saves meanwhile is refused in plain words, and the board stays.
        move_on(anna, others=(erik,))
        wait(anna, lambda s: "cannot reach" in s.text(), others=(erik,))
        assert anna.exit_status is None and erik.exit_status is None

        # Back: the boards reconnect by themselves and catch up on what happened meanwhile.
        pg_server.start(folder)
        done = subprocess.run([sys.executable, "-m", "kanban_pipe", "--db", url, "--user",
                               "omar", "move", str(deal), "proposal", "--confirm"],
                              capture_output=True, text=True, cwd=REPO, env=child_env(),
                              check=False)
        assert done.returncode == 0, done.stderr
        for term, other in ((anna, erik), (erik, anna)):
            wait(term, lambda s: LOST not in s.text() and in_column(s, deal, 2),
                 others=(other,), timeout=30)
        # And their own keys save again.
        move_on(erik, others=(anna,))
        wait(erik, lambda s: in_column(s, deal, 3), others=(anna,))
        wait(anna, lambda s: in_column(s, deal, 3), others=(erik,), timeout=5)
    finally:
        for term in (anna, erik):
            term.close()
    store = open_store(url, user="checker")
    try:
        shown = store.get_deal(deal)
        assert shown.stage == "commitment"
        moves = [(a.actor, a.detail.split(";")[0]) for a in store.activities(deal)[:3]]
        assert moves == [("erik", "Proposal → Commitment"), ("omar", "Qualified → Proposal"),
                         ("anna", "Lead → Qualified")]
    finally:
        store.close()
        store.engine.close()

