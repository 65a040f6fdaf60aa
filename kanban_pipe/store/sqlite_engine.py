"""The embedded engine: a pipeline in one SQLite file (the default).

Opening, checking and migrating a file live in `connection`, `integrity`, `schema` and
`filesystem`; this module is what the store asks of the engine (see store.engine).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from kanban_pipe.domain.errors import KanbanPipeError
from kanban_pipe.store.bulk_sql import indexes_rebuilt_after, insert_many, roomy_cache
from kanban_pipe.store.connection import (
    Opened,
    check_integrity,
    connect,
    open_connection,
    record_passed_check,
    run_write,
    storage_error,
)
from kanban_pipe.store.engine import Connection, Dialect, Engine
from kanban_pipe.store.filesystem import network_warning

T = TypeVar("T")
# A read of the schema's first page: it starts a deferred transaction's snapshot.
_START_READ = "SELECT count(*) FROM sqlite_master"

SQLITE_DIALECT = Dialect(
    json_item=lambda column, key, index: f"json_extract({column}, '$.{key}[{index}]')",
    epoch=lambda expression: f"unixepoch({expression})",
    stamp_from_epoch=lambda expression: (
        f"strftime('%Y-%m-%dT%H:%M:%S+00:00', {expression}, 'unixepoch')"),
    day_shift=lambda day, days: f"date({day}, ({days}) || ' days')",
    like="LIKE",
    history_columns=False,
    sorts_ids_first=True,
    first_by_id=lambda select: f"{select} ORDER BY id LIMIT :limit",
    id_list="SELECT value FROM json_each(?)",
    no_index="NOT INDEXED",
    fence="LIMIT -1",
    indexed_by=lambda name: f"INDEXED BY {name}",
)


class SqliteEngine(Engine):
    """A pipeline file; `uri` is how to open more connections when a path would not do."""

    name = "sqlite"
    errors = (sqlite3.Error,)
    dialect = SQLITE_DIALECT

    def __init__(self, path: str, *, uri: str | None = None, warning: str = "") -> None:
        self.path = path
        self.uri = uri
        self._warning = warning

    @property
    def label(self) -> str:
        """The file's path, as the user gave it."""
        return self.path

    @property
    def short_label(self) -> str:
        """The file's name."""
        return Path(self.path).name

    @property
    def short_name(self) -> str:
        """The file's name without its extension."""
        return Path(self.path).stem

    def storage_error(self, error: BaseException) -> KanbanPipeError:
        """An sqlite3 error in words (see connection.storage_error)."""
        assert isinstance(error, sqlite3.Error)
        return storage_error(error, self.path)

    def run_write(self, conn: Connection, work: Callable[[], T]) -> T:
        """BEGIN IMMEDIATE ... COMMIT, retrying a busy file with jitter."""
        assert isinstance(conn, sqlite3.Connection)
        return run_write(conn, self.path, work)

    @contextmanager
    def snapshot(self, conn: Connection) -> Iterator[None]:
        """A deferred read transaction (WAL: it never blocks writers)."""
        began = not conn.in_transaction
        try:
            if began:
                conn.execute("BEGIN")
            yield
        except sqlite3.Error as error:
            raise storage_error(error, self.path) from error
        finally:
            if began and conn.in_transaction:
                try:
                    conn.execute("COMMIT")  # a read's end: a damaged file can fail it too
                except sqlite3.Error as error:
                    raise storage_error(error, self.path) from error

    shares_snapshots = True

    @contextmanager
    def twin_snapshot(self, conn: Connection, other: Connection | None) -> Iterator[bool]:
        """Reads on `conn` and `other` that see the same commits, when no commit lands
        between their starts (yields False when one did: `conn` then reads alone).

        SQLite cannot hand a snapshot over (sqlite3_snapshot_open is not in Python's
        module), so it is proven instead: `other`'s data version, read before `conn`'s
        read starts, is unchanged once `other`'s own read has started after it, so no
        other connection committed in between and both reads see the same commits.
        """
        if other is None:
            with self.snapshot(conn):
                yield False
            return
        try:
            before = self.data_version(other)
        except sqlite3.Error as error:
            raise storage_error(error, self.path) from error
        with self.snapshot(conn):
            conn.execute(_START_READ).fetchall()
            with self.snapshot(other):
                other.execute(_START_READ).fetchall()
                yield self.data_version(other) == before

    def stream(self, conn: Connection, sql: str, *, size: int = 5000,
               params: Sequence[Any] | Mapping[str, Any] = ()
               ) -> Iterator[list[tuple[Any, ...]]]:
        """sqlite3 reads row by row as the cursor is advanced."""
        cursor = conn.execute(sql, params)
        while page := cursor.fetchmany(size):
            yield page

    def data_version(self, conn: Connection) -> int:
        """SQLite's own counter of commits by other connections."""
        return int(conn.execute("PRAGMA data_version").fetchone()[0])

    def connect_again(self, *, read_only: bool) -> Connection:
        """Another connection to the file (read-only ones reuse the read-only URI)."""
        try:
            return connect(self.uri or self.path, uri=self.uri is not None, path=self.path)
        except sqlite3.Error as error:
            raise storage_error(error, self.path) from error

    def check_integrity(self) -> None:
        """SQLite's quick check, on a read-only connection of its own."""
        check_integrity(self.path, self.uri)

    def note_passed_check(self) -> None:
        """Note the passed check in the file, so commands trust it for a day."""
        record_passed_check(self.path, self.uri)

    def insert_rows(self, conn: Connection, table: str, columns: Sequence[str],
                    rows: Iterable[Sequence[Any]],
                    template: tuple[str, tuple[Any, ...]] | None = None) -> None:
        """Many rows per INSERT (see store.bulk_sql)."""
        assert isinstance(conn, sqlite3.Connection)
        insert_many(conn, table, columns, rows, template)

    @contextmanager
    def bulk_session(self, conn: Connection, *, rebuild_indexes: bool,
                     big_cache: bool = True) -> Iterator[None]:
        """A roomy page cache, and with `rebuild_indexes` the indexes built once at the end."""
        assert isinstance(conn, sqlite3.Connection)
        with roomy_cache(conn, enabled=big_cache), indexes_rebuilt_after(
                conn, ("deals", "activities"), drop=rebuild_indexes):
            yield

    def location_warning(self) -> str:
        """A warning when the file is on a network filesystem."""
        return self._warning


def open_file(path: str, *, full_check: bool | None) -> tuple[SqliteEngine, Opened]:
    """Open, check and migrate the pipeline file at `path` (see connection.open_connection)."""
    opened = open_connection(path, full_check=full_check)
    warning = network_warning(path) if path != ":memory:" else ""
    return SqliteEngine(path, uri=opened.uri, warning=warning), opened
