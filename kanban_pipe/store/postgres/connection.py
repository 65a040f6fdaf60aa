"""Talking to a PostgreSQL server through psycopg 3: the connection the store uses, its
label, and server errors in a user's words.

The URL is libpq's (`postgresql://user@host:5432/sales?sslmode=require`); PGHOST, PGUSER,
~/.pgpass and `service=` names work as for psql, because libpq reads them itself. A
password in the URL is never shown: messages name the database and host only.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any

import psycopg
from psycopg import errors as pg_errors
from psycopg import pq
from psycopg.adapt import Loader
from psycopg.conninfo import conninfo_to_dict

from kanban_pipe.domain.errors import (
    DatabaseBusyError,
    DiskFullError,
    InvalidInputError,
    KanbanPipeError,
    ReadOnlyError,
    ServerUnavailableError,
    StorageError,
)
from kanban_pipe.store.postgres.sql import bind, translate

CONNECT_TIMEOUT_S = 5


class ServerAddress:
    """Where the pipeline lives on a server: the URL to connect with, and words for it."""

    def __init__(self, url: str) -> None:
        self.url = url.strip()
        try:
            self.parts = conninfo_to_dict(self.url)
        except psycopg.ProgrammingError as error:
            raise InvalidInputError(
                f"--db: cannot read the server address ({scrub(str(error), self)})") from None
        self.password = str(self.parts.get("password") or "")

    @property
    def label(self) -> str:
        """'sales on db.example.com': the database and host, as libpq will pick them."""
        if "service" in self.parts and "dbname" not in self.parts:
            return f"service {self.parts['service']}"
        database = (self.parts.get("dbname") or os.environ.get("PGDATABASE")
                    or self.parts.get("user") or os.environ.get("PGUSER") or "the database")
        host = self.parts.get("host") or os.environ.get("PGHOST") or "localhost"
        return f"{database} on {host}"


def scrub(text: str, address: ServerAddress | None) -> str:
    """`text` with the address's password (and the whole URL) taken out."""
    if address is None:
        return text
    if address.url:
        text = text.replace(address.url, "the server address")
    if address.password:
        text = text.replace(address.password, "***")
    return text


class _WholeNumbers(Loader):
    """numeric values that are whole as int: sum() over integer columns gives numeric on
    PostgreSQL and an integer on SQLite, and the store's callers expect the integer."""

    def load(self, data: Any) -> Any:
        value = Decimal(bytes(data).decode())
        return int(value) if value == value.to_integral_value() else value


def connect(address: ServerAddress, *, autocommit: bool = True) -> psycopg.Connection[Any]:
    """A psycopg connection, in autocommit mode (run_write begins its own transactions)."""
    try:
        conn = psycopg.connect(address.url, autocommit=autocommit,
                               connect_timeout=CONNECT_TIMEOUT_S,
                               application_name="kanban-pipe")
    except psycopg.Error as error:
        raise server_error(error, address) from None
    conn.adapters.register_loader("numeric", _WholeNumbers)
    return conn


class ServerConnection:
    """A server connection with the store's calling convention (see store.engine.Connection).

    Statements come with SQLite's placeholders and are translated once each. A connection
    the server dropped is made again before the next statement that starts a transaction
    or stands alone; one lost in the middle of a transaction fails that transaction.
    """

    def __init__(self, address: ServerAddress, *, on_connect: Any = None) -> None:
        self.address = address
        self._on_connect = on_connect
        self._raw: psycopg.Connection[Any] | None = None
        self.raw()

    def raw(self) -> psycopg.Connection[Any]:
        """The live psycopg connection, connecting again if the last one was lost."""
        if self._raw is None or self._raw.closed or self._raw.broken:
            if self._raw is not None:
                self._raw.close()
            self._raw = None
            self._raw = connect(self.address)
            if self._on_connect is not None:
                self._on_connect(self._raw)
        return self._raw

    @property
    def backend_pid(self) -> int:
        """The server process serving this connection (0 before it connects)."""
        return self._raw.info.backend_pid if self._raw is not None else 0

    @property
    def in_transaction(self) -> bool:
        """True inside BEGIN ... COMMIT."""
        if self._raw is None or self._raw.closed:
            return False
        return self._raw.info.transaction_status != pq.TransactionStatus.IDLE

    def execute(self, sql: str, params: Sequence[Any] | Mapping[str, Any] = ()
                ) -> psycopg.Cursor[Any]:
        """Run one statement (or, without parameters, a script of several).

        Outside a transaction, a connection the server dropped since (a restart, a network
        cut) is noticed on its first use: the statement runs once more on a new one.
        """
        if self.in_transaction:
            return self._run(self._raw, sql, params)  # type: ignore[arg-type]
        raw = self.raw()
        try:
            return self._run(raw, sql, params)
        except psycopg.OperationalError:
            if not raw.broken:
                raise
            return self._run(self.raw(), sql, params)

    @staticmethod
    def _run(raw: psycopg.Connection[Any], sql: str,
             params: Sequence[Any] | Mapping[str, Any]) -> psycopg.Cursor[Any]:
        if not params:
            return raw.execute(sql)  # our own SQL, not user text
        text, names = translate(sql)
        return raw.execute(text, bind(names, params))

    def executemany(self, sql: str, rows: Iterable[Sequence[Any] | Mapping[str, Any]]) -> None:
        """Run one statement per parameter row (psycopg sends them in a pipeline)."""
        raw = self._raw if self.in_transaction else self.raw()
        assert raw is not None
        text, names = translate(sql)
        with raw.cursor() as cursor:
            cursor.executemany(text, [bind(names, row) for row in rows])

    def close(self) -> None:
        """Close the connection."""
        if self._raw is not None:
            self._raw.close()


def server_error(error: BaseException, address: ServerAddress | None) -> KanbanPipeError:
    """A psycopg error in words a user can act on, naming the database and host only."""
    label = address.label if address else "the server"
    first = scrub(str(error).strip().splitlines()[0] if str(error).strip() else
                  type(error).__name__, address)
    if isinstance(error, pg_errors.InsufficientPrivilege):
        return ReadOnlyError(f"{label}: your database role may not do this ({first}); "
                             "nothing was saved")
    if isinstance(error, (pg_errors.SerializationFailure, pg_errors.DeadlockDetected,
                          pg_errors.LockNotAvailable)):
        return DatabaseBusyError(f"{label} is busy: other people are saving right now; "
                                 "nothing was changed, try again")
    if isinstance(error, (pg_errors.DiskFull, pg_errors.OutOfMemory)):
        return DiskFullError(f"the server of {label} is out of space: nothing was saved")
    if isinstance(error, pg_errors.ReadOnlySqlTransaction):
        return ReadOnlyError(f"{label} is read-only (a standby server?): nothing was saved")
    if isinstance(error, pg_errors.InvalidCatalogName):
        return ServerUnavailableError(f"{label}: the database does not exist ({first}); "
                                      "create it first (see `kanban-pipe server-sql`)")
    if isinstance(error, (pg_errors.InvalidPassword,
                          pg_errors.InvalidAuthorizationSpecification)):
        return ServerUnavailableError(f"cannot log in to {label}: {first}")
    if isinstance(error, psycopg.OperationalError) and "FATAL:" in str(error):
        # The server answered and refused: a role, a database, a password, pg_hba.conf.
        refusal = " ".join(str(error).split("FATAL:", 1)[1].split())
        return ServerUnavailableError(f"cannot connect to {label}: {scrub(refusal, address)}")
    if isinstance(error, psycopg.OperationalError) or getattr(error, "sqlstate", "") in (
            "57P01", "57P02", "57P03", "08000", "08003", "08006"):
        return ServerUnavailableError(f"cannot reach {label}: {first}; try again when the "
                                      "server is back")
    return StorageError(f"database error on {label}: {first}")
