"""Running `kanban-pipe`: the pipeline file and user, opening the store, errors and exit codes.

Textual is imported only when the board opens (see cli.board._open_board), so the
scripting commands stay light.
"""

from __future__ import annotations

import argparse
import contextlib
import getpass
import os
import sqlite3
import sys

from kanban_pipe import paths
from kanban_pipe.cli import output as out
from kanban_pipe.cli.board import cmd_board, cmd_demo
from kanban_pipe.cli.inputs import READ_ONLY_REASON
from kanban_pipe.cli.parser import (
    ALONE,
    add_global_options,
    add_read_only_option,
    build_parser,
)
from kanban_pipe.domain.errors import InvalidInputError, KanbanPipeError, StaleVersionError
from kanban_pipe.domain.validation import clean_name
from kanban_pipe.store import open_store


def _board_only(argv: list[str] | None) -> argparse.Namespace | None:
    """The arguments when they only open the board (--db, --user, --pipeline, --read-only),
    else None.

    Opening the board is the common case, and building every command's parser imports
    the report and transfer modules (~40 ms of the board's start). A command, --help,
    --version, an abbreviation or a mistake goes to the full parser, as before.
    """
    parser = argparse.ArgumentParser(prog="kanban-pipe", add_help=False, allow_abbrev=False,
                                     exit_on_error=False)
    add_global_options(parser, default=None)
    add_read_only_option(parser)
    try:
        args, rest = parser.parse_known_args(argv)
    except argparse.ArgumentError:
        return None
    if rest:
        return None
    args.handler, args.parser, args.command = cmd_board, parser, None
    return args


def _alone(argv: list[str] | None) -> argparse.Namespace | None:
    """The arguments of `due` or `stats`, parsed without building every other command's
    parser (see build_parser's `only`).

    `due` runs on every shell prompt, and building the full parser imports the transfer
    and report modules (~45 ms of CPU, a tenth of `stats --json` at 100,000 deals). Any
    other command, or a mistake before the command, returns None: the full parser.
    """
    parser = argparse.ArgumentParser(prog="kanban-pipe", add_help=False, allow_abbrev=False,
                                     exit_on_error=False)
    add_global_options(parser, default=None)
    add_read_only_option(parser)
    try:
        _args, rest = parser.parse_known_args(argv)
    except argparse.ArgumentError:
        return None
    if not rest or rest[0] not in ALONE:
        return None
    return build_parser(only=rest[0]).parse_args(argv)


# -- running ------------------------------------------------------------------------------

def _db_path(args: argparse.Namespace, *, create_folder: bool = True) -> str:
    chosen = args.db or os.environ.get("KANBAN_PIPE_DB")
    if chosen:
        # `--db=~/x.db` and a quoted "~" in KANBAN_PIPE_DB are not expanded by the shell.
        return os.path.expanduser(chosen)
    # Only the default location is created on first use; a typo in --db should not be.
    # A command that may end up writing nothing (import) creates it itself, when it writes.
    default = paths.default_db_path()
    return str(paths.ensure_parent(default) if create_folder else default)


def _user(args: argparse.Namespace) -> str:
    # An empty variable counts as unset, as shells make it easy to export one by accident.
    name = args.user or os.environ.get("KANBAN_PIPE_USER") or None
    if name is None:
        try:
            name = getpass.getuser()
        except (OSError, KeyError):  # no login name in some containers
            name = "me"
    return clean_name(name or "me", "--user")


def _check_text(args: argparse.Namespace) -> None:
    """Refuse arguments that are not valid text (undecodable bytes in argv)."""
    for value in vars(args).values():
        for text in value if isinstance(value, list) else [value]:
            if isinstance(text, str):
                try:
                    text.encode("utf-8")
                except UnicodeEncodeError:
                    raise InvalidInputError(
                        f"{out.safe(ascii(text))} is not valid UTF-8 text") from None


def _run(args: argparse.Namespace) -> int:
    _check_text(args)
    text: str | out.Outcome | None
    if args.handler is cmd_demo:
        text = cmd_demo(args, _user(args))
    elif getattr(args, "file_handler", None) is not None:
        # Commands that must look at the file before (or instead of) opening it as a
        # pipeline, e.g. `check` on a damaged file, get its path and the user.
        late = getattr(args, "creates_file_late", False)
        text = args.file_handler(args, _db_path(args, create_folder=not late), _user(args))
    else:
        # The board checks the file page by page after its first frame (writes wait
        # for it); every other command checks it before doing anything.
        store = open_store(_db_path(args), user=_user(args),
                           defer_check=args.handler is cmd_board,
                           read_only=READ_ONLY_REASON if getattr(args, "read_only", False)
                           else "")
        if store.location_warning and args.handler is not cmd_board:  # the board shows it
            print(f"kanban-pipe: warning: {out.safe(store.location_warning)}", file=sys.stderr)
        try:
            if getattr(args, "pipeline", None):
                store.use_pipeline(args.pipeline)
            text = args.handler(store, args)
        finally:
            store.close()
    if isinstance(text, out.Outcome):  # a command whose exit code means something
        if text.text is not None:
            print(text.text)
        return text.code
    if text is not None:
        print(text)
    return 0


def _tolerate_encoding() -> None:
    # A terminal that cannot show '→' or a customer's name should get an escape, not a crash.
    for stream in (sys.stdout, sys.stderr):
        encoding = (getattr(stream, "encoding", None) or "").lower().replace("-", "")
        reconfigure = getattr(stream, "reconfigure", None)
        if encoding != "utf8" and reconfigure is not None:
            reconfigure(errors="backslashreplace")


def main(argv: list[str] | None = None) -> int:
    """Run kanban-pipe with `argv` (default: the process arguments); return the exit code."""
    _tolerate_encoding()
    failed = 1  # the exit code of an error; `due` uses 2, as its 1 means "something is due"
    try:
        args = _board_only(argv) or _alone(argv) or build_parser().parse_args(argv)
        failed = getattr(args, "error_code", 1)
        return _run(args)
    except SystemExit as stop:  # argparse: --help (0) and bad usage (2)
        if stop.code is None:
            return 0
        return stop.code if isinstance(stop.code, int) else 2
    except KanbanPipeError as error:
        # A deal saved by someone else meanwhile: the same command, run again, may work.
        again = "; run the command again" if isinstance(error, StaleVersionError) else ""
        print(f"kanban-pipe: error: {out.safe(str(error))}{again}", file=sys.stderr)
        return failed
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader (e.g. `| head`) went away: silence the flush Python tries at exit.
        with contextlib.suppress(OSError, ValueError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except (OSError, sqlite3.Error) as error:
        print(f"kanban-pipe: error: {out.safe(str(error))}", file=sys.stderr)
        return failed
