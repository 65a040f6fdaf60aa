"""What differs between the database engines behind the store, as one small interface.

The store's SQL is written once, in the subset both engines speak, with `?` and `:name`
placeholders; an engine supplies what cannot be shared: connecting, the transaction that
wraps every user action (with its retries), errors in a user's words, a read snapshot,
change detection for live boards, the integrity check, bulk inserts, and a few SQL
fragments (`Dialect`). SQLite (`sqlite_engine`) is the embedded default;
PostgreSQL (`kanban_pipe.store.postgres`) serves a team on many machines.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from kanban_pipe.domain.errors import KanbanPipeError

T = TypeVar("T")

SERVER_SCHEMES = ("postgresql://", "postgres://")


def is_server_url(target: str) -> bool:
    """True when `--db` names a PostgreSQL server rather than a file."""
    return target.strip().lower().startswith(SERVER_SCHEMES)


class Connection(Protocol):
    """The part of a DB-API connection the store uses (sqlite3's, or PostgreSQL's adapter).

    `execute` returns a DB-API cursor (fetchone, fetchall, fetchmany, rowcount,
    description, iteration); typed Any, as the two drivers' cursor types differ.
    """

    @property
    def in_transaction(self) -> bool:
        """True inside BEGIN ... COMMIT."""

    def execute(self, sql: str, params: Any = (), /) -> Any:
        """Run one statement with `?` or `:name` placeholders."""

    def executemany(self, sql: str, rows: Iterable[Any], /) -> Any:
        """Run one statement for each parameter row."""

    def close(self) -> None:
        """Close the connection."""


@dataclass(frozen=True, slots=True)
class Dialect:
    """SQL fragments that differ between the engines (everything else is shared).

    `json_item(column, key, index)`: the text at `$.key[index]` of a JSON column;
    `epoch(expression)`: a stored ISO timestamp as whole seconds since 1970;
    `id_list`: a subquery of the integers in a JSON array bound as one parameter;
    `stamp_from_epoch(expression)`: seconds since 1970 as a stored timestamp (UTC text);
    `day_shift(day, days)`: an ISO date (text) moved by a number of days, as ISO text;
    `history_columns`: the activity log keeps what a change says about a move and a status
    in columns of its own (store.stats reads those instead of the JSON);
    `sorts_ids_first`: a long sorted listing is faster sorting only ids and reading the
    rows by id, page by page (SQLite sorts whole rows), than sorting the rows themselves;
    `like`: the operator that matches a pattern ignoring case (SQLite's LIKE does);
    `first_by_id(select)`: the first :limit rows of a SELECT by id, as fast as the engine's
    planner allows (SQLite filters through an index and sorts the few rows; PostgreSQL's
    planner, sure that a LIMIT stops early, would walk the primary key through every deal);
    `no_index` / `fence`: planner hints only SQLite needs (a full scan is faster than
    an index there; a subquery kept apart, each expression computed once per row).
    """

    json_item: Callable[[str, str, int], str]
    epoch: Callable[[str], str]
    stamp_from_epoch: Callable[[str], str]
    day_shift: Callable[[str, str], str]
    like: str
    history_columns: bool
    sorts_ids_first: bool
    first_by_id: Callable[[str], str]
    id_list: str
    no_index: str
    fence: str
    indexed_by: Callable[[str], str]


class Engine(ABC):
    """One database engine behind the store (see the module docstring)."""

    #: "sqlite" or "postgresql"
    name: str
    #: the driver's error classes, turned into domain errors by storage_error
    errors: tuple[type[BaseException], ...]
    dialect: Dialect

    @property
    @abstractmethod
    def label(self) -> str:
        """How messages name the pipeline: the file's path, or the database and host
        (never a password)."""

    @property
    def short_label(self) -> str:
        """The label in short sentences ("x.db is busy"); the label itself by default."""
        return self.label

    @property
    @abstractmethod
    def short_name(self) -> str:
        """A name for the pipeline alone (a calendar's title): the file's, the database's."""

    @abstractmethod
    def storage_error(self, error: BaseException) -> KanbanPipeError:
        """A driver error in words a user can act on."""

    @abstractmethod
    def run_write(self, conn: Connection, work: Callable[[], T]) -> T:
        """Run `work` as one transaction, retrying what the engine says may be retried."""

    @abstractmethod
    def snapshot(self, conn: Connection) -> AbstractContextManager[None]:
        """A read transaction: every query inside sees the same committed state."""

    #: whether twin_snapshot can give a second connection the first one's snapshot
    shares_snapshots = False

    @contextmanager
    def twin_snapshot(self, conn: Connection, other: Connection | None) -> Iterator[bool]:
        """A read transaction on `conn` and, where this engine can prove it sees the same
        commits, one on `other`: yields whether `other` joined it (by default never, and
        `conn` reads alone)."""
        with self.snapshot(conn):
            yield False

    @abstractmethod
    def stream(self, conn: Connection, sql: str, *, size: int = 5000,
               params: Sequence[Any] | Mapping[str, Any] = ()
               ) -> Iterator[list[tuple[Any, ...]]]:
        """The rows of a big read in pages, without holding them all (inside a snapshot);
        `params` bound to `?` / `:name` placeholders."""

    @abstractmethod
    def data_version(self, conn: Connection) -> int:
        """A number that changes when another connection commits (cheap to poll)."""

    @abstractmethod
    def connect_again(self, *, read_only: bool) -> Connection:
        """A further connection to the same pipeline (the board's background reader)."""

    @abstractmethod
    def check_integrity(self) -> None:
        """The full integrity check; raise DamagedDatabaseError."""

    @abstractmethod
    def note_passed_check(self) -> None:
        """Remember that the full check passed now (where the engine keeps such notes)."""

    @abstractmethod
    def insert_rows(self, conn: Connection, table: str, columns: Sequence[str],
                    rows: Iterable[Sequence[Any]],
                    template: tuple[str, tuple[Any, ...]] | None = None) -> None:
        """Insert many rows fast, inside the caller's transaction.

        With a `template` (a SELECT list over the rows' values, named column1,
        column2, ..., with ?1, ?2, ... bound to the constants after it) each row carries
        only what differs, and the table's columns are computed from it.
        """

    @abstractmethod
    def bulk_session(self, conn: Connection, *, rebuild_indexes: bool, big_cache: bool = True
                     ) -> AbstractContextManager[None]:
        """Wrap a bulk load (inside its transaction) in what makes it fast on this engine:
        indexes built once at the end, and a cache big enough not to spill mid-way."""

    def location_warning(self) -> str:
        """Something the user should know about where the pipeline lives ('' if nothing)."""
        return ""

    def connection_problem(self) -> str:
        """Why the pipeline cannot be reached right now ('' while it can)."""
        return ""

    def close(self) -> None:  # noqa: B027 - most engines hold nothing more
        """Release what the engine holds beyond its connections (threads, listeners)."""
