"""Where a pipeline file lives: can we write it, is it a shared group folder, is it remote."""

from __future__ import annotations

import os
import stat
from pathlib import Path

# Filesystems whose locking SQLite cannot rely on (its docs: "SQLite Over a Network").
NETWORK_FILESYSTEMS = frozenset({
    "nfs", "nfs4", "cifs", "smb3", "smbfs", "ncpfs", "afs", "9p", "ceph", "glusterfs",
    "lustre", "gpfs", "fuse.sshfs", "fuse.glusterfs", "fuse.rclone", "davfs", "fuse.davfs",
})
MOUNTINFO = "/proc/self/mountinfo"


def write_obstacle(path: str | Path) -> str:
    """Why this process cannot save to the pipeline at `path` ('' when it can).

    SQLite reports both cases as "attempt to write a readonly database"; the user needs
    to know which one to fix.
    """
    file = Path(path).resolve()
    folder = file.parent
    if not os.access(folder, os.W_OK | os.X_OK):
        return (f"the folder {folder} is not writable, and SQLite keeps its -wal and -shm "
                "files beside the pipeline")
    if file.exists() and not os.access(file, os.W_OK):
        return "you have no write permission on the file"
    return ""


def is_shared_group_folder(folder: str | Path) -> bool:
    """True for a setgid folder: files made in it belong to the folder's group (a team's)."""
    try:
        return bool(os.stat(folder).st_mode & stat.S_ISGID)
    except OSError:
        return False


def create_shared_file(path: str | Path) -> bool:
    """Create an empty pipeline file, group-writable when its folder is a shared group folder.

    SQLite gives the -wal and -shm files the mode of the database file, so one
    group-writable file is enough for a teammate to save. Returns True when it made the file.
    """
    file = Path(path)
    if file.exists() or not is_shared_group_folder(file.parent):
        return False
    try:
        fd = os.open(file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    except FileExistsError:  # another process made it first
        return False
    try:
        # The umask (022 for most logins) took the group's write bit away: give it back.
        os.fchmod(fd, stat.S_IMODE(os.fstat(fd).st_mode) | stat.S_IRGRP | stat.S_IWGRP)
    finally:
        os.close(fd)
    return True


def filesystem_type(path: str | Path, mountinfo: str | None = None) -> str:
    """The type of the filesystem holding `path` (e.g. ext4, nfs4), or '' if unknown."""
    if mountinfo is None:
        try:
            mountinfo = Path(MOUNTINFO).read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""
    target = str(Path(path).resolve())
    best, kind = "", ""
    for line in mountinfo.splitlines():
        # "36 35 98:0 /root /mnt rw,noatime master:1 - ext3 /dev/root rw": the fields
        # before " - " vary in number, the mount point is the fifth.
        left, sep, right = line.partition(" - ")
        fields = left.split()
        if not sep or len(fields) < 5 or not right.split():
            continue
        point = _unescape(fields[4])
        inside = target == point or target.startswith(point.rstrip("/") + "/")
        if inside and len(point) >= len(best):
            best, kind = point, right.split()[0]
    return kind


def network_warning(path: str | Path, mountinfo: str | None = None) -> str:
    """A warning when `path` is on a network filesystem ('' when it is local or unknown)."""
    kind = filesystem_type(Path(path).parent, mountinfo)
    if kind not in NETWORK_FILESYSTEMS:
        return ""
    return (f"{Path(path).name} is on a network filesystem ({kind}), where SQLite's locking "
            "cannot be trusted and simultaneous saves can damage it; keep the pipeline on a "
            "local disk of the team host")


def _unescape(text: str) -> str:
    # mountinfo writes space, tab, newline and backslash in paths as octal escapes.
    for code in ("040", "011", "012", "134"):
        text = text.replace("\\" + code, chr(int(code, 8)))
    return text
