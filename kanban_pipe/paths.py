"""Where kanban-pipe keeps its files: looked up when asked, created only when asked."""

from __future__ import annotations

from pathlib import Path

import platformdirs

APP_NAME = "kanban-pipe"
DB_FILE_NAME = "pipeline.db"
DEMO_FILE_NAME = "demo.db"


def data_dir() -> Path:
    """The user data directory for kanban-pipe (not created here)."""
    # Read on every call, not at import, so XDG_DATA_HOME set later (tests, wrappers) counts.
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def default_db_path() -> Path:
    """The pipeline file used when neither --db nor KANBAN_PIPE_DB names one."""
    return data_dir() / DB_FILE_NAME


def demo_db_path() -> Path:
    """The demo pipeline file that `kanban-pipe demo` replaces each time it runs."""
    return data_dir() / DEMO_FILE_NAME


def ensure_parent(path: str | Path) -> Path:
    """Create the folder that will hold `path` (and its parents) if missing; return `path`."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    return target
