"""`kanban-pipe due`: the next steps due or overdue, for a shell prompt, tmux or cron.

One line per step and exit code 1 when there are any, nothing and 0 when there are none,
2 on an error: `kanban-pipe due --mine || notify` needs no parsing. It runs on every
prompt, so it reads only the steps it prints (store.due) and imports nothing else.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence
from datetime import date
from typing import Any

from kanban_pipe.cli import output as out
from kanban_pipe.collector import cyclic_gc_paused
from kanban_pipe.domain.dates import relative_words
from kanban_pipe.domain.due import (
    WITHIN_HELP,
    DueStep,
    StepDetails,
    days_left,
    due_until,
    parse_within,
)
from kanban_pipe.store import PipelineStore
from kanban_pipe.store.due import next_step_details, next_steps

MINE_HELP = "only the steps you are to do (the step's owner; the deal's if it names none)"

# Errors exit with 2: 1 already means "something is due".
ERROR_CODE = 2


def register(commands: Any, sub: Callable[..., Any]) -> None:
    """Add `due` to the parser's subcommand group."""
    due = sub(commands, "due", cmd_due,
              "next steps due today or overdue, one a line (exit 1 if any, for a prompt)")
    due.epilog = ("Exit status: 0 when nothing is due (and nothing is printed), 1 when "
                  "something is, 2 on an error. Deals on the board only: open, or paused "
                  "with their resume date come.")
    due.add_argument("--mine", action="store_true", help=MINE_HELP)
    due.add_argument("--within", metavar="DAYS", default="0", help=WITHIN_HELP)
    shape = due.add_mutually_exclusive_group()
    shape.add_argument("--json", action="store_true", help="JSON for scripts")
    shape.add_argument("--count", action="store_true",
                       help="print only how many (for a status line)")
    due.set_defaults(error_code=ERROR_CODE)


def cmd_due(store: PipelineStore, args: argparse.Namespace) -> out.Outcome:
    """Print the steps due on or before today + --within; exit 1 when there are any."""
    today = store.today()
    until = due_until(today, parse_within(args.within))
    owner = store.user if args.mine else None
    with cyclic_gc_paused():
        if args.json:
            details = next_step_details(store, today=today, until=until, owner=owner)
            return out.Outcome(out.safe_json([step_json(d, today) for d in details]),
                               1 if details else 0)
        steps = next_steps(store, today=today, until=until, owner=owner)
        code = 1 if steps else 0
        if args.count:
            return out.Outcome(str(len(steps)), code)
        return out.Outcome(due_lines(steps, today, show_owner=not args.mine) or None, code)


def due_lines(steps: Sequence[DueStep], today: date, *, show_owner: bool = True) -> str:
    """One line a step: when, deal id, action, deal title (organization), who does it."""
    whens: dict[date, str] = {}
    for step in steps:
        if step.due not in whens:
            whens[step.due] = relative_words(step.due, today)
    width = max(map(len, whens.values()), default=0)
    whens = {day: words.ljust(width) for day, words in whens.items()}
    id_width = max((len(str(step.deal_id)) for step in steps), default=0) + 1
    lines = []
    for deal_id, title, organization, action, owner, due in steps:
        # Short, printable text (nearly all of it) is checked inline: this loop runs for
        # every line of every prompt, and a call per field took a third of its time.
        if len(action) > 40 or not action.isprintable():
            action = _cut(action, 40)
        if len(title) > 40 or not title.isprintable():
            title = _cut(title, 40)
        line = f"{whens[due]}  {'#' + str(deal_id):>{id_width}}  {action} — {title}"
        if organization:
            line += f" ({_cut(organization, 24)})"
        if show_owner:
            line += f"  {_cut(owner, 16)}"
        lines.append(line)
    return "\n".join(lines)


def _cut(text: str, length: int) -> str:
    """User text made safe and cut to `length` characters. Characters, not columns
    (out.fit): nothing is aligned after it, and this runs for every line of a prompt."""
    if not text.isprintable():
        text = out.safe(text)
    return text if len(text) <= length else text[:length - 1] + "…"


def step_json(details: StepDetails, today: date) -> dict[str, Any]:
    """One due step for `--json`: the text as stored (safe_json escapes what would run)."""
    step = details.step
    return {
        "id": step.deal_id,
        "title": step.title,
        "organization": step.organization,
        "owner": details.deal_owner,
        "stage": details.stage,
        "value": details.value,
        "currency": details.currency,
        "next_step": {"action": step.action, "owner": step.owner, "due": step.due.isoformat()},
        "days_left": days_left(step, today),
    }
