"""Opening the board, and filling a demo pipeline first (`kanban-pipe demo`).

Textual is imported only inside `_open_board`, so the scripting commands stay light.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from kanban_pipe import paths
from kanban_pipe.cli import output as out
from kanban_pipe.domain.errors import InvalidInputError, KanbanPipeError
from kanban_pipe.store import PipelineStore, open_store
from kanban_pipe.store.engine import is_server_url


def _open_board(store: PipelineStore) -> str | None:
    """Run the board until the user quits."""
    from kanban_pipe.ui.app import run_board  # imports Textual: only here

    # The board shows one pipeline: the one asked for, else the first (`p` switches).
    store.use_pipeline(store.home_pipeline().key)
    run_board(store)
    return None


def cmd_board(store: PipelineStore, args: argparse.Namespace) -> str | None:
    """Open the board (what `kanban-pipe` with no command does)."""
    return _open_board(store)


def cmd_demo(args: argparse.Namespace, user: str) -> str | None:
    """Fill a demo pipeline with deterministic data, then open the board on it."""
    # Only an explicit --db is used: KANBAN_PIPE_DB names the real pipeline, never demo data.
    explicit = args.db is not None
    if explicit and is_server_url(args.db):
        path: str | Path = args.db
    else:
        path = Path(args.db).expanduser() if explicit else paths.ensure_parent(
            paths.demo_db_path())
    if not explicit:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    store = open_store(str(path), user=user)
    shown = out.safe(store.path)
    try:
        held = store.deal_count()
        if held:
            raise InvalidInputError(
                f"{shown} already holds {held} deal(s); demo data goes into a new or empty "
                "file: choose another --db, or leave --db out to use the demo file"
            )
        try:
            from kanban_pipe.store.bulk import load_demo
        except ModuleNotFoundError as error:
            if error.name != "kanban_pipe.store.bulk":
                raise
            raise KanbanPipeError("demo data is not available in this version") from None
        count = load_demo(store, deals=args.deals, seed=args.seed)
        made = f"demo pipeline: {out.count_words(count)} in {shown} (seed {args.seed})"
        if args.no_open:
            # A server's URL may hold a password: it is not printed back.
            again = "URL (the same server address)" if isinstance(path, str) else shown
            return f"{made}\nopen it with: kanban-pipe --db {again}"
        board = _open_board(store)
        return None if board is None else f"{made}\n\n{board}"
    finally:
        store.close()
