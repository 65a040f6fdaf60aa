"""`kanban-pipe targets`: what the team and each rep are to win per month or quarter."""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from typing import Any

from kanban_pipe.cli import output as out
from kanban_pipe.cli.inputs import amount
from kanban_pipe.domain.amounts import format_amount, format_decimal
from kanban_pipe.domain.models import Target
from kanban_pipe.store import PipelineStore

PERIOD_HELP = ("a month (2026-12, dec, dec 2027, this-month, next-month) or a quarter "
               "(2026-Q4, q1, this-quarter, next-quarter)")
OWNER_HELP = "one rep's target (default: the team's)"


def register(commands: Any, sub: Callable[..., Any]) -> None:
    """Add `targets` and its actions to the parser's subcommand group."""
    targets = sub(commands, "targets", cmd_targets,
                  "list or set the targets the forecast call is measured against")
    targets.add_argument("--json", action="store_true", help="JSON for scripts")
    actions = targets.add_subparsers(dest="targets_command", metavar="ACTION")
    setting = sub(actions, "set", cmd_targets, "set (or replace) a month's or quarter's target")
    setting.add_argument("period", metavar="PERIOD", help=PERIOD_HELP)
    setting.add_argument("amount", metavar="AMOUNT", help="to win, e.g. 120k (home currency)")
    setting.add_argument("--owner", metavar="NAME", default="", help=OWNER_HELP)
    removing = sub(actions, "remove", cmd_targets, "remove a target")
    removing.add_argument("period", metavar="PERIOD", help=PERIOD_HELP)
    removing.add_argument("--owner", metavar="NAME", default="", help=OWNER_HELP)


def _whose(target: Target) -> str:
    return out.safe(target.owner) if target.owner else "team"


def cmd_targets(store: PipelineStore, args: argparse.Namespace) -> str:
    """List the targets, or set or remove one."""
    action = getattr(args, "targets_command", None)
    today = store.today()
    if action == "set":
        home = store.home_currency()
        target = store.set_target(args.period, amount(args.amount, home, "AMOUNT"),
                                  owner=args.owner, currency=home, today=today)
        return (f"target for {target.period} ({_whose(target)}): "
                f"{format_amount(target.amount, target.currency)}")
    if action == "remove":
        period = store.remove_target(args.period, owner=args.owner, today=today)
        return f"removed the target for {period} ({out.safe(args.owner) or 'team'})"
    targets = store.targets()
    if getattr(args, "json", False):
        return json.dumps([{"period": t.period, "owner": t.owner or None,
                            "amount": format_decimal(t.amount, t.currency),
                            "currency": t.currency} for t in targets], ensure_ascii=False)
    if not targets:
        return ("no targets set (`kanban-pipe targets set this-month 120k`, or "
                "`--owner NAME` for one rep's)")
    rows = [[t.period, _whose(t), format_amount(t.amount, t.currency)] for t in targets]
    return out.render_table(("PERIOD", "WHO", "TARGET"), rows, frozenset({2}))
