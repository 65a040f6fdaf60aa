"""The argparse parser of every `kanban-pipe` command and its argument types."""

from __future__ import annotations

import argparse
from typing import Any

from kanban_pipe import __version__
from kanban_pipe.cli.board import cmd_board, cmd_demo
from kanban_pipe.cli.config import cmd_currency, cmd_lost_reasons, cmd_stages
from kanban_pipe.cli.deals import (
    cmd_add,
    cmd_delete,
    cmd_done,
    cmd_edit,
    cmd_log,
    cmd_lost,
    cmd_move,
    cmd_next,
    cmd_pause,
    cmd_qualify,
    cmd_resume,
    cmd_undo,
    cmd_won,
)
from kanban_pipe.cli.inputs import FACTS
from kanban_pipe.cli.reading import cmd_list, cmd_show
from kanban_pipe.domain.amounts import AMOUNT_FORMS_HELP
from kanban_pipe.domain.dates import DATE_FORMS_HELP

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


def _limit(text: str) -> int:
    if not (text.isascii() and text.isdigit()) or not 1 <= int(text) <= _MAX_ID:
        raise argparse.ArgumentTypeError(f"expected a whole number of 1 or more, not {text!r}")
    return int(text)


# `list --sort`, as store.listing.LIST_ORDERS names them (that module loads only for `list`).
LIST_SORTS = ("stage", "urgency", "value", "close", "days", "id")


def add_global_options(parser: argparse.ArgumentParser, *, default: object) -> None:
    """Add --db, --user and --pipeline to `parser` (each parser gets its own, see below)."""
    # Each parser gets its own actions: shared `parents` actions share their default too,
    # so the top level's None would override a value given before the command.
    parser.add_argument("--db", metavar="DB", default=default,
                        help="the pipeline: a file, or a postgresql:// URL (default: "
                             "$KANBAN_PIPE_DB, else a file in the user data dir)")
    parser.add_argument("--user", metavar="NAME", default=default,
                        help="who you are (default: $KANBAN_PIPE_USER, else the login name)")
    parser.add_argument("--pipeline", metavar="NAME", default=default,
                        help="one pipeline of the file, by name, key or number, or `all` "
                             "(default: the board shows the first; reports and lists cover "
                             "all)")


def add_read_only_option(parser: argparse.ArgumentParser) -> None:
    """Add --read-only (top level only: it opens the pipeline so for any command)."""
    parser.add_argument("--read-only", action="store_true",
                        help="open the pipeline read-only: look, change nothing (a wall "
                             "screen)")


# Commands cli.run parses with a parser of their own (build_parser's `only`).
ALONE = ("due", "stats", "standup")


def build_parser(*, only: str | None = None) -> argparse.ArgumentParser:
    """The argparse parser for every command; with `only` (one of ALONE), for that command
    alone.

    `due` runs on every shell prompt, `stats` and `standup` have time budgets, and building the
    parsers of the report and transfer commands imports their modules (~45 ms): cli.run
    parses them with a parser of their own (the same subparser, so the same options, help
    and errors).
    """
    parser = argparse.ArgumentParser(
        prog="kanban-pipe",
        description="A terminal kanban board for a sales pipeline. With no command it opens "
                    "the board.",
        epilog=f"Dates: {DATE_FORMS_HELP}. Amounts: {AMOUNT_FORMS_HELP}.",
    )
    add_global_options(parser, default=None)
    add_read_only_option(parser)
    parser.set_defaults(handler=cmd_board, parser=parser)
    parser.add_argument("--version", action="version", version=f"kanban-pipe {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    def sub(group: Any, name: str, handler: object, text: str,
            deal: bool = False) -> argparse.ArgumentParser:
        command = group.add_parser(name, help=text, description=text)
        # --db and --user also work after the command; SUPPRESS keeps the top-level value.
        add_global_options(command, default=argparse.SUPPRESS)
        command.set_defaults(handler=handler, parser=command)
        if deal:
            command.add_argument("id", type=_deal_id, metavar="ID", help="deal id, e.g. 12")
        return command

    if only == "due":
        from kanban_pipe.cli import due

        due.register(commands, sub)
        return parser
    if only == "stats":
        from kanban_pipe.cli import stats

        stats.register_stats(commands, sub)
        return parser
    if only == "standup":
        from kanban_pipe.cli import reports

        reports.register_standup(commands, sub)
        return parser
    due_help = f"due date ({DATE_FORMS_HELP})"
    add = sub(commands, "add", cmd_add, "add a deal and print its id")
    add.add_argument("title", nargs="+", metavar="TITLE")
    for option in ("--org", "--contact", "--owner", "--source"):
        add.add_argument(option)
    add.add_argument("--value", help=f"amount ({AMOUNT_FORMS_HELP}); without it the deal has"
                     " no value (shown as —, apart from 0)")
    add.add_argument("--currency", help="three-letter code (default: the home currency)")
    add.add_argument("--stage", help="stage key, name or number (default: the first)")
    add.add_argument("--close", metavar="DATE", help="expected close date")
    add.add_argument("--next", metavar="ACTION", help="the next step")
    add.add_argument("--due", metavar="DATE", help=due_help)
    add.add_argument("--next-owner", metavar="NAME", help="who does the next step")
    move = sub(commands, "move", cmd_move, "move a deal to a stage, or `next` / `back`", True)
    move.add_argument("stage", metavar="STAGE|next|back")
    move.add_argument("--confirm", action="append", nargs="?", const="", metavar="MILESTONE",
                      help="confirm the milestone a forward move claims (it happened): alone "
                           "for one, else once per milestone by name (or the stage it "
                           "ends), or `all`")
    move.add_argument("--reason", help="why, kept in the history (for a move back: what is "
                                       "missing, e.g. 'no decision maker')")
    step = sub(commands, "next", cmd_next, "set a deal's next step", True)
    step.add_argument("action", nargs="+", metavar="ACTION")
    step.add_argument("--due", metavar="DATE",
                      help=f"{due_help}; optional, as on the board, but a date makes it a "
                           "commitment")
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
    pause.add_argument("--reason", help="why it waits, kept in the history")
    sub(commands, "resume", cmd_resume, "bring a paused deal back", True)
    edit = sub(commands, "edit", cmd_edit, "change a deal's fields", True)
    for option in ("--title", "--org", "--contact", "--value", "--currency", "--owner",
                   "--source"):
        edit.add_argument(option, help=f"amount ({AMOUNT_FORMS_HELP}), or `none` for no value"
                          if option == "--value" else None)
    edit.add_argument("--close", metavar="DATE", help="expected close date, or `none`")
    edit.add_argument("--category", metavar="CALL",
                      help="forecast category: pipeline, best-case, commit or omitted (1-4), "
                           "or `stage` for the stage's default")
    edit.add_argument("--probability", metavar="PERCENT",
                      help="the deal's own win probability, 0-100, or `stage` for the "
                           "stage's (used in every weighted figure)")
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
                         choices=("open", "won", "lost", "paused", "all"),
                         help="open (the default) includes paused deals whose resume date "
                              "has come, as the board and the statistics count them")
    listing.add_argument("--stale", action="store_true", help="only stale deals")
    listing.add_argument("--unqualified", action="store_true",
                         help="only open deals in a stage that needs qualification without "
                              "decision maker, need or timeline (the clean-up list: move them "
                              "back or pause them; `/is:unqualified` on the board)")
    listing.add_argument("--search", metavar="TEXT",
                         help="only deals with TEXT in the title, organization, contact or "
                              "owner (as / on the board)")
    listing.add_argument("--sort", default="stage", choices=LIST_SORTS, metavar="ORDER",
                         help="stage (the board's columns, then id; the default), or as the "
                              "board's S over the whole list: urgency, value (largest first), "
                              "close (soonest first), days (longest in stage first); or id")
    listing.add_argument("--limit", type=_limit, metavar="N", help="at most N deals")
    listing.add_argument("--format", default="table", choices=("table", "json", "jsonl", "csv"),
                         help="table (default), json, jsonl (a deal per line) or csv")
    listing.add_argument("--json", dest="format", action="store_const", const="json",
                         help="JSON for scripts (--format json)")
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

    reasons = sub(commands, "lost-reasons", cmd_lost_reasons,
                  "show or change the lost reasons offered when a deal is lost")
    reason_commands = reasons.add_subparsers(dest="reasons_command", metavar="ACTION")
    for action, text in (("add", "offer one more reason"),
                         ("remove", "stop offering a reason (lost deals keep theirs)")):
        sub(reason_commands, action, cmd_lost_reasons, text).add_argument(
            "reason", nargs="+", metavar="REASON")
    sub(reason_commands, "reset", cmd_lost_reasons, "back to the reasons offered at first")

    # Reports (standup, stats, review) and transfer (import, export, backup, check) keep
    # their commands in modules of their own, imported only when the full parser is built.
    # The same for the team server (copy, server-sql) and reach (due, calendar, serve):
    # psycopg, icalendar and textual-serve are imported only when their command runs.
    from kanban_pipe.cli import (
        calendar,
        due,
        pipelines,
        reports,
        serve,
        server,
        targets,
        transfer,
    )

    pipelines.register(commands, sub)
    reports.register(commands, sub)
    targets.register(commands, sub)
    transfer.register(commands, sub)
    server.register(commands, sub)
    due.register(commands, sub)
    calendar.register(commands, sub)
    serve.register(commands, sub)

    demo = sub(commands, "demo", cmd_demo, "fill a demo pipeline and open the board")
    demo.add_argument("--deals", type=_count, default=200, metavar="N")
    demo.add_argument("--seed", type=int, default=1, metavar="S")
    demo.add_argument("--no-open", action="store_true", help="do not open the board")
    return parser
