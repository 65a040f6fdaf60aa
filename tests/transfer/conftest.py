"""Fixtures for import/export tests: a fresh pipeline, `main` in-process, sample files."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from kanban_pipe.cli import main
from kanban_pipe.store import PipelineStore, open_store


@dataclass(frozen=True)
class Result:
    """What one run of the command printed and returned."""

    code: int
    out: str
    err: str


@pytest.fixture(autouse=True)
def isolated_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep every run away from the real user data dir and the caller's environment."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
    monkeypatch.delenv("KANBAN_PIPE_DB", raising=False)
    monkeypatch.delenv("KANBAN_PIPE_USER", raising=False)


@pytest.fixture
def db(tmp_path: Path) -> str:
    """Path of a pipeline file that does not exist yet."""
    return str(tmp_path / "pipe.db")


@pytest.fixture
def run(db: str, capsys: pytest.CaptureFixture[str]) -> Callable[..., Result]:
    """Run `kanban-pipe --db DB --user anna ARGS...` in-process and capture its output."""

    def invoke(*args: str, user: str = "anna", db_path: str | None = None) -> Result:
        capsys.readouterr()
        code = main(["--db", db_path or db, "--user", user, *args])
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)

    return invoke


@pytest.fixture
def sample(tmp_path: Path) -> Callable[..., str]:
    """Write a sample file (text in an encoding, or bytes) and return its path."""

    def write(name: str, content: str | bytes, encoding: str = "utf-8") -> str:
        path = tmp_path / name
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding=encoding, newline="")
        return str(path)

    return write


@pytest.fixture
def store(db: str) -> Iterator[Callable[..., PipelineStore]]:
    """Open a pipeline directly (the test's by default) as `anna`."""
    opened: list[PipelineStore] = []

    def open_at(path: str | None = None, user: str = "anna") -> PipelineStore:
        pipeline = open_store(path or db, user=user)
        opened.append(pipeline)
        return pipeline

    yield open_at
    for pipeline in opened:
        pipeline.close()


def rows(path: str, sql: str, params: tuple[Any, ...] = ()) -> list[dict[str, Any]]:
    """Rows of a query on a pipeline file, as dicts (a plain connection, as a tool reads)."""
    conn = sqlite3.connect(path)
    conn.row_factory = sqlite3.Row
    try:
        return [dict(row) for row in conn.execute(sql, params).fetchall()]
    finally:
        conn.close()


@pytest.fixture
def counts(db: str) -> Callable[..., tuple[int, int]]:
    """(deals, activities) in a pipeline file; (0, 0) when it does not exist yet."""

    def count(path: str | None = None) -> tuple[int, int]:
        target = path or db
        if not Path(target).exists():
            return 0, 0
        found = rows(target, "SELECT (SELECT count(*) FROM deals) AS deals,"
                             " (SELECT count(*) FROM activities) AS activities")[0]
        return found["deals"], found["activities"]

    return count


@pytest.fixture
def query(db: str) -> Callable[..., list[dict[str, Any]]]:
    """Rows of a query on the test's pipeline file, as dicts."""
    return lambda sql, params=(): rows(db, sql, params)
