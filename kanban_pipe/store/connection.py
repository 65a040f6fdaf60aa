"""Opening a pipeline file safely: refuse foreign, newer or damaged files, then migrate."""

from __future__ import annotations

import functools
import os
import random
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar, cast
from urllib.parse import quote

from kanban_pipe.domain.errors import (
    DamagedDatabaseError,
    DatabaseBusyError,
    DiskFullError,
    KanbanPipeError,
    NewerSchemaError,
    NotAPipelineError,
    ReadOnlyError,
    StorageError,
)
from kanban_pipe.store.filesystem import create_shared_file, write_obstacle
from kanban_pipe.store.integrity import (
    TrackedConnection,
    check_due,
    check_length,
    ended_uncleanly,
    opened_in_this_process,
    quick_check,
    record_check,
)
from kanban_pipe.store.schema import APPLICATION_ID, SCHEMA_VERSION, migrate

BUSY_TIMEOUT_MS = 5000
BUSY_RETRIES = 4
SQLITE_HEADER = b"SQLite format 3\x00"

T = TypeVar("T")


def storage_error(error: sqlite3.Error, path: str) -> KanbanPipeError:
    """Turn an sqlite3 error into a domain error with words a user can act on."""
    text = str(error).lower()
    name = Path(path).name
    if "locked" in text or "busy" in text:
        return DatabaseBusyError(
            f"{name} is busy: other people are saving right now; nothing was changed, try again"
        )
    if "readonly" in text or "read-only" in text:
        obstacle = write_obstacle(path) if path != ":memory:" else ""
        return ReadOnlyError(
            f"{name} is read-only ({obstacle or 'SQLite may not write it here'}): "
            "nothing was saved"
        )
    if "full" in text or ("disk i/o" in text and _disk_full(path)):
        # With no room for its -shm file SQLite only says "disk I/O error".
        return DiskFullError(f"the disk holding {name} is full: nothing was saved; free some "
                             "space and try again")
    if "malformed" in text or "not a database" in text or "corrupt" in text:
        return DamagedDatabaseError(
            f"{path} is damaged ({error}); restore it from a backup"
        )
    if "unable to open" in text:
        return ReadOnlyError(f"cannot open {path}: the file or its folder is not accessible")
    return StorageError(f"database error on {name}: {error}")


def _disk_full(path: str) -> bool:
    """True when the folder of `path` has (next to) no room left."""
    try:
        room = os.statvfs(Path(path).resolve().parent)
    except OSError:
        return False
    return room.f_bavail * room.f_frsize < 64 * 1024


def connect(target: str, *, uri: bool = False, path: str | None = None) -> sqlite3.Connection:
    """A connection in manual transaction mode, usable from a worker thread under a lock.

    `target` is a path, or with `uri=True` a `file:` URI (see read_only_uri) of `path`.
    Memory-mapped I/O stays off (it is off unless asked for; said here so nobody asks):
    with mmap, a rare WAL-reset race between two checkpointing writers, fixed in SQLite
    3.51.3, becomes lasting damage instead of a failed read.
    """
    file = path if path is not None else ("" if uri or target == ":memory:" else target)
    conn = sqlite3.connect(
        target, isolation_level=None, check_same_thread=False,
        timeout=BUSY_TIMEOUT_MS / 1000, uri=uri,
        factory=cast("type[TrackedConnection]",
                     functools.partial(TrackedConnection, tracked_path=file)),
    )
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA mmap_size = 0")
    return conn


def _check_header(path: str) -> None:
    """Refuse a non-empty file that is not SQLite before SQLite touches it."""
    try:
        with open(path, "rb") as handle:
            head = handle.read(len(SQLITE_HEADER))
    except FileNotFoundError:
        return
    except OSError as error:
        raise ReadOnlyError(f"cannot read {path}: {error.strerror}") from error
    if head and head != SQLITE_HEADER:
        raise NotAPipelineError(
            f"{path} is not a kanban-pipe database (it is not an SQLite file); "
            "choose another file with --db"
        )


def _check_identity(conn: sqlite3.Connection, path: str, *, full_check: bool = True,
                    migrate_allowed: bool = True) -> bool:
    """Refuse foreign, newer or damaged files; return True when the file is brand new.

    `full_check=False` skips SQLite's page-by-page check of an up-to-date file (see
    store.integrity for when it runs); a file that needs a migration is always checked
    before anything is written to it.
    """
    # One statement, so one snapshot: read separately, another process could finish
    # creating the file in between (id still 0, tables already there) and we'd refuse it.
    application_id, user_version, tables = conn.execute(
        "SELECT (SELECT application_id FROM pragma_application_id),"
        " (SELECT user_version FROM pragma_user_version),"
        " (SELECT count(*) FROM sqlite_schema)"
    ).fetchone()
    if application_id != APPLICATION_ID and (application_id != 0 or tables or user_version):
        raise NotAPipelineError(
            f"{path} is an SQLite database of another program, not a kanban-pipe pipeline; "
            "choose another file with --db"
        )
    if user_version > SCHEMA_VERSION:
        raise NewerSchemaError(
            f"{path} was written by a newer kanban-pipe (schema {user_version}, this program "
            f"knows {SCHEMA_VERSION}); upgrade kanban-pipe to open it"
        )
    if tables and user_version < SCHEMA_VERSION and not migrate_allowed:
        raise ReadOnlyError(
            f"{path} must be upgraded to this kanban-pipe's format first, and it is "
            "read-only here; open it once as a user who may write it"
        )
    if tables and (full_check or user_version < SCHEMA_VERSION):
        quick_check(conn, path)
    return tables == 0


def read_only_uri(path: str, *, immutable: bool = False) -> str:
    """A `file:` URI that opens `path` for reading only (never creating or writing it).

    `immutable` also skips locking and the -shm file: the only way to read a WAL file in
    a folder where SQLite cannot create that file (changes made meanwhile go unseen).
    """
    uri = f"file:{quote(str(Path(path).resolve()))}?mode=ro"
    return uri + "&immutable=1" if immutable else uri


def check_integrity(path: str, uri: str | None = None) -> None:
    """Run SQLite's quick check on its own read-only connection; raise if damaged."""
    try:
        conn = connect(uri, uri=True, path=path) if uri else connect_read_only(path)[0]
    except sqlite3.Error as error:
        raise storage_error(error, path) from error
    try:
        quick_check(conn, path)
    except sqlite3.Error as error:
        raise storage_error(error, path) from error
    finally:
        conn.close()


@dataclass(frozen=True)
class Opened:
    """An open, checked pipeline connection; `read_only` says why it cannot save ('' if it can)."""

    conn: sqlite3.Connection
    read_only: str = ""
    uri: str | None = None  # how to open more connections to it, when not by plain path


def open_connection(path: str, *, full_check: bool | None = None) -> Opened:
    """Open, check and migrate `path`: writable if we may, otherwise read-only with the reason.

    `full_check` True or False says whether SQLite's page-by-page check runs; None leaves
    it to the policy of store.integrity (an unclean end, or no check within a day).
    """
    _check_header(path)
    obstacle = ""
    unclean = False
    if path != ":memory:":
        folder = Path(path).resolve().parent
        if not folder.is_dir():
            raise StorageError(f"cannot create {path}: the folder {folder} does not exist")
        obstacle = write_obstacle(path)
        if obstacle and not Path(path).exists():
            raise ReadOnlyError(f"cannot create {path}: {obstacle}; choose another folder")
        check_length(path)
        # Before our own connection exists: afterwards it holds the file itself.
        unclean = ended_uncleanly(path, opened_here=opened_in_this_process(path))
        if obstacle:
            return _open_read_only(path, obstacle, full_check=full_check, unclean=unclean)
        create_shared_file(path)
    try:
        conn = connect(path)
    except sqlite3.Error as error:
        raise storage_error(error, path) from error
    with _closed_on_failure(conn, path):
        full = _full_check_wanted(conn, full_check, unclean)
        new = _check_identity(conn, path, full_check=full)
        try:
            _enable_wal(conn)
            # Only take the write lock when a migration is due: an up-to-date file opens
            # without waiting on other writers (migrate re-checks the version under the lock).
            if conn.execute("PRAGMA user_version").fetchone()[0] < SCHEMA_VERSION:
                run_write(conn, path, lambda: migrate(conn))
        except ReadOnlyError:
            # Permissions looked fine but SQLite still cannot write (a read-only mount, a
            # file flag): a file that needs no migration can still be read.
            if conn.execute("PRAGMA user_version").fetchone()[0] != SCHEMA_VERSION:
                raise
            return Opened(conn, "SQLite may not write it here (a read-only disk?)")
        if full and not new:
            record_check(conn, busy_timeout_ms=BUSY_TIMEOUT_MS)
        return Opened(conn)


def _full_check_wanted(conn: sqlite3.Connection, asked: bool | None, unclean: bool) -> bool:
    """Whether this open runs the page-by-page check (see store.integrity)."""
    if asked is not None:
        return asked
    return unclean or check_due(conn)


def record_passed_check(path: str, uri: str | None = None) -> None:
    """Note in the file that it passed a full check (for the board's deferred one)."""
    if uri:
        return  # opened read-only: nothing can be noted
    try:
        conn = connect(path)
    except sqlite3.Error:
        return
    try:
        record_check(conn, busy_timeout_ms=BUSY_TIMEOUT_MS)
    finally:
        conn.close()


@contextmanager
def _closed_on_failure(conn: sqlite3.Connection, path: str) -> Iterator[None]:
    """Close `conn` if opening fails, and turn sqlite3 errors into words."""
    try:
        yield
    except sqlite3.Error as error:
        conn.close()
        raise storage_error(error, path) from error
    except KanbanPipeError:
        conn.close()
        raise


def connect_read_only(path: str) -> tuple[sqlite3.Connection, str]:
    """A connection that can only read `path`, and the URI that made it.

    Tries a normal read-only open first (it sees other people's saves), then an immutable
    one for a folder where SQLite cannot create the -shm file it needs for reading.
    """
    failure: sqlite3.Error | None = None
    for immutable in (False, True):
        uri = read_only_uri(path, immutable=immutable)
        try:
            conn = connect(uri, uri=True, path=path)
        except sqlite3.Error as error:
            failure = error
            continue
        try:
            conn.execute("SELECT count(*) FROM sqlite_schema").fetchone()
        except sqlite3.Error as error:
            conn.close()
            failure = error
            continue
        return conn, uri
    assert failure is not None
    raise failure


def _open_read_only(path: str, obstacle: str, *, full_check: bool | None,
                    unclean: bool) -> Opened:
    """Open a file this process may not write, for reading; `obstacle` says why."""
    try:
        conn, uri = connect_read_only(path)
    except sqlite3.Error as error:
        raise storage_error(error, path) from error
    with _closed_on_failure(conn, path):
        full = _full_check_wanted(conn, full_check, unclean)
        if _check_identity(conn, path, full_check=full, migrate_allowed=False):
            raise ReadOnlyError(f"{path} is empty and read-only: there is no pipeline in it "
                                "to show")
    return Opened(conn, obstacle, uri)


def _enable_wal(conn: sqlite3.Connection) -> None:
    """Switch to WAL, retrying with jitter while other processes create the same file.

    The switch needs an exclusive lock and SQLite answers SQLITE_BUSY at once, without
    the busy timeout, while another connection is creating the file.
    """
    for attempt in range(BUSY_RETRIES * 4 + 1):
        try:
            conn.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as error:
            if not _is_busy(error) or attempt == BUSY_RETRIES * 4:
                raise
            time.sleep(random.uniform(0.01, 0.05) * (attempt + 1))


def run_write(conn: sqlite3.Connection, path: str, work: Callable[[], T]) -> T:
    """Run `work` in one BEGIN IMMEDIATE transaction, retrying a busy database with jitter.

    sqlite-utils' `atomic()` begins a deferred transaction, which fails with SQLITE_BUSY
    (not waiting on the busy timeout) when it later needs the write lock under contention;
    BEGIN IMMEDIATE takes the write lock first, so the busy timeout applies.
    """
    for attempt in range(BUSY_RETRIES + 1):
        try:
            conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as error:
            if _is_busy(error) and attempt < BUSY_RETRIES:
                time.sleep(random.uniform(0.05, 0.25) * (attempt + 1))
                continue
            raise storage_error(error, path) from error
        try:
            result = work()
            conn.execute("COMMIT")
            return result
        except BaseException as error:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            busy = isinstance(error, sqlite3.OperationalError) and _is_busy(error)
            if busy and attempt < BUSY_RETRIES:
                time.sleep(random.uniform(0.05, 0.25) * (attempt + 1))
                continue
            # Every sqlite3 error, IntegrityError included (e.g. a stage another terminal
            # just removed), leaves as a domain error: callers never see a raw traceback.
            if isinstance(error, sqlite3.Error):
                raise storage_error(error, path) from error
            raise
    raise DatabaseBusyError(f"{Path(path).name} stayed busy; nothing was changed, try again")


def _is_busy(error: sqlite3.OperationalError) -> bool:
    text = str(error).lower()
    return "locked" in text or "busy" in text
