"""Files and folders this user may not write, as real processes: read-only, never a traceback."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.cli.conftest import REPO
from tests.permissions import ordinary_user

Run = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture
def run_limited() -> Run:
    """`python -m kanban_pipe ARGS` as a process that file permissions apply to."""
    prefix = ordinary_user()

    def invoke(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*prefix, sys.executable, "-m", "kanban_pipe", "--user", "anna", *args],
            capture_output=True, text=True, stdin=subprocess.DEVNULL, cwd=REPO, timeout=60,
            check=False, env={**os.environ, "PYTHONPATH": str(REPO)},
        )

    return invoke


@pytest.fixture
def locked(tmp_path: Path, run_process: Run) -> Iterator[Path]:
    """A folder holding a one-deal pipeline, made read-only (restored afterwards)."""
    folder = tmp_path / "locked"
    folder.mkdir()
    db = folder / "p.db"
    assert run_process("--db", str(db), "--user", "anna", "add", "Acme").returncode == 0
    yield db
    folder.chmod(0o755)
    db.chmod(0o644)


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_read_only_file_reads_and_refuses_writes_in_one_line(run_limited: Run,
                                                             locked: Path) -> None:
    locked.chmod(0o444)
    before = digest(locked)
    listed = run_limited("--db", str(locked), "list", "--json")
    assert listed.returncode == 0, listed.stderr
    assert '"title": "Acme"' in listed.stdout
    added = run_limited("--db", str(locked), "add", "Beta")
    assert added.returncode == 1
    assert added.stderr == ("kanban-pipe: error: p.db is open read-only (you have no write "
                            "permission on the file): nothing was saved\n")
    assert digest(locked) == before


def test_read_only_folder_says_it_is_the_folder(run_limited: Run, locked: Path) -> None:
    locked.parent.chmod(0o555)
    before = digest(locked)
    listed = run_limited("--db", str(locked), "list", "--json")
    # SQLite cannot create the -shm file here: the file is read as it is on disk.
    assert listed.returncode == 0, listed.stderr
    assert '"title": "Acme"' in listed.stdout
    moved = run_limited("--db", str(locked), "move", "1", "next", "--confirm")
    assert moved.returncode == 1 and moved.stderr.count("\n") == 1
    assert f"the folder {locked.parent} is not writable" in moved.stderr
    assert "Traceback" not in moved.stderr
    assert digest(locked) == before
    assert sorted(p.name for p in locked.parent.iterdir()) == ["p.db"]


def test_new_file_in_a_read_only_folder_is_refused(run_limited: Run, locked: Path) -> None:
    locked.parent.chmod(0o555)
    new = locked.parent / "new.db"
    done = run_limited("--db", str(new), "add", "Acme")
    assert done.returncode == 1
    assert done.stderr.startswith(f"kanban-pipe: error: cannot create {new}: the folder ")
    assert "choose another folder" in done.stderr and not new.exists()


def test_reading_commands_work_on_a_read_only_folder(run_limited: Run, locked: Path,
                                                     tmp_path: Path) -> None:
    locked.parent.chmod(0o555)
    checked = run_limited("--db", str(locked), "check")
    assert checked.returncode == 0, checked.stderr
    copy = tmp_path / "copy.db"
    backed = run_limited("--db", str(locked), "backup", str(copy))
    assert backed.returncode == 0, backed.stderr
    assert copy.exists()
    exported = run_limited("--db", str(locked), "export", "--format", "json")
    assert exported.returncode == 0, exported.stderr
    assert '"title": "Acme"' in exported.stdout
    shown = run_limited("--db", str(locked), "show", "1")
    assert shown.returncode == 0 and "Acme" in shown.stdout
