"""A throwaway PostgreSQL server for the tests: initdb into a folder, pg_ctl on a socket.

`python -m tests.pg_server start DIR` prints the URL to export as KANBAN_PIPE_TEST_PG
(.ci/run does this); `stop DIR` stops it. The test session starts one itself when no URL
is given and the server binaries are installed (Debian's `postgresql` package). initdb
refuses to run as root, so as root the server runs as the `postgres` user.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import sys
from pathlib import Path

SUPERUSER = "postgres"


def server_binaries() -> Path | None:
    """The folder of initdb and pg_ctl (the newest Debian version first), or None."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"),
                   key=lambda p: int(Path(p).parts[-3]) if Path(p).parts[-3].isdigit() else 0)
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def _as_server_user(command: list[str]) -> list[str]:
    """Run as `postgres` when we are root (initdb and the server refuse root)."""
    if os.geteuid() != 0:
        return command
    return ["runuser", "-u", SUPERUSER, "--", *command]


def url_for(folder: Path, database: str = "postgres") -> str:
    """The URL of the server in `folder` (its socket lives there; no password)."""
    port = (folder / "port").read_text().strip()
    return f"postgresql:///{database}?host={folder / 'socket'}&port={port}&user={SUPERUSER}"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start(folder: Path) -> str:
    """Create and start a server in `folder`; return its URL."""
    binaries = server_binaries()
    if binaries is None:
        raise RuntimeError("no PostgreSQL server binaries (apt-get install -y postgresql)")
    folder.mkdir(parents=True, exist_ok=True)
    data, sockets = folder / "data", folder / "socket"
    sockets.mkdir(exist_ok=True)
    if os.geteuid() == 0:
        owner = pwd.getpwnam(SUPERUSER)
        for path in (folder, sockets):
            os.chown(path, owner.pw_uid, owner.pw_gid)
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.PIPE, "text": True}
    if not (data / "PG_VERSION").exists():
        made = subprocess.run(_as_server_user([
            str(binaries / "initdb"), "-D", str(data), "-U", SUPERUSER, "-A", "trust",
            "-E", "UTF8", "--locale=C.UTF-8", "--no-sync"]), check=False, **quiet)
        if made.returncode:
            raise RuntimeError(f"initdb failed: {made.stderr.strip()}")
    # A local socket, and TCP on the loopback only (the README's localhost URLs).
    # A server started again keeps its port, so its URL stays the same.
    known = folder / "port"
    port = int(known.read_text()) if known.exists() else _free_port()
    known.write_text(str(port))
    options = (f"-k {sockets} -p {port} -c listen_addresses=127.0.0.1 -c fsync=off"
               " -c synchronous_commit=off -c full_page_writes=off -c max_connections=200")
    started = subprocess.run(_as_server_user([
        str(binaries / "pg_ctl"), "-D", str(data), "-o", options, "-l",
        str(folder / "server.log"), "-w", "-t", "60", "start"]), check=False, **quiet)
    if started.returncode:
        log = (folder / "server.log").read_text(errors="replace")[-2000:]
        raise RuntimeError(f"pg_ctl start failed: {started.stderr.strip()} {log}")
    return url_for(folder)


def restart(folder: Path) -> None:
    """Stop the server and start it again (fast shutdown: connections are cut)."""
    binaries = server_binaries()
    assert binaries is not None
    # Output to the log, not to pipes: the new server would hold them open for ever.
    subprocess.run(_as_server_user([str(binaries / "pg_ctl"), "-D", str(folder / "data"),
                                    "-m", "fast", "-l", str(folder / "server.log"), "-w",
                                    "restart"]),
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def stop(folder: Path) -> None:
    """Stop the server in `folder` (if it runs)."""
    binaries = server_binaries()
    if binaries is None or not (folder / "data").exists():
        return
    subprocess.run(_as_server_user([str(binaries / "pg_ctl"), "-D", str(folder / "data"),
                                    "-m", "fast", "-w", "stop"]),
                   check=False, capture_output=True)


if __name__ == "__main__":
    action, where = sys.argv[1], Path(sys.argv[2])
    if action == "start":
        print(start(where))
    elif action == "stop":
        stop(where)
    else:
        raise SystemExit(f"usage: python -m tests.pg_server start|stop DIR, not {action}")
