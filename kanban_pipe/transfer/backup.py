"""Backing up a live pipeline with SQLite's backup API, and checking a file's health."""

from __future__ import annotations

import os
import sqlite3
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

from kanban_pipe.domain.errors import (
    DamagedDatabaseError,
    DiskFullError,
    InvalidInputError,
    NotAPipelineError,
    StorageError,
)
from kanban_pipe.store.connection import (
    BUSY_TIMEOUT_MS,
    SQLITE_HEADER,
    connect_read_only,
    storage_error,
)
from kanban_pipe.store.schema import APPLICATION_ID, SCHEMA_VERSION


@dataclass(frozen=True, slots=True)
class FileHealth:
    """What `check` found: where the file is, its schema and what it holds."""

    location: Path
    size: int
    journal_mode: str
    schema_version: int
    deals: int
    deleted_deals: int
    activities: int
    stages: int


_CHOOSE = "choose another file with --db"


def _foreign(path: Path) -> str:
    return (f"{path} is an SQLite database of another program, not a kanban-pipe pipeline; "
            f"{_CHOOSE}")


def _identify(path: Path) -> None:
    """Refuse a missing file, or one that is not a kanban-pipe pipeline, before opening it."""
    if not path.is_file():
        raise StorageError(f"no pipeline at {path}")
    with path.open("rb") as handle:
        head = handle.read(100)
    if not head.startswith(SQLITE_HEADER):
        raise NotAPipelineError(f"{path} is not a kanban-pipe database (it is not an SQLite "
                                f"file); {_CHOOSE}")
    # The application id sits at offset 68 of the header (big-endian), as PRAGMA reads it.
    if len(head) == 100 and int.from_bytes(head[68:72], "big") not in (0, APPLICATION_ID):
        _readable_header(path)  # noise over the header is damage, not another program
        raise NotAPipelineError(_foreign(path))


def _readable_header(path: Path) -> None:
    """Raise DamagedDatabaseError when SQLite cannot read the file's header.

    Opened immutable: no lock is taken and no -wal or -shm file is made next to what
    may be another program's database.
    """
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro&immutable=1", uri=True)
        try:
            conn.execute("SELECT application_id FROM pragma_application_id").fetchone()
        finally:
            conn.close()
    except sqlite3.Error as error:
        raise storage_error(error, str(path)) from None


def _read_only(path: Path) -> sqlite3.Connection:
    """A connection that cannot change the file: the damaged stay as they are."""
    return connect_read_only(str(path))[0]


def health(conn: sqlite3.Connection, path: Path) -> FileHealth:
    """Run the integrity and foreign-key checks, then count; raise DamagedDatabaseError."""
    findings = [row[0] for row in conn.execute("PRAGMA integrity_check(100)")]
    if findings != ["ok"]:
        real = [f for f in findings if not f.startswith("***")] or findings
        more = f" and {len(real) - 1} more" if len(real) > 1 else ""
        first = " ".join(real[0].split())[:200]
        raise DamagedDatabaseError(
            f"{path} is damaged: the integrity check found {first}{more}; restore it from a "
            "backup")
    broken = conn.execute("SELECT count(*) FROM pragma_foreign_key_check").fetchone()[0]
    if broken:
        raise DamagedDatabaseError(
            f"{path} is damaged: {broken} row(s) point at rows that do not exist; restore it "
            "from a backup")
    application_id, version, mode = conn.execute(
        "SELECT (SELECT application_id FROM pragma_application_id),"
        " (SELECT user_version FROM pragma_user_version),"
        " (SELECT journal_mode FROM pragma_journal_mode)").fetchone()
    if application_id != APPLICATION_ID:
        raise NotAPipelineError(_foreign(path))
    deals, deleted = conn.execute(
        "SELECT count(*), count(deleted_at) FROM deals").fetchone()
    activities = conn.execute("SELECT count(*) FROM activities").fetchone()[0]
    stages = conn.execute("SELECT count(*) FROM stages").fetchone()[0]
    return FileHealth(path.resolve(), path.stat().st_size, str(mode), int(version),
                      int(deals) - int(deleted), int(deleted), int(activities), int(stages))


def _tidy(path: Path, had_wal: bool) -> None:
    """Let SQLite remove the -wal and -shm files a read-only look had to create.

    A read-only connection cannot delete them; the last ordinary connection to close
    does, with SQLite's own locking. Only for a healthy file that had none before.
    """
    if had_wal or not Path(f"{path}-wal").exists():
        return
    try:
        conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_MS / 1000)
        try:
            conn.execute("SELECT count(*) FROM sqlite_schema").fetchone()
        finally:
            conn.close()
    except sqlite3.Error:
        pass  # someone else holds the file: their connection will tidy up instead


def check_file(db_path: str) -> FileHealth:
    """Check a pipeline file read-only (even a damaged one); raise if it is damaged."""
    path = Path(db_path).expanduser()
    _identify(path)
    had_wal = Path(f"{path}-wal").exists()
    try:
        conn = _read_only(path)
        try:
            found = health(conn, path)
        finally:
            conn.close()
    except sqlite3.Error as error:
        raise storage_error(error, str(path)) from None
    _tidy(path, had_wal)
    return found


def backup_file(db_path: str, target: str) -> tuple[Path, FileHealth]:
    """Copy the pipeline to `target` with SQLite's backup API and check the copy.

    The copy is one read transaction of the source, so it is consistent while others
    keep saving (a plain file copy of a WAL database can miss committed changes).
    """
    source = Path(db_path).expanduser()
    _identify(source)
    destination = Path(target).expanduser()
    if destination.is_dir():
        moment = datetime.now().strftime("%Y%m%d-%H%M%S")
        destination = destination / f"{source.stem}-{moment}{source.suffix or '.db'}"
    check_destination(source, destination, target)
    temporary = destination.with_name(f".{destination.name}.{os.getpid()}.tmp")
    had_wal = Path(f"{source}-wal").exists()
    try:
        reader = _read_only(source)
        copy = sqlite3.connect(str(temporary), isolation_level=None)
        try:
            reader.backup(copy)
            # A single self-contained file: no -wal beside it to lose when it is moved.
            copy.execute("PRAGMA journal_mode = DELETE")
            found = health(copy, temporary)
        finally:
            copy.close()
            reader.close()
        os.replace(temporary, destination)
    except sqlite3.Error as error:
        remove_copy(temporary)
        problem = storage_error(error, str(source))
        if isinstance(problem, DiskFullError):
            # Only the copy is written: it is the backup's disk that is full, not the
            # pipeline's, and nothing of the pipeline was changed.
            raise DiskFullError(f"the disk holding {destination} is full: no backup was "
                                "written") from None
        raise problem from None
    except DamagedDatabaseError as error:
        remove_copy(temporary)
        reason = str(error).split(": ", 1)[-1]
        raise DamagedDatabaseError(f"{source} is damaged, so no backup was written: "
                                   f"{reason}") from None
    except OSError:
        remove_copy(temporary)
        raise
    _tidy(source, had_wal)
    return destination, replace(found, location=destination.resolve(),
                                size=destination.stat().st_size)


def remove_copy(temporary: Path) -> None:
    """Remove an unfinished copy, and the rollback journal a failed write leaves beside it."""
    for leftover in (temporary, Path(f"{temporary}-journal")):
        leftover.unlink(missing_ok=True)


def check_destination(source: Path | None, destination: Path, target: str) -> None:
    """Refuse a backup into a missing folder, onto the pipeline itself, or over a file
    that is not an older backup."""
    if not destination.parent.is_dir():
        raise InvalidInputError(
            f"cannot write {target}: the folder {destination.parent} does not exist")
    if not destination.exists():
        return
    if source is not None and destination.resolve() == source.resolve():
        raise InvalidInputError(f"{target} is the pipeline itself; back up to another file")
    with destination.open("rb") as handle:
        head = handle.read(100)
    ours = head.startswith(SQLITE_HEADER) and int.from_bytes(head[68:72], "big") == APPLICATION_ID
    # Replacing an older backup is what a backup does; replacing anything else is a typo.
    if head and not ours:
        raise InvalidInputError(
            f"{target} exists and is not a kanban-pipe backup; choose another name")


# SQLite 3.51.3 fixed a rare WAL-reset race that can damage a file when two connections
# write and checkpoint at the same moment: a shared pipeline's everyday situation.
SAFE_SQLITE = (3, 51, 3)


def sqlite_words(version: str = sqlite3.sqlite_version) -> str:
    """The SQLite library in use, with a warning when it predates the WAL-reset fix."""
    numbers = tuple(int(part) for part in version.split(".")[:3] if part.isdigit())
    if numbers >= SAFE_SQLITE:
        return version
    safe = ".".join(map(str, SAFE_SQLITE))
    return (f"{version} (warning: older than {safe}, which fixes a rare damage when two "
            "people save at the same moment; the README's team set-up says how to get a "
            "newer one)")


def schema_words(version: int) -> str:
    """'1 (current)', '0 (older: upgraded when next opened)' or '2 (newer than ...)'."""
    if version == SCHEMA_VERSION:
        return f"{version} (current)"
    if version < SCHEMA_VERSION:
        return f"{version} (older: upgraded when kanban-pipe next opens it)"
    return f"{version} (newer than this kanban-pipe, which knows {SCHEMA_VERSION})"
