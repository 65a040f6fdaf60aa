"""`kanban-pipe serve`: the board in a web browser, through textual-serve.

Each browser tab gets its own board process (`python -m kanban_pipe --db … --user …`) on
the same pipeline file, so the live refresh works between tabs and terminals alike. The
web server itself (and every import of textual-serve and aiohttp) is in cli.web, loaded
only when serving starts.
"""

from __future__ import annotations

import argparse
import ipaddress
import shlex
import socket
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from kanban_pipe.cli import output as out
from kanban_pipe.cli.inputs import READ_ONLY_REASON
from kanban_pipe.domain.errors import InvalidInputError
from kanban_pipe.store import PipelineStore

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000
README_SECTION = "the README's \"The board in a browser\""


def register(commands: Any, sub: Callable[..., Any]) -> None:
    """Add `serve` to the parser's subcommand group."""
    serve = sub(commands, "serve", cmd_serve,
                "serve the board in a web browser (each tab its own board)")
    serve.epilog = (f"It listens on {DEFAULT_HOST} unless --host says otherwise. "
                    "textual-serve has no login: every tab's board acts as --user (you, by "
                    "default), so put it behind SSH port forwarding or a reverse proxy with "
                    "authentication to share it.")
    serve.add_argument("--host", default=DEFAULT_HOST,
                       help=f"address to listen on (default {DEFAULT_HOST}, this machine only)")
    serve.add_argument("--port", type=_port, default=DEFAULT_PORT,
                       help=f"port to listen on (default {DEFAULT_PORT})")
    serve.add_argument("--public-url", metavar="URL",
                       help="the address browsers open, behind a reverse proxy "
                            "(e.g. https://pipeline.example.com)")
    # SUPPRESS: `kanban-pipe --read-only serve` means the same and must not be undone.
    serve.add_argument("--read-only", action="store_true", default=argparse.SUPPRESS,
                       help="serve a look-only board: no tab can change the pipeline")
    serve.add_argument("--calendar", action="store_true",
                       help="also serve the next steps at /calendar.ics (?owner=NAME for one "
                            "rep's) for a calendar subscription")


def _port(text: str) -> int:
    if not (text.isascii() and text.isdigit()) or not 1 <= int(text) <= 65535:
        raise argparse.ArgumentTypeError(f"a port is a number from 1 to 65535, not {text!r}")
    return int(text)


def is_loopback(host: str) -> bool:
    """True when `host` is reachable from this machine only."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def public_url(host: str, port: int) -> str:
    """The address browsers use when nobody gave --public-url."""
    name = host.strip("[]")
    if name in ("", "0.0.0.0", "::"):  # every interface: the machine's name is the best guess
        name = socket.gethostname()
    elif ":" in name:
        name = f"[{name}]"  # an IPv6 address in a URL
    return f"http://{name}:{port}"


def board_command(db_path: str, user: str, *, read_only: bool,
                  pipeline: str | None = None) -> str:
    """The shell command textual-serve runs for each browser tab: this Python's board (on
    the pipeline asked for, by its key)."""
    words = [sys.executable, "-m", "kanban_pipe", "--db", str(Path(db_path).resolve()),
             "--user", user]
    if pipeline:
        words += ["--pipeline", pipeline]
    if read_only:
        words.append("--read-only")
    # textual-serve runs it through a shell; `exec` lets the board be the process it
    # starts and stops, with no shell in between.
    return "exec " + shlex.join(words)


def exposure_warning(host: str, *, read_only: bool) -> str:
    """What to say when the board is served beyond this machine."""
    can = "see the pipeline" if read_only else "see and change the pipeline"
    return (f"serving on {host}, not only this machine: anyone who can reach it can {can}, "
            f"because textual-serve has no login of its own. Prefer the default "
            f"{DEFAULT_HOST} with SSH port forwarding, or a reverse proxy with "
            f"authentication ({README_SECTION} shows both)")


def cmd_serve(store: PipelineStore, args: argparse.Namespace) -> str | None:
    """Serve the board until Ctrl+C (the store was opened, and so checked, by the caller)."""
    read_only = bool(getattr(args, "read_only", False))
    url = (args.public_url or public_url(args.host, args.port)).rstrip("/")
    check_address(args.host, args.port)
    if not is_loopback(args.host):
        print(f"kanban-pipe: warning: {exposure_warning(args.host, read_only=read_only)}",
              file=sys.stderr)
    from kanban_pipe.cli.web import BoardServer  # imports textual-serve: only here

    shown = out.safe(store.path)
    # A file this user may not write is served read-only all the same: each tab's board
    # finds that out for itself and says why in its banner.
    looks = f" (read-only: {out.safe(store.read_only_reason)})" if store.read_only else ""
    lines = [f"kanban-pipe: serving the board of {shown} at {url}/{looks} as "
             f"{out.safe(store.user)}"]
    if args.calendar:
        lines.append(f"kanban-pipe: next steps for a calendar at {url}/calendar.ics")
    lines.append("kanban-pipe: Ctrl+C stops")
    server = BoardServer(
        board_command(store.path, store.user, read_only=read_only, pipeline=store.pipeline),
        host=args.host, port=args.port, public_url=url, title=f"kanban-pipe: {shown}",
        announce="\n".join(lines),
        calendar=_calendar_source(store.path, store.user) if args.calendar else None,
    )
    server.serve()
    return None


def check_address(host: str, port: int) -> None:
    """Refuse, in one line, an address this machine cannot listen on (a port in use, an
    address not its own) before saying it serves there: textual-serve starts listening
    only after its start-up, where that is said."""
    try:
        found = socket.getaddrinfo(host or None, port, type=socket.SOCK_STREAM,
                                   flags=socket.AI_PASSIVE)
        for family, kind, protocol, _name, address in found:
            with socket.socket(family, kind, protocol) as probe:
                # As aiohttp listens: a port left in TIME_WAIT by a last run is free.
                probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                probe.bind(address)
    except OSError as error:
        raise InvalidInputError(f"cannot serve on {host}:{port}: "
                                f"{error.strerror or error}") from None


def _calendar_source(db_path: str, user: str) -> Callable[[str | None], bytes]:
    """Make the calendar for a request: its own read-only store each time (in a thread),
    so a file restored or replaced meanwhile is read as it is now."""

    def make(owner: str | None) -> bytes:
        from kanban_pipe.cli.calendar import calendar_bytes
        from kanban_pipe.domain.validation import clean_name
        from kanban_pipe.store import open_store

        who = clean_name(owner, "owner") if owner is not None else None
        store = open_store(db_path, user=user, read_only=READ_ONLY_REASON)
        try:
            return calendar_bytes(store, owner=who)[0]
        finally:
            store.close()

    return make
