"""Files the real command refuses: the board, `list` and `check` as child processes.

Each refusal is exit code 1 and one line on stderr naming the file and what to do, with
no traceback, and the file's bytes stay as they were. The board (no command, stdin and
stdout not a terminal) must refuse before Textual starts, so its stderr holds no
terminal escapes; only a file whose damage lies deep inside is found by the check the
board runs after its first frame (tests/ui/test_board_integrity.py covers that in-app).
"""

from __future__ import annotations

import random
import shutil
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from kanban_pipe.store.schema import SCHEMA_VERSION
from tests.shared.conftest import demo_pipeline, rows

PAGE = 4096
BOARD: tuple[str, ...] = ()
LIST = ("list",)
CHECK = ("check",)

NOT_SQLITE = "is not a kanban-pipe database (it is not an SQLite file); choose another file"
DAMAGED = "is damaged"
RESTORE = "restore it from a backup"
FOREIGN = "is an SQLite database of another program, not a kanban-pipe pipeline; choose"
NEWER = (f"was written by a newer kanban-pipe (schema {SCHEMA_VERSION + 1}, this program "
         f"knows {SCHEMA_VERSION}); upgrade kanban-pipe to open it")


def noise(path: Path, start: int, length: int, seed: int) -> None:
    with path.open("r+b") as handle:
        handle.seek(start)
        handle.write(random.Random(seed).randbytes(length))


def text_file(path: Path) -> None:
    path.write_text("name,value\nAcme,1200\n")


def broken_magic(path: Path) -> None:
    demo_pipeline(path)
    with path.open("r+b") as handle:
        handle.write(b"SQLite format 2\x00")


def broken_header(path: Path) -> None:
    demo_pipeline(path)
    noise(path, 16, 84, seed=3)  # everything after "SQLite format 3\0"


def truncated(path: Path) -> None:
    demo_pipeline(path, deals=1000)
    with path.open("r+b") as handle:
        handle.truncate(path.stat().st_size // 2)


def newer_schema(path: Path) -> None:
    demo_pipeline(path, deals=20)
    conn = sqlite3.connect(str(path))
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()


def foreign(path: Path) -> None:
    conn = sqlite3.connect(str(path))
    conn.execute("CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT)")
    conn.execute("INSERT INTO customers (name) VALUES ('Acme')")
    conn.commit()
    conn.close()


def damaged_page_of(btree: str) -> Callable[[Path], None]:
    """Noise over the middle leaf page of one table or index of a real pipeline."""

    def damage(path: Path) -> None:
        demo_pipeline(path, deals=1000)
        pages = [page for (page,) in rows(path, "SELECT pageno FROM dbstat WHERE name = ?"
                                                " AND pagetype = 'leaf' ORDER BY pageno",
                                          (btree,))]
        assert pages, btree
        noise(path, (pages[len(pages) // 2] - 1) * PAGE, PAGE, seed=len(pages))

    return damage


# kind -> (how to make it, {command: (exit code, what stderr says)})
CASES: dict[str, tuple[Callable[[Path], None], dict[tuple[str, ...], tuple[int, list[str]]]]] = {
    "text file": (text_file, {
        BOARD: (1, [NOT_SQLITE]), LIST: (1, [NOT_SQLITE]),
        CHECK: (1, [NOT_SQLITE])}),
    "broken magic": (broken_magic, {
        BOARD: (1, [NOT_SQLITE]), LIST: (1, [NOT_SQLITE]),
        CHECK: (1, [NOT_SQLITE])}),
    "broken header": (broken_header, {
        BOARD: (1, [DAMAGED, RESTORE]), LIST: (1, [DAMAGED, RESTORE]),
        CHECK: (1, [DAMAGED, RESTORE])}),
    "truncated": (truncated, {
        BOARD: (1, [DAMAGED, RESTORE]), LIST: (1, [DAMAGED, RESTORE]),
        CHECK: (1, [DAMAGED, RESTORE])}),
    "newer schema": (newer_schema, {
        BOARD: (1, [NEWER]), LIST: (1, [NEWER])}),
    "foreign sqlite": (foreign, {
        BOARD: (1, [FOREIGN]), LIST: (1, [FOREIGN]),
        CHECK: (1, [FOREIGN])}),
    "damaged page": (damaged_page_of("activities"), {
        LIST: (1, [DAMAGED, RESTORE]), CHECK: (1, [DAMAGED, RESTORE])}),
}


def folder_state(folder: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted(folder.iterdir())}


@pytest.fixture(scope="module")
def originals(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Each bad file, made once; tests work on copies."""
    folder = tmp_path_factory.mktemp("originals")
    made = {}
    for kind, (make, _) in CASES.items():
        path = folder / f"{kind.replace(' ', '-')}.db"
        make(path)
        made[kind] = path
    return made


@pytest.mark.parametrize(("kind", "command"), [
    pytest.param(kind, command, id=f"{kind}-{' '.join(command) or 'board'}")
    for kind, (_, expected) in CASES.items() for command in expected])
def test_refused_with_one_line_and_untouched(kind: str, command: tuple[str, ...],
                                             originals, run_process, tmp_path) -> None:
    path = tmp_path / originals[kind].name
    shutil.copyfile(originals[kind], path)
    before = folder_state(tmp_path)
    code, phrases = CASES[kind][1][command]
    done = run_process("--db", str(path), "--user", "anna", *command)
    assert (done.returncode, done.stdout) == (code, "")
    assert done.stderr.startswith(f"kanban-pipe: error: {path} "), done.stderr
    assert done.stderr.count("\n") == 1 and done.stderr.endswith("\n"), done.stderr
    assert "Traceback" not in done.stderr and "\x1b" not in done.stderr  # no Textual
    for phrase in phrases:
        assert phrase in done.stderr
    if command == CHECK:  # a read-only look may leave SQLite's -wal/-shm beside it
        assert path.read_bytes() == before[path.name]
    else:
        assert folder_state(tmp_path) == before


def test_check_reports_a_newer_schema_without_refusing(originals, run_process,
                                                        tmp_path) -> None:
    path = tmp_path / "newer.db"
    shutil.copyfile(originals["newer schema"], path)
    before = path.read_bytes()
    done = run_process("--db", str(path), "check")
    assert (done.returncode, done.stderr) == (0, "")
    assert f"schema version: {SCHEMA_VERSION + 1} (newer than this kanban-pipe" in done.stdout
    assert "deals:          " in done.stdout
    assert path.read_bytes() == before


@pytest.mark.parametrize("btree", [
    "activities",
    "stages",  # a page the board reads while drawing its first frame
])
def test_board_refuses_a_damaged_page_after_its_first_frame(btree: str, run_process,
                                                            tmp_path) -> None:
    path = tmp_path / "pipe.db"
    damaged_page_of(btree)(path)
    before = path.read_bytes()
    done = run_process("--db", str(path), "--user", "anna")
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    # Textual drew the board on stderr (stdout is not a terminal), then left.
    last = done.stderr.rsplit("\x1b", 1)[-1].split("kanban-pipe: error: ", 1)
    assert len(last) == 2, done.stderr[-500:]
    message = last[1]
    assert message.startswith(f"{path} is damaged (") and message.endswith(f"; {RESTORE}\n")
    assert message.count("\n") == 1
    assert path.read_bytes() == before
