"""The server engine: a pipeline in a PostgreSQL database, for reps on many machines.

Writers take one transaction-scoped advisory lock before anything else, so the server
runs the pipeline's saves one after another, as SQLite does a file's: each statement
then reads what the previous save committed (READ COMMITTED), activity ids follow commit
order (the stand-up's "changes since" and live boards read the log by id), and the
version check (`UPDATE ... WHERE version = ?`) still guards against anyone else.
Deadlocks and serialization failures, from other programs' transactions, are retried
with jitter. Reads that must agree with each other run in one REPEATABLE READ snapshot.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any, TypeVar

import psycopg
from psycopg import errors as pg_errors

from kanban_pipe.domain.errors import DamagedDatabaseError, DatabaseBusyError, KanbanPipeError
from kanban_pipe.store.engine import Connection, Dialect, Engine
from kanban_pipe.store.postgres.connection import ServerAddress, ServerConnection, server_error
from kanban_pipe.store.postgres.notify import ChangeListener
from kanban_pipe.store.postgres.schema import missing_parts
from kanban_pipe.store.postgres.sql import bind, translate

T = TypeVar("T")

RETRIES = 6
# The advisory lock every writing transaction of a pipeline takes first: 'KPIP' and the
# pipeline's schema (two pipelines in one database do not wait for each other).
WRITE_LOCK_SQL = "SELECT pg_advisory_xact_lock(1263553872, hashtext(current_schema()))"

POSTGRES_DIALECT = Dialect(
    json_item=lambda column, key, index: f"({column}::jsonb #>> '{{{key},{index}}}')",
    epoch=lambda expression: f"kanban_pipe_epoch({expression})",
    stamp_from_epoch=lambda expression: f"kanban_pipe_stamp({expression})",
    day_shift=lambda day, days: f"to_char(CAST({day} AS date) + ({days}), 'YYYY-MM-DD')",
    like="ILIKE",
    history_columns=True,
    sorts_ids_first=False,
    # The subquery is planned for its filter alone (OFFSET 0 keeps it apart); the few rows
    # it finds are then sorted.
    first_by_id=lambda select: (
        f"SELECT * FROM ({select} OFFSET 0) slice ORDER BY id LIMIT :limit"),
    id_list="SELECT CAST(value AS BIGINT) FROM jsonb_array_elements_text(CAST(? AS jsonb))",
    no_index="",
    # OFFSET 0 keeps a subquery from being merged into the outer query, as LIMIT -1 does
    # in SQLite.
    fence="OFFSET 0",
    indexed_by=lambda name: "",
)

# Tables whose id column is an identity: rows copied or bulk-loaded with their own ids
# move the identity past them.
_IDENTITY_TABLES = frozenset({"deals", "activities", "reviews"})
_PG_TYPES = {bool: "integer", int: "bigint", float: "double precision", str: "text"}


class PostgresEngine(Engine):
    """A pipeline on a PostgreSQL server (see the module docstring)."""

    name = "postgresql"
    errors = (psycopg.Error,)
    dialect = POSTGRES_DIALECT

    def __init__(self, address: ServerAddress, schema: str) -> None:
        self.address = address
        self.schema = schema
        self._sessions: set[int] = set()
        self._listener: ChangeListener | None = None
        self._listener_lock = threading.Lock()

    @property
    def label(self) -> str:
        """'sales on db.example.com'."""
        return self.address.label

    @property
    def short_name(self) -> str:
        """The database's name."""
        return self.address.label.split(" on ", 1)[0]

    def storage_error(self, error: BaseException) -> KanbanPipeError:
        """A server error in words (see connection.server_error)."""
        return server_error(error, self.address)

    def connection(self) -> ServerConnection:
        """A new connection to the pipeline's database, known as one of ours."""
        conn = ServerConnection(self.address, on_connect=self._joined)
        return conn

    def _joined(self, raw: psycopg.Connection[Any]) -> None:
        # Our own sessions' notices are not news to the board that made them.
        self._sessions.add(raw.info.backend_pid)

    def run_write(self, conn: Connection, work: Callable[[], T]) -> T:
        """One transaction under the pipeline's write lock, retried on deadlock."""
        for attempt in range(RETRIES + 1):
            try:
                conn.execute("BEGIN")
                conn.execute(WRITE_LOCK_SQL)
                result = work()
                conn.execute("COMMIT")
                return result
            except BaseException as error:
                self._roll_back(conn)
                retry = isinstance(error, (pg_errors.SerializationFailure,
                                           pg_errors.DeadlockDetected))
                if retry and attempt < RETRIES:
                    time.sleep(random.uniform(0.02, 0.1) * (attempt + 1))
                    continue
                if isinstance(error, psycopg.Error):
                    raise server_error(error, self.address) from error
                raise
        raise DatabaseBusyError(f"{self.label} stayed busy; nothing was changed, try again")

    @staticmethod
    def _roll_back(conn: Connection) -> None:
        try:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
        except psycopg.Error:
            pass  # a connection that is gone has rolled back on the server already

    @contextmanager
    def snapshot(self, conn: Connection) -> Iterator[None]:
        """A REPEATABLE READ, READ ONLY transaction: one view of the pipeline throughout."""
        began = not conn.in_transaction
        try:
            if began:
                conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            yield
            if began:
                conn.execute("COMMIT")
        except psycopg.Error as error:
            raise server_error(error, self.address) from error
        finally:
            if began:
                self._roll_back(conn)

    def stream(self, conn: Connection, sql: str, *, size: int = 5000,
               params: Sequence[Any] | Mapping[str, Any] = ()
               ) -> Iterator[list[tuple[Any, ...]]]:
        """A server-side cursor: the server sends `size` rows at a time."""
        assert isinstance(conn, ServerConnection)
        with conn.raw().cursor(name="kanban_pipe_stream") as cursor:
            cursor.itersize = size
            if params:
                text, names = translate(sql)
                cursor.execute(text, bind(names, params))
            else:
                cursor.execute(sql)  # our own SQL
            while page := cursor.fetchmany(size):
                yield page

    def data_version(self, conn: Connection) -> int:
        """Other sessions' committed changes, counted by the listening thread (no query)."""
        return self._listening().version

    def connection_problem(self) -> str:
        """Why the server cannot be reached right now ('' while it can)."""
        listener = self._listener
        return listener.problem if listener is not None else ""

    def _listening(self) -> ChangeListener:
        with self._listener_lock:
            if self._listener is None:
                self._listener = ChangeListener(self.address, self.schema,
                                                lambda: self._sessions)
                self._listener.start()
            return self._listener

    def connect_again(self, *, read_only: bool) -> Connection:
        """Another connection to the pipeline's database."""
        return self.connection()

    def check_integrity(self) -> None:
        """The server keeps its own pages; check that the pipeline's schema is whole."""
        conn = self.connection()
        try:
            missing = missing_parts(conn)
        except psycopg.Error as error:
            raise server_error(error, self.address) from error
        finally:
            conn.close()
        if missing:
            raise DamagedDatabaseError(
                f"{self.label} is missing parts of its kanban-pipe schema"
                f" ({', '.join(missing)}); restore it from a backup")

    def note_passed_check(self) -> None:
        """Nothing to note: a server is checked on every open."""

    def insert_rows(self, conn: Connection, table: str, columns: Sequence[str],
                    rows: Iterable[Sequence[Any]],
                    template: tuple[str, tuple[Any, ...]] | None = None) -> None:
        """COPY the rows in (through a temporary table when a template computes them)."""
        assert isinstance(conn, ServerConnection)
        raw = conn.raw()
        if template is None:
            with raw.cursor() as cursor, cursor.copy(
                    f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            self._insert_computed(raw, table, columns, list(rows), template)
        if "id" in columns and table in _IDENTITY_TABLES:
            raw.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'),"
                        f" (SELECT max(id) FROM {table}))")

    @staticmethod
    def _insert_computed(raw: psycopg.Connection[Any], table: str, columns: Sequence[str],
                         rows: list[Sequence[Any]],
                         template: tuple[str, tuple[Any, ...]]) -> None:
        if not rows:
            return
        width = len(rows[0])
        kinds = []
        for index in range(width):
            sample = next((row[index] for row in rows if row[index] is not None), None)
            kinds.append(_PG_TYPES.get(type(sample), "text"))
        staging = "kanban_pipe_rows"
        raw.execute(f"CREATE TEMP TABLE {staging} ("
                    + ", ".join(f"column{i + 1} {kind}" for i, kind in enumerate(kinds))
                    + ") ON COMMIT DROP")
        try:
            with raw.cursor() as cursor, cursor.copy(f"COPY {staging} FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            select, constants = template
            text, names = translate(f"INSERT INTO {table} ({', '.join(columns)})"
                                    f" SELECT {select} FROM {staging}")
            raw.execute(text, bind(names, constants) if constants else None)
        finally:
            raw.execute(f"DROP TABLE IF EXISTS {staging}")

    @contextmanager
    def bulk_session(self, conn: Connection, *, rebuild_indexes: bool,
                     big_cache: bool = True) -> Iterator[None]:
        """Nothing to set up: the server sizes its own memory."""
        yield

    def close(self) -> None:
        """Stop listening for changes."""
        if self._listener is not None:
            self._listener.stop()
