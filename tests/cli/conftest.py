"""Fixtures for command-line tests: a fresh pipeline file and `main` run in-process."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from kanban_pipe.cli import main
from kanban_pipe.store import PipelineStore, open_store

REPO = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Result:
    """What one run of the command printed and returned."""

    code: int
    out: str
    err: str


@pytest.fixture(autouse=True)
def isolated_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Keep every run away from the real user data dir and the caller's environment."""
    data_home = tmp_path / "xdg-data"
    monkeypatch.setenv("XDG_DATA_HOME", str(data_home))
    monkeypatch.delenv("KANBAN_PIPE_DB", raising=False)
    monkeypatch.delenv("KANBAN_PIPE_USER", raising=False)
    return data_home


@pytest.fixture
def db(pipeline_target: str) -> str:
    """Where the test's pipeline lives: a file that does not exist yet, or an empty schema
    on the test server (each test runs on both engines, see tests.engines)."""
    return pipeline_target


@pytest.fixture
def run(db: str, capsys: pytest.CaptureFixture[str]) -> Callable[..., Result]:
    """Run `kanban-pipe --db DB --user anna ARGS...` in-process and capture its output."""

    def invoke(*args: str, user: str = "anna") -> Result:
        capsys.readouterr()  # drop anything printed before this run
        code = main(["--db", db, "--user", user, *args])
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)

    return invoke


@pytest.fixture
def store(db: str) -> Iterator[Callable[..., PipelineStore]]:
    """Open the test pipeline directly, optionally with a clock `days_ago` in the past."""
    opened: list[PipelineStore] = []

    def open_at(days_ago: int = 0, user: str = "anna") -> PipelineStore:
        moment = datetime.now(UTC) - timedelta(days=days_ago)
        pipeline = open_store(db, user=user, clock=lambda: moment) if days_ago else open_store(
            db, user=user)
        opened.append(pipeline)
        return pipeline

    yield open_at
    for pipeline in opened:
        pipeline.close()
        pipeline.engine.close()


@pytest.fixture
def run_process() -> Callable[..., subprocess.CompletedProcess[str]]:
    """Run `python -m kanban_pipe ARGS...` in a child process (no terminal, no stdin)."""

    def invoke(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        # os.environ already carries isolated_env's changes (XDG_DATA_HOME, no KANBAN_PIPE_*).
        return subprocess.run(
            [sys.executable, "-m", "kanban_pipe", *args], capture_output=True, text=True,
            stdin=subprocess.DEVNULL, env={**os.environ, **(env or {})}, cwd=REPO, timeout=60,
            check=False,
        )

    return invoke
