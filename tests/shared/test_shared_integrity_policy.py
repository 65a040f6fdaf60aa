"""When a command checks the file page by page (store.integrity), as real processes.

A file checked within the day opens with the cheap checks alone; one that ended uncleanly
(a writer killed with its -wal left behind), one whose last check is over a day old, and
one never checked get the full check, and a damaged page is refused before anything is
written. `check` and the board always check (tests/transfer, tests/ui).
"""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from kanban_pipe.store import open_store
from kanban_pipe.store.integrity import CHECKED_SETTING, ended_uncleanly
from tests.shared.conftest import demo_pipeline, rows
from tests.shared.test_shared_open_failures import PAGE, RESTORE, noise

# Opens the pipeline, saves one deal without letting the WAL be checkpointed, says so,
# then waits to be killed (or, with "hold", just keeps the file open).
WRITER = """
import sys, time
from kanban_pipe.store import open_store
store = open_store(sys.argv[1], user="writer")
store.conn.execute("PRAGMA wal_autocheckpoint = 0")
store.add_deal("saved just before the crash")
print("saved", flush=True)
time.sleep(600)
"""


def checked(path: Path, *, seconds_ago: float = 0) -> None:
    """Note a passed full check in the file, as kanban-pipe does after one."""
    conn = sqlite3.connect(str(path), isolation_level=None)
    try:
        conn.execute("INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key)"
                     " DO UPDATE SET value = excluded.value",
                     (CHECKED_SETTING, f"{time.time() - seconds_ago:.0f}"))
    finally:
        conn.close()


def activity_page(path: Path) -> int:
    """Byte offset of a leaf page of the activity log (not read by `list`)."""
    pages = [page for (page,) in rows(path, "SELECT pageno FROM dbstat WHERE name ="
                                            " 'activities' AND pagetype = 'leaf' ORDER BY pageno")]
    return (pages[len(pages) // 2] - 1) * PAGE


def start_writer(path: Path) -> subprocess.Popen[str]:
    child = subprocess.Popen([sys.executable, "-c", WRITER, str(path)], stdout=subprocess.PIPE,
                             text=True, cwd=Path(__file__).resolve().parents[2])
    assert child.stdout is not None and child.stdout.readline() == "saved\n"
    return child


@pytest.fixture
def pipeline(tmp_path: Path) -> Path:
    path = demo_pipeline(tmp_path / "pipe.db", deals=600)
    checked(path)
    return path


def test_a_file_checked_today_opens_without_the_full_check(pipeline, run_process) -> None:
    # Noise over a page of the log that `list` never reads: only a full check finds it.
    noise(pipeline, activity_page(pipeline), PAGE, seed=11)
    listed = run_process("--db", str(pipeline), "list")
    assert listed.returncode == 0, listed.stderr
    assert "deals" in listed.stdout.splitlines()[-1]
    # `check` reads every page, always.
    done = run_process("--db", str(pipeline), "check")
    assert done.returncode == 1 and "is damaged" in done.stderr and RESTORE in done.stderr


def test_a_check_over_a_day_old_is_repeated(pipeline, run_process) -> None:
    checked(pipeline, seconds_ago=25 * 3600)
    noise(pipeline, activity_page(pipeline), PAGE, seed=11)
    before = pipeline.read_bytes()
    done = run_process("--db", str(pipeline), "add", "Acme")
    assert done.returncode == 1
    assert done.stderr.startswith(f"kanban-pipe: error: {pipeline} is damaged (")
    assert done.stderr.count("\n") == 1 and RESTORE in done.stderr
    assert pipeline.read_bytes() == before


def test_a_passed_check_is_noted_and_trusted_for_a_day(pipeline, run_process) -> None:
    checked(pipeline, seconds_ago=25 * 3600)
    assert run_process("--db", str(pipeline), "list").returncode == 0
    (noted,), = rows(pipeline, "SELECT value FROM settings WHERE key = ?", (CHECKED_SETTING,))
    assert abs(time.time() - float(noted)) < 60
    before = pipeline.read_bytes()
    assert run_process("--db", str(pipeline), "list").returncode == 0
    assert pipeline.read_bytes() == before  # the next open writes nothing


def test_a_file_left_by_a_killed_writer_is_checked(pipeline, run_process) -> None:
    writer = start_writer(pipeline)
    try:
        assert Path(f"{pipeline}-wal").stat().st_size > 0
        assert not ended_uncleanly(str(pipeline), opened_here=False)  # the writer is alive
    finally:
        writer.send_signal(signal.SIGKILL)
        writer.wait(timeout=30)
    assert Path(f"{pipeline}-wal").stat().st_size > 0  # left behind, nobody holds it
    assert ended_uncleanly(str(pipeline), opened_here=False)
    noise(pipeline, activity_page(pipeline), PAGE, seed=11)
    done = run_process("--db", str(pipeline), "next", "1", "Call", "--due", "fri")
    assert done.returncode == 1, done.stdout
    assert done.stderr.startswith(f"kanban-pipe: error: {pipeline} is damaged (")
    assert done.stderr.count("\n") == 1


def test_a_healthy_file_left_by_a_killed_writer_keeps_the_saved_deal(pipeline,
                                                                     run_process) -> None:
    writer = start_writer(pipeline)
    writer.send_signal(signal.SIGKILL)
    writer.wait(timeout=30)
    shown = run_process("--db", str(pipeline), "list", "--json")
    assert shown.returncode == 0, shown.stderr
    assert "saved just before the crash" in shown.stdout
    # The full check ran (the unclean end) and was noted.
    (noted,), = rows(pipeline, "SELECT value FROM settings WHERE key = ?", (CHECKED_SETTING,))
    assert abs(time.time() - float(noted)) < 60


def test_a_file_cut_short_is_refused_by_the_cheap_checks(pipeline) -> None:
    with pipeline.open("r+b") as handle:
        handle.truncate(pipeline.stat().st_size - 3 * PAGE)
    with pytest.raises(Exception, match="is cut off") as caught:
        open_store(str(pipeline), user="anna", full_check=False)
    assert "restore it from a backup" in str(caught.value)


def test_the_store_never_maps_the_file_into_memory(pipeline) -> None:
    store = open_store(str(pipeline), user="anna")
    try:
        assert store.conn.execute("PRAGMA mmap_size").fetchone()[0] == 0
        assert store.reader().conn.execute("PRAGMA mmap_size").fetchone()[0] == 0
    finally:
        store.close()
