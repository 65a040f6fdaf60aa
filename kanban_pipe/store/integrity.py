"""When a pipeline file is checked page by page, and the cheap checks made on every open.

SQLite's own `quick_check` reads the whole file: 1-2 s at 100,000 deals with history, far
too much for a command a shell prompt or a script loop runs. Like the tools people trust
with their data (git's `fsck` on demand, PostgreSQL's checksums on read), every open makes
the cheap checks (header, application id, schema version, a file as long as its header
says) and the full check runs when it is worth its cost:

- `kanban-pipe check`, always (an `integrity_check`, with foreign keys);
- the board, always, after its first frame (writes wait for it);
- any command opening a file that ended uncleanly: a non-empty `-wal` that no live
  connection holds (a writer killed, a machine that lost power);
- any command when the last full check recorded in the file is more than a day old,
  or when none is recorded.

A page damaged in between is also met by SQLite itself when a command reads or writes
it: the action is then refused with the same one-line reason, and rolled back.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import sqlite3
import struct
import time
from pathlib import Path

from kanban_pipe.domain.errors import DamagedDatabaseError

# How long a full check is trusted before the next open repeats it.
CHECK_TRUSTED_SECONDS = 24 * 60 * 60
CHECKED_SETTING = "integrity_checked_at"

# Every connection to a WAL database holds a shared lock on this byte of the -shm file
# (SQLite's os_unix.c: UNIX_SHM_DMS, the "dead man switch" at (22 + 8) * 4 + 8).
_SHM_DMS_BYTE = 128
# struct flock on Linux: short l_type, short l_whence, off_t l_start, off_t l_len,
# pid_t l_pid (with the padding the C compiler puts in).
_FLOCK = "hhxxxxqqi4x"


def quick_check(conn: sqlite3.Connection, path: str) -> None:
    """SQLite's page-by-page check; raise DamagedDatabaseError with its first finding."""
    result = conn.execute("PRAGMA quick_check(1)").fetchone()[0]
    if result != "ok":
        # The report can span many lines ("*** in database main ***\nPage 3: ...");
        # the error is one line, so keep its first real finding.
        findings = [line for line in result.splitlines() if not line.startswith("***")]
        finding = " ".join((findings[0] if findings else result).split())[:200]
        raise DamagedDatabaseError(f"{path} is damaged ({finding}); restore it from a backup")


def check_length(path: str) -> None:
    """Refuse a file shorter than its header says (cut off by a copy or a full disk).

    Only meaningful without a -wal file: pages written since the last checkpoint may
    live in the WAL alone.
    """
    if _wal_size(path):
        return
    try:
        with open(path, "rb") as handle:
            header = handle.read(100)
            size = os.fstat(handle.fileno()).st_size
    except OSError:
        return
    if len(header) < 100:
        return  # an empty file, or one SQLite itself refuses when it reads the header
    page_size = int.from_bytes(header[16:18], "big")
    page_size = 65536 if page_size == 1 else page_size
    pages = int.from_bytes(header[28:32], "big")
    # The in-header size is valid only when it was written with the current change counter.
    valid = header[24:28] == header[92:96] and pages > 0
    if valid and size < pages * page_size:
        raise DamagedDatabaseError(
            f"{path} is damaged (it is cut off: {size // page_size} of {pages} pages); "
            "restore it from a backup")


def _wal_size(path: str) -> int:
    try:
        return os.stat(f"{path}-wal").st_size
    except OSError:
        return 0


def ended_uncleanly(path: str, *, opened_here: bool) -> bool:
    """True when a writer left a -wal behind and no connection holds the file any more.

    The last connection to close cleanly checkpoints the WAL and deletes it; one killed
    leaves it for the next to recover. `opened_here` must say whether this process has
    the file open already: POSIX locks are per process, so closing the -shm file we look
    at would drop SQLite's own locks on it, and our own connection proves it is alive.
    """
    if opened_here or not _wal_size(path):
        return False
    get_lock = getattr(fcntl, "F_OFD_GETLK", None)
    if get_lock is None:
        return False  # not Linux: the daily check covers it
    try:
        fd = os.open(f"{path}-shm", os.O_RDONLY)
    except OSError:
        return True  # a WAL without its index: nobody has it open
    try:
        probe = struct.pack(_FLOCK, fcntl.F_WRLCK, os.SEEK_SET, _SHM_DMS_BYTE, 1, 0)
        answer = fcntl.fcntl(fd, get_lock, probe)
    except OSError:
        return False
    finally:
        os.close(fd)
    return struct.unpack(_FLOCK, answer)[0] == fcntl.F_UNLCK


def check_due(conn: sqlite3.Connection) -> bool:
    """True when no full check is recorded in the file, or the last is over a day old."""
    try:
        row = conn.execute("SELECT value FROM settings WHERE key = ?",
                           (CHECKED_SETTING,)).fetchone()
    except sqlite3.OperationalError:
        return True  # no settings table yet: a file being upgraded is checked anyway
    if row is None:
        return True
    try:
        checked = float(row[0])
    except ValueError:
        return True
    # A clock set back makes a record from "the future": beyond a few minutes of drift
    # between the machines of a team, it is not trusted either.
    return not -300 <= time.time() - checked < CHECK_TRUSTED_SECONDS


def record_check(conn: sqlite3.Connection, *, busy_timeout_ms: int) -> None:
    """Note in the file that it passed a full check now (best effort: skipped if busy).

    Wall-clock seconds, not the store's clock: tests and demos run on fixed clocks, and
    the point is how long ago the bytes were last read, not a business date.
    """
    with contextlib.suppress(sqlite3.Error):
        conn.execute("PRAGMA busy_timeout = 50")
        try:
            conn.execute(
                "INSERT INTO settings (key, value) VALUES (?, ?)"
                " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (CHECKED_SETTING, f"{time.time():.0f}"))
        finally:
            conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")


class TrackedConnection(sqlite3.Connection):
    """An sqlite3 connection that this process counts as holding its file (see
    ended_uncleanly); one never closed stays counted, which only skips that test."""

    def __init__(self, *args: object, tracked_path: str = "", **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.tracked_path = _key(tracked_path) if tracked_path else ""
        if self.tracked_path:
            _OPEN[self.tracked_path] = _OPEN.get(self.tracked_path, 0) + 1

    def close(self) -> None:
        """Close, and stop counting the file as open here."""
        super().close()
        if self.tracked_path:
            left = _OPEN.get(self.tracked_path, 0) - 1
            if left > 0:
                _OPEN[self.tracked_path] = left
            else:
                _OPEN.pop(self.tracked_path, None)
            self.tracked_path = ""


def opened_in_this_process(path: str) -> bool:
    """True when this process holds a connection to `path` (see ended_uncleanly)."""
    return _key(path) in _OPEN


_OPEN: dict[str, int] = {}


def _key(path: str) -> str:
    return str(Path(path).resolve())
