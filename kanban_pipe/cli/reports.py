"""Command-line commands for reports (registered into the main parser by cli.build_parser)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterator
from contextlib import closing
from typing import Any

from kanban_pipe.cli import stats
from kanban_pipe.cli.listing import DealCells
from kanban_pipe.cli.standup import (
    CHANGES_LISTED,
    SUMMARY_TOP,
    Item,
    last_review_words,
    write_standup_json,
    write_standup_markdown,
    write_standup_summary,
    write_standup_text,
)
from kanban_pipe.domain.listing import ListingRules
from kanban_pipe.domain.review import SINCE_FORMS_HELP, parse_since
from kanban_pipe.domain.validation import clean_name
from kanban_pipe.store import PipelineStore
from kanban_pipe.store.review import changes_since_last_review, last_review, review_stream

OWNER_HELP = "only this rep's deals (default: everyone, a team stand-up)"
SINCE_HELP = (f"what changed since when: {SINCE_FORMS_HELP} (default: the last recorded "
              "review, or the last 7 days without one)")
TOP_HELP = "only the N deals most at stake (value, then days late) of each queue"


def _top(text: str) -> int:
    """--top N: a whole number of deals, 1 or more."""
    if not text.strip().isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"--top takes a number of deals, 1 or more, not {text!r}")
    return int(text)


def _owner(args: argparse.Namespace) -> str | None:
    return clean_name(args.owner, "--owner") if args.owner is not None else None


def cmd_standup(store: PipelineStore, args: argparse.Namespace) -> None:
    """Print the review queues and the changes since the last review (records nothing)."""
    owner, today = _owner(args), store.today()
    since = parse_since(args.since, today)
    rules = ListingRules(store.reported_stages(), today)
    write = sys.stdout.write
    changes = (changes_since_last_review(store, owner=owner, shown=CHANGES_LISTED, since=since)
               if args.format != "json" else None)
    previous = (last_review(store, owner=owner)
                if changes is not None and not args.full else None)
    # Closed here, so the store's read ends before the store closes, also on errors.
    with closing(review_stream(store, today=today, owner=owner)) as queued:
        items: Iterator[Item] = ((queue, deal, rules.flags(deal), slip)
                                 for queue, deal, slip in queued)
        if args.top is not None and (args.full or changes is None):
            items = _top_of_each(items, args.top)
        if changes is None:
            write_standup_json(items, rules, write)
        elif not args.full:
            last = (last_review_words(previous.finished_at, previous.actor, previous.summary)
                    if previous is not None else None)
            write_standup_summary(items, changes, DealCells(rules), owner, last,
                                  args.top or SUMMARY_TOP, write,
                                  markdown=args.format == "markdown",
                                  pipeline=store.pipeline_label())
        else:
            render = write_standup_markdown if args.format == "markdown" else write_standup_text
            render(items, changes, DealCells(rules), owner, write,
                   pipeline=store.pipeline_label())


def _top_of_each(items: Iterator[Item], top: int) -> Iterator[Item]:
    """The first `top` items of each queue (they come in walk order), streamed."""
    taken: dict[Any, int] = {}
    for item in items:
        taken[item[0]] = taken.get(item[0], 0) + 1
        if taken[item[0]] <= top:
            yield item


def cmd_review(store: PipelineStore, args: argparse.Namespace) -> None:
    """Open the terminal UI straight into review mode; it quits when the review ends."""
    from kanban_pipe.ui.app import run_board  # imports Textual: only here

    parse_since(args.since, store.today())  # a bad --since is refused before the TUI opens
    run_board(store, start_in_review=True, review_owner=_owner(args), review_top=args.top,
              review_since=args.since)


def register(commands: Any, sub: Callable[..., Any]) -> None:
    """Add this module's commands to the parser's subcommand group."""
    review = sub(commands, "review", cmd_review,
                 "open review mode: walk the stand-up queue deal by deal")
    review.add_argument("--owner", metavar="NAME", help=OWNER_HELP)
    review.add_argument("--since", metavar="WHEN", default="", help=SINCE_HELP)
    review.add_argument("--top", metavar="N", type=_top, help=TOP_HELP)
    register_standup(commands, sub)
    stats.register_stats(commands, sub)


def register_standup(commands: Any, sub: Callable[..., Any]) -> None:
    """Add the `standup` command to the parser's subcommand group."""
    standup = sub(commands, "standup", cmd_standup,
                  "print the stand-up queues and what changed since the last review")
    standup.add_argument("--owner", metavar="NAME", help=OWNER_HELP)
    standup.add_argument("--since", metavar="WHEN", default="", help=SINCE_HELP)
    standup.add_argument("--format", choices=("text", "markdown", "json"), default="text",
                         help="text (default), markdown for a chat message, json for scripts")
    standup.add_argument("--full", action="store_true",
                         help="every deal of every queue as a table, and the latest changes "
                              "(default: a short summary for a chat message)")
    standup.add_argument("--top", metavar="N", type=_top,
                         help=f"deals per queue: the N most at stake (default: "
                              f"{SUMMARY_TOP} in the summary, every one with --full and json)")
