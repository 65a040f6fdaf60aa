"""Shared-use fixtures: real pipeline files, child processes, and rows to compare.

The command-line fixtures (`run_process`, and `isolated_env` keeping every run away
from the real user data dir) are the ones tests/cli uses, re-exported here.
"""

from __future__ import annotations

import os
import sqlite3
import sys
from pathlib import Path
from typing import Any

from kanban_pipe.store import open_store
from kanban_pipe.store.bulk import load_demo
from tests.cli.conftest import REPO, isolated_env, run_process
from tests.engines import RawRows

__all__ = [
    "REPO",
    "child_env",
    "demo_on",
    "demo_pipeline",
    "isolated_env",
    "rows",
    "run_process",
    "scalar",
]


def child_env() -> dict[str, str]:
    """The environment for a child process that imports this checkout's kanban_pipe."""
    return {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), *sys.path])}


def demo_pipeline(path: Path, *, deals: int = 300, seed: int = 5) -> Path:
    """A real pipeline file (demo deals with history), closed and fully checkpointed."""
    store = open_store(str(path), user="anna")
    try:
        load_demo(store, deals=deals, seed=seed)
    finally:
        store.close()
    assert not Path(f"{path}-wal").exists(), "the last close should checkpoint the file"
    return path


def demo_on(target: str, *, deals: int = 300, seed: int = 5) -> str:
    """A real pipeline with demo deals and history, in a file or on the test server."""
    if not target.startswith("postgresql://"):
        return str(demo_pipeline(Path(target), deals=deals, seed=seed))
    store = open_store(target, user="anna")
    try:
        load_demo(store, deals=deals, seed=seed)
    finally:
        store.close()
    return target


def rows(path: Path | str, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Rows of a query, read as another tool would (a plain read-only connection)."""
    if str(path).startswith("postgresql://"):
        return RawRows(str(path)).tuples(sql, params)
    conn = sqlite3.connect(f"{Path(path).resolve().as_uri()}?mode=ro", uri=True)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def scalar(path: Path | str, sql: str, params: tuple[Any, ...] = ()) -> Any:
    """The first column of the first row of a query."""
    return rows(path, sql, params)[0][0]
