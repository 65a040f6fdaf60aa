"""`backup` makes consistent copies while others write; `check` reports health, or damage."""

from __future__ import annotations

import random
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from kanban_pipe.store import open_store
from kanban_pipe.transfer.backup import sqlite_words

WRITER = """
import sys, time
from pathlib import Path
from kanban_pipe.store import open_store
store = open_store(sys.argv[1], user="writer")
stop = Path(sys.argv[2])
while not stop.exists():
    store.add_deal("written while backing up")
    time.sleep(0.002)
store.close()
"""


def deal_count(path: str | Path) -> int:
    conn = sqlite3.connect(str(path))
    try:
        return conn.execute("SELECT count(*) FROM deals").fetchone()[0]
    finally:
        conn.close()


@pytest.fixture
def big(run, sample, db) -> str:
    """A pipeline of 3,000 imported deals (enough pages for a backup to take a while)."""
    lines = "".join(f"Deal {i},{i}00,Lead,Owner {i % 7}\n" for i in range(3000))
    result = run("import", sample("seed.csv", "Deal Name,Amount,Deal Stage,Deal owner\n"
                                  + lines))
    assert result.code == 0, result.err
    return db


def test_backup_while_another_process_writes(run, big, tmp_path):
    stop = tmp_path / "stop"
    writer = subprocess.Popen([sys.executable, "-c", WRITER, big, str(stop)],
                              stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 20
        while deal_count(big) < 3050 and time.monotonic() < deadline:
            time.sleep(0.02)
        committed_before = deal_count(big)
        assert committed_before >= 3050, "the writer never got going"
        copy = tmp_path / "copy.db"
        result = run("backup", str(copy))
        assert result.code == 0, result.err
        assert result.out.startswith(f"backed up {big} to {copy}: ")
        assert "the copy passes the integrity check" in result.out
        time.sleep(0.2)
        assert deal_count(big) > committed_before  # the writer kept saving throughout
    finally:
        stop.touch()
        _, errors = writer.communicate(timeout=30)
    assert writer.returncode == 0, errors
    conn = sqlite3.connect(str(copy))
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
        in_copy = conn.execute("SELECT count(*) FROM deals").fetchone()[0]
        activities = conn.execute("SELECT count(*) FROM activities").fetchone()[0]
    finally:
        conn.close()
    assert in_copy >= committed_before
    assert activities == in_copy  # each deal and its activity went in one transaction
    assert not list(tmp_path.glob(".copy.db.*"))  # no temporary file left behind
    # The copy is a pipeline kanban-pipe opens as it is.
    assert run("check", db_path=str(copy)).code == 0


def test_backup_into_a_folder_and_over_an_older_backup(run, big, tmp_path):
    folder = tmp_path / "backups"
    folder.mkdir()
    result = run("backup", str(folder))
    assert result.code == 0, result.err
    made = list(folder.glob("pipe-*.db"))
    assert len(made) == 1 and deal_count(made[0]) == 3000
    again = run("backup", str(made[0]))  # replacing an older backup is what backups do
    assert again.code == 0, again.err


def test_backup_never_replaces_another_file_or_the_pipeline(run, big, tmp_path):
    notes = tmp_path / "notes.txt"
    notes.write_text("my notes")
    result = run("backup", str(notes))
    assert result.code == 1
    assert "exists and is not a kanban-pipe backup" in result.err
    assert notes.read_text() == "my notes"
    itself = run("backup", big)
    assert itself.code == 1 and "is the pipeline itself" in itself.err


def test_check_reports_a_healthy_file(run, big):
    result = run("check")
    assert result.code == 0, result.err
    lines = result.out.splitlines()
    assert lines[0] == f"{big}: ok"
    assert lines[1] == f"location:       {Path(big).resolve()}"
    assert lines[2].startswith("size:           ") and lines[2].endswith("(wal journal)")
    assert lines[3].startswith("schema version: ") and lines[3].endswith("(current)")
    assert lines[4:8] == ["deals:          3,000", "activities:     3,000", "stages:         5",
                          "integrity:      ok (integrity check and foreign keys)"]
    assert lines[8] == f"sqlite:         {sqlite_words()}" and len(lines) == 9


@pytest.mark.parametrize(("version", "warned"), [
    ("3.40.1", True), ("3.51.2", True), ("3.51.3", False), ("3.52.0", False),
    ("4.0.0", False)])
def test_check_warns_of_an_sqlite_older_than_the_wal_reset_fix(version, warned):
    words = sqlite_words(version)
    assert words.startswith(version)
    assert ("warning: older than 3.51.3" in words) is warned


def damage(source: str, target: Path) -> Path:
    """A copy of a pipeline with one of its middle pages overwritten by noise."""
    pipeline = open_store(source, user="anna")
    pipeline.close()  # the last connection checkpoints: every page is in the main file
    shutil.copyfile(source, target)
    page_size = 4096
    pages = target.stat().st_size // page_size
    with target.open("r+b") as handle:
        handle.seek((pages // 2) * page_size)
        handle.write(random.Random(7).randbytes(page_size))
    return target


def test_check_on_a_damaged_copy_is_one_line_and_exit_1(run, big, tmp_path):
    broken = damage(big, tmp_path / "broken.db")
    before = broken.read_bytes()
    result = run("check", db_path=str(broken))
    assert result.code == 1
    assert result.out == ""
    assert len(result.err.splitlines()) == 1
    assert result.err.startswith(f"kanban-pipe: error: {broken} is damaged")
    assert "restore it from a backup" in result.err
    assert broken.read_bytes() == before  # checked read-only: nothing touched
    # The damaged file is refused by backup too, and no half copy is left.
    backup = run("backup", str(tmp_path / "b.db"), db_path=str(broken))
    assert backup.code == 1 and "is damaged" in backup.err
    assert not (tmp_path / "b.db").exists()


def test_check_on_missing_and_foreign_files(run, tmp_path):
    missing = run("check", db_path=str(tmp_path / "none.db"))
    assert missing.code == 1 and "no pipeline at" in missing.err
    other = tmp_path / "other.db"
    conn = sqlite3.connect(str(other))
    conn.execute("PRAGMA application_id = 42")
    conn.execute("CREATE TABLE t (x)")
    conn.close()
    foreign = run("check", db_path=str(other))
    assert foreign.code == 1 and "another program" in foreign.err
    text = tmp_path / "text.db"
    text.write_text("hello")
    assert "not an SQLite file" in run("check", db_path=str(text)).err
