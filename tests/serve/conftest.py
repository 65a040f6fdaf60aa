"""Fixtures for `serve`: a pipeline with demo deals, and `kanban-pipe serve` in a child
process on a free port of 127.0.0.1."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from kanban_pipe.store import open_store
from kanban_pipe.store.bulk import load_demo

REPO = Path(__file__).resolve().parents[2]


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
def demo_db(tmp_path: Path) -> str:
    """A pipeline file with 40 deterministic demo deals (seed 7)."""
    path = str(tmp_path / "pipeline.db")
    store = open_store(path, user="anna")
    try:
        load_demo(store, deals=40, seed=7)
    finally:
        store.close()
    return path


def free_port() -> int:
    """A port of 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Served:
    """A running `kanban-pipe serve`: its address and process."""

    url: str
    process: subprocess.Popen[str]
    db: str

    def stop(self) -> str:
        """Stop it as Ctrl+C does; return what it printed."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
        assert self.process.stdout is not None
        return self.process.stdout.read()


def boards_running(db: str) -> list[int]:
    """Process ids of board processes opened on `db` (read from /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            words = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"kanban_pipe" in words and db.encode() in words and b"serve" not in words:
            found.append(int(entry.name))
    return found


@pytest.fixture
def serve() -> Iterator[Callable[..., Served]]:
    """Start `kanban-pipe --db DB --user anna serve --port P ARGS...`; stopped afterwards."""
    started: list[Served] = []

    def start(db: str, *args: str) -> Served:
        port = free_port()
        process = subprocess.Popen(
            [sys.executable, "-m", "kanban_pipe", "--db", db, "--user", "anna", "serve",
             "--port", str(port), *args],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            text=True, cwd=REPO, env={**os.environ, "COLUMNS": "200"})
        served = Served(f"http://127.0.0.1:{port}", process, db)
        started.append(served)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            assert process.poll() is None, served.stop()
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                return served
            except OSError:
                time.sleep(0.1)
        raise AssertionError(f"serve did not listen within 30 s:\n{served.stop()}")

    yield start
    for served in started:
        served.stop()
