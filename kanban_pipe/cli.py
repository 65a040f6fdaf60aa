"""The `kanban-pipe` command: arguments, the pipeline file and user, errors and exit codes.

Textual is imported only when the board opens (see cli_commands._open_board), so the
scripting commands stay light.
"""

from __future__ import annotations

import argparse
import contextlib
import getpass
import os
import sqlite3
import sys
from typing import Any

from kanban_pipe import __version__, paths
from kanban_pipe import cli_output as out
from kanban_pipe.cli_commands import (
    FACTS,
    cmd_add,
    cmd_board,
    cmd_currency,
    cmd_delete,
    cmd_demo,
    cmd_done,
    cmd_edit,
    cmd_list,
    cmd_log,
    cmd_lost,
    cmd_move,
    cmd_next,
    cmd_pause,
    cmd_qualify,
    cmd_resume,
    cmd_show,
    cmd_stages,
    cmd_undo,
    cmd_won,
)
from kanban_pipe.domain.amounts import AMOUNT_FORMS_HELP
from kanban_pipe.domain.dates import DATE_FORMS_HELP
from kanban_pipe.domain.errors import InvalidInputError, KanbanPipeError
from kanban_pipe.domain.validation import clean_name
from kanban_pipe.store import open_store

_MAX_ID = 2**63 - 1  # SQLite's INTEGER range; larger ids would overflow the driver


def _deal_id(text: str) -> int:
    digits = text.strip().removeprefix("#")
    if not (digits.isascii() and digits.isdigit()) or int(digits) > _MAX_ID:
        raise argparse.ArgumentTypeError(f"a deal id is a number like 12 or #12, not {text!r}")
    return int(digits)


def _fact(text: str) -> str:
    return text.strip().lower().replace("_", "-")


def _count(text: str) -> int:
    if not (text.isascii() and text.isdigit()) or not 1 <= int(text) <= 1_000_000:
        raise argparse.ArgumentTypeError(f"expected a whole number from 1 to 1000000, not {text!r}")
    return int(text)


def _add_global_options(parser: argparse.ArgumentParser, *, default: object) -> None:
    # Each parser gets its own actions: shared `parents` actions share their default too,
    # so the top level's None would override a value given before the command.
    parser.add_argument("--db", metavar="PATH", default=default,
                        help="pipeline file (default: $KANBAN_PIPE_DB, else the user data dir)")
    parser.add_argument("--user", metavar="NAME", default=default,
                        help="who you are (default: $KANBAN_PIPE_USER, else the login name)")


def build_parser() -> argparse.ArgumentParser:
    """The argparse parser for every command."""
    parser = argparse.ArgumentParser(
        prog="kanban-pipe",
        description="A terminal kanban board for a sales pipeline. With no command it opens "
                    "the board.",
        epilog=f"Dates: {DATE_FORMS_HELP}. Amounts: {AMOUNT_FORMS_HELP}.",
    )
    _add_global_options(parser, default=None)
    parser.set_defaults(handler=cmd_board, parser=parser)
    parser.add_argument("--version", action="version", version=f"kanban-pipe {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    def sub(group: Any, name: str, handler: object, text: str,
            deal: bool = False) -> argparse.ArgumentParser:
        command = group.add_parser(name, help=text, description=text)
        # --db and --user also work after the command; SUPPRESS keeps the top-level value.
        _add_global_options(command, default=argparse.SUPPRESS)
        command.set_defaults(handler=handler, parser=command)
        if deal:
            command.add_argument("id", type=_deal_id, metavar="ID", help="deal id, e.g. 12")
        return command

    due_help = f"due date ({DATE_FORMS_HELP})"
    add = sub(commands, "add", cmd_add, "add a deal and print its id")
    add.add_argument("title", nargs="+", metavar="TITLE")
    for option in ("--org", "--contact", "--owner", "--source"):
        add.add_argument(option)
    add.add_argument("--value", help=f"amount ({AMOUNT_FORMS_HELP})")
    add.add_argument("--currency", help="three-letter code (default: the home currency)")
    add.add_argument("--stage", help="stage key, name or number (default: the first)")
    add.add_argument("--close", metavar="DATE", help="expected close date")
    add.add_argument("--next", metavar="ACTION", help="the next step")
    add.add_argument("--due", metavar="DATE", help=due_help)
    add.add_argument("--next-owner", metavar="NAME", help="who does the next step")
    move = sub(commands, "move", cmd_move, "move a deal to a stage, or `next` / `back`", True)
    move.add_argument("stage", metavar="STAGE|next|back")
    step = sub(commands, "next", cmd_next, "set a deal's next step", True)
    step.add_argument("action", nargs="+", metavar="ACTION")
    step.add_argument("--due", metavar="DATE", required=True, help=due_help)
    step.add_argument("--owner", metavar="NAME", help="who does it (default: you)")
    sub(commands, "done", cmd_done, "mark a deal's next step done", True)
    log = sub(commands, "log", cmd_log, "log a call, email, meeting or note", True)
    log.add_argument("--kind", required=True, choices=("call", "email", "meeting", "note"))
    log.add_argument("text", nargs="+", metavar="TEXT")
    sub(commands, "won", cmd_won, "close a deal as won", True)
    lost = sub(commands, "lost", cmd_lost, "close a deal as lost", True)
    lost.add_argument("--reason", required=True)
    pause = sub(commands, "pause", cmd_pause, "park a deal until a date", True)
    pause.add_argument("--until", metavar="DATE", required=True, help=due_help)
    sub(commands, "resume", cmd_resume, "bring a paused deal back", True)
    edit = sub(commands, "edit", cmd_edit, "change a deal's fields", True)
    for option in ("--title", "--org", "--contact", "--value", "--currency", "--owner",
                   "--source"):
        edit.add_argument(option)
    edit.add_argument("--close", metavar="DATE", help="expected close date, or `none`")
    qualify = sub(commands, "qualify", cmd_qualify, "set or clear qualification facts", True)
    for option in FACTS:
        qualify.add_argument(f"--{option}", action="store_true", help=f"{option} confirmed")
    qualify.add_argument("--clear", nargs="+", action="extend", type=_fact, choices=FACTS,
                         metavar="FACT", help="decision-maker, need or timeline to clear")
    sub(commands, "delete", cmd_delete, "delete a duplicate or mistake (undo restores)", True)
    sub(commands, "undo", cmd_undo, "undo your last change")
    listing = sub(commands, "list", cmd_list, "list deals")
    listing.add_argument("--stage")
    listing.add_argument("--owner")
    listing.add_argument("--status", default="open",
                         choices=("open", "won", "lost", "paused", "all"))
    listing.add_argument("--stale", action="store_true", help="only stale deals")
    listing.add_argument("--json", action="store_true", help="JSON for scripts")
    show = sub(commands, "show", cmd_show, "show a deal and its history", True)
    show.add_argument("--json", action="store_true", help="JSON for scripts")

    stages = sub(commands, "stages", cmd_stages, "list or configure stages")
    stage_commands = stages.add_subparsers(dest="stage_command", metavar="ACTION")
    stage_add = sub(stage_commands, "add", cmd_stages, "add a stage")
    stage_add.add_argument("name", nargs="+", metavar="NAME")
    stage_add.add_argument("--key")
    stage_add.add_argument("--position", type=int)
    stage_set = sub(stage_commands, "set", cmd_stages, "change a stage's settings")
    stage_set.add_argument("stage", metavar="STAGE")
    for target in (stage_add, stage_set):
        target.add_argument("--probability", type=int, help="win probability, 0-100")
        target.add_argument("--stale-after", type=int, metavar="DAYS")
        target.add_argument("--milestone", help="the customer event that ends the stage")
    stage_set.add_argument("--qualifies", type=_fact, choices=(*FACTS, "none"),
                           help="the fact confirming its milestone sets")
    stage_set.add_argument("--requires-qualification", action=argparse.BooleanOptionalAction)
    rename = sub(stage_commands, "rename", cmd_stages, "rename a stage (its key stays)")
    rename.add_argument("stage", metavar="STAGE")
    rename.add_argument("name", nargs="+", metavar="NAME")
    stage_move = sub(stage_commands, "move", cmd_stages, "put a stage at a position")
    stage_move.add_argument("stage", metavar="STAGE")
    stage_move.add_argument("position", type=int, metavar="POSITION")
    remove = sub(stage_commands, "remove", cmd_stages, "remove a stage that holds no deals")
    remove.add_argument("stage", metavar="STAGE")

    currency = sub(commands, "currency", cmd_currency, "show or set currencies")
    currency_commands = currency.add_subparsers(dest="currency_command", metavar="ACTION")
    rate = sub(currency_commands, "set", cmd_currency, "set an exchange rate")
    rate.add_argument("code", metavar="CODE")
    rate.add_argument("rate", metavar="RATE", help="home-currency units per unit of CODE")
    home = sub(currency_commands, "home", cmd_currency, "choose the home currency")
    home.add_argument("code", metavar="CODE")

    # Reports (standup, stats, review) and transfer (import, export, backup, check) keep
    # their commands in modules of their own, imported only when the full parser is built.
    from kanban_pipe import cli_reports, cli_transfer

    cli_reports.register(commands, sub)
    cli_transfer.register(commands, sub)

    demo = sub(commands, "demo", cmd_demo, "fill a demo pipeline and open the board")
    demo.add_argument("--deals", type=_count, default=200, metavar="N")
    demo.add_argument("--seed", type=int, default=1, metavar="S")
    demo.add_argument("--no-open", action="store_true", help="do not open the board")
    return parser


def _board_only(argv: list[str] | None) -> argparse.Namespace | None:
    """The arguments when they only open the board (at most --db and --user), else None.

    Opening the board is the common case, and building every command's parser imports
    the report and transfer modules (~40 ms of the board's start). A command, --help,
    --version, an abbreviation or a mistake goes to the full parser, as before.
    """
    parser = argparse.ArgumentParser(prog="kanban-pipe", add_help=False, allow_abbrev=False,
                                     exit_on_error=False)
    _add_global_options(parser, default=None)
    try:
        args, rest = parser.parse_known_args(argv)
    except argparse.ArgumentError:
        return None
    if rest:
        return None
    args.handler, args.parser, args.command = cmd_board, parser, None
    return args


# -- running ------------------------------------------------------------------------------

def _db_path(args: argparse.Namespace) -> str:
    chosen = args.db or os.environ.get("KANBAN_PIPE_DB")
    if chosen:
        # `--db=~/x.db` and a quoted "~" in KANBAN_PIPE_DB are not expanded by the shell.
        return os.path.expanduser(chosen)
    # Only the default location is created on first use; a typo in --db should not be.
    return str(paths.ensure_parent(paths.default_db_path()))


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
    if args.handler is cmd_demo:
        text = cmd_demo(args, _user(args))
    elif getattr(args, "file_handler", None) is not None:
        # Commands that must look at the file before (or instead of) opening it as a
        # pipeline, e.g. `check` on a damaged file, get its path and the user.
        text = args.file_handler(args, _db_path(args), _user(args))
    else:
        # The board checks the file page by page after its first frame (writes wait
        # for it); every other command checks it before doing anything.
        store = open_store(_db_path(args), user=_user(args),
                           defer_check=args.handler is cmd_board)
        if store.location_warning and args.handler is not cmd_board:  # the board shows it
            print(f"kanban-pipe: warning: {out.safe(store.location_warning)}", file=sys.stderr)
        try:
            text = args.handler(store, args)
        finally:
            store.close()
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
    try:
        return _run(_board_only(argv) or build_parser().parse_args(argv))
    except SystemExit as stop:  # argparse: --help (0) and bad usage (2)
        if stop.code is None:
            return 0
        return stop.code if isinstance(stop.code, int) else 2
    except KanbanPipeError as error:
        print(f"kanban-pipe: error: {out.safe(str(error))}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader (e.g. `| head`) went away: silence the flush Python tries at exit.
        with contextlib.suppress(OSError, ValueError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except (OSError, sqlite3.Error) as error:
        print(f"kanban-pipe: error: {out.safe(str(error))}", file=sys.stderr)
        return 1
