"""`backup` and `check` of a pipeline on a server.

A server's backup is a pipeline file: the whole pipeline read in one snapshot and written
into a new SQLite file that kanban-pipe (or any SQLite tool) opens directly, so a rep can
take the team's pipeline onto a plane. `check` reports what the database holds and
whether its kanban-pipe schema is whole; the server checks its own pages.
"""

from __future__ import annotations

import os
import sqlite3
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from kanban_pipe.domain.errors import KanbanPipeError
from kanban_pipe.store import open_store
from kanban_pipe.store.copy import copy_pipeline
from kanban_pipe.transfer.backup import FileHealth, check_destination, health, remove_copy


@dataclass(frozen=True, slots=True)
class ServerHealth:
    """What `check` found on a server: its version, the schema and what it holds."""

    location: str
    server: str
    size: int
    schema_version: int
    deals: int
    deleted_deals: int
    activities: int
    stages: int


def backup_server(url: str, target: str, *, user: str) -> tuple[str, Path, FileHealth]:
    """Copy the server's pipeline into the file `target`; return its label, the file, health."""
    destination = Path(target).expanduser()
    source = open_store(url, user=user)
    try:
        if destination.is_dir():
            moment = datetime.now().strftime("%Y%m%d-%H%M%S")
            name = source.path.split(" on ", 1)[0].replace("/", "-")
            destination = destination / f"{name}-{moment}.db"
        check_destination(None, destination, target)
        temporary = destination.with_name(f".{destination.name}.{os.getpid()}.tmp")
        try:
            copy = open_store(str(temporary), user=user)
            try:
                copy_pipeline(source, copy)
            finally:
                copy.close()
            conn = sqlite3.connect(str(temporary), isolation_level=None)
            try:
                # A single self-contained file: no -wal beside it to lose when it is moved.
                conn.execute("PRAGMA journal_mode = DELETE")
                found = health(conn, temporary)
            finally:
                conn.close()
            os.replace(temporary, destination)
        except (KanbanPipeError, OSError, sqlite3.Error):
            remove_copy(temporary)
            for suffix in ("-wal", "-shm"):
                Path(f"{temporary}{suffix}").unlink(missing_ok=True)
            raise
        return source.path, destination, FileHealth(
            destination.resolve(), destination.stat().st_size, found.journal_mode,
            found.schema_version, found.deals, found.deleted_deals, found.activities,
            found.stages)
    finally:
        source.close()
        source.engine.close()


def check_server(url: str, *, user: str) -> ServerHealth:
    """Open the pipeline on a server (the same refusals as any command) and report on it."""
    store = open_store(url, user=user)
    try:
        store.verify_integrity()
        (version, server, size, deals, deleted, activities, stages) = store.rows(
            "SELECT (SELECT value FROM kanban_pipe WHERE key = 'schema_version'), version(),"
            " pg_database_size(current_database()),"
            " (SELECT count(*) FROM deals), (SELECT count(deleted_at) FROM deals),"
            " (SELECT count(*) FROM activities), (SELECT count(*) FROM stages)")[0]
        return ServerHealth(store.path, " ".join(server.split()[:2]), int(size), int(version),
                            int(deals) - int(deleted), int(deleted), int(activities),
                            int(stages))
    finally:
        store.close()
        store.engine.close()
