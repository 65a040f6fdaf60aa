"""`kanban-pipe standup`: the review queues as text, Markdown or JSON, without the TUI."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from datetime import date
from itertools import groupby, islice
from operator import itemgetter
from typing import TypeVar

from kanban_pipe.cli import output as out
from kanban_pipe.cli.listing import (
    PAGE,
    DealCells,
    SpooledLines,
    SpooledTable,
    Write,
    write_pages,
)
from kanban_pipe.domain.listing import ListingRules, StoredDeal
from kanban_pipe.domain.review import (
    QUEUE_TITLES,
    ChangesSince,
    Queue,
    change_count_line,
    change_line,
    changes_heading,
    stored_reason,
)
from kanban_pipe.domain.rules import DealFlags
from kanban_pipe.domain.serialize import DealJsonText
from kanban_pipe.domain.stages import stage_of

CHANGES_LISTED = 10  # a chat message wants the gist; the counts cover everything
HEADERS = ("ID", "TITLE", "ORG", "VALUE", "OWNER", "STAGE", "NEXT STEP", "REASON")
_RIGHT = frozenset({0, 3})
# CommonMark's punctuation that can start markup; a backslash makes each literal.
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>|~#&!{}])")
T = TypeVar("T")


def batched(things: Iterable[T], size: int) -> Iterator[list[T]]:
    """`things` in lists of `size` (the last one shorter)."""
    iterator = iter(things)
    while batch := list(islice(iterator, size)):
        yield batch



Item = tuple[Queue, StoredDeal, DealFlags]


def _grouped(items: Iterable[Item]) -> Iterator[tuple[Queue, Iterator[Item]]]:
    """Every queue in walk order with its items (which come sorted by queue)."""
    groups = groupby(items, key=itemgetter(0))
    pending = next(groups, None)
    for queue in Queue:
        if pending is not None and pending[0] is queue:
            yield queue, pending[1]
            pending = next(groups, None)
        else:
            yield queue, iter(())


def write_standup_json(items: Iterable[Item], rules: ListingRules, write: Write) -> None:
    """One key per queue, each a list of deals in the `list --json` shape plus `reason`."""
    text = DealJsonText(indent=2, depth=2, extra=("reason",)).text
    stages, today = rules.stages, rules.today
    write("{\n")
    for i, (queue, queued) in enumerate(_grouped(items)):
        key = (",\n" if i else "") + f'  "{queue.value}": '
        write_pages(
            (text(deal, flags,
                  stored_reason(queue, deal, stage_of(deal.stage, stages), today, flags))
             for queue, deal, flags in queued), write,
            first=key + "[\n    ", between=",\n    ", last="\n  ]", empty=key + "[]")
    write("\n}\n")


def _cells(queue: Queue, deal: StoredDeal, flags: DealFlags,
           cells: DealCells) -> tuple[list[str], bool]:
    """ID, title, org, value, owner, stage, next step: the cells `list` prints; the reason
    (not yet safe()); and whether the first seven are plain (output.is_plain)."""
    described, plain = cells.described(deal)
    rules = cells.rules
    reason = stored_reason(queue, deal, stage_of(deal.stage, rules.stages), rules.today, flags)
    return [described[0], described[2], described[3], described[4], described[5],
            described[1], described[6], out.fit(reason, 60)], plain


def _title(owner: str | None, today: date) -> str:
    return f"Stand-up · {owner or 'everyone'} · {today.isoformat()}"


def write_standup_text(items: Iterable[Item], changes: ChangesSince, cells: DealCells,
                       owner: str | None, write: Write) -> None:
    """The changes since the last review, then each queue as an aligned table."""
    lines = [out.safe(_title(owner, cells.rules.today)), "",
             out.safe(changes_heading(changes)) + ":"]
    totals = changes.totals()
    lines += [f"  {out.safe(change_count_line(w, t, who))}" for w, t, who in totals]
    if not totals:
        lines.append("  nothing was added, moved, closed or paused")
    if changes.recent:
        lines.append("  latest:")
        lines += [f"    {out.safe(change_line(entry))}" for entry in changes.recent]
    write("\n".join(lines) + "\n")
    total = 0
    for queue, queued in _grouped(items):
        table = SpooledTable(HEADERS, _RIGHT)
        try:
            for item in queued:
                row, plain = _cells(*item, cells)
                row[-1] = out.safe(row[-1])  # the other cells are safe already
                table.add(row, plain)
            write(f"\n{QUEUE_TITLES[queue]} ({table.rows})\n")
            total += table.rows
            if not table.rows:
                write("  none\n")
            for page in batched(table.lines(), PAGE):
                write("".join(f"  {line}\n" for line in page))
        finally:
            table.close()
    write(f"\n{out.count_words(total)} to review\n")


def md(text: str) -> str:
    """User text as literal Markdown: markup characters escaped, one line."""
    flat = " ".join(out.safe(text).split())
    return _MARKDOWN_SPECIAL.sub(r"\\\1", flat)


def write_standup_markdown(items: Iterable[Item], changes: ChangesSince, cells: DealCells,
                           owner: str | None, write: Write) -> None:
    """The same content as Markdown, for a chat message or a wiki page."""
    lines = [f"# {md(_title(owner, cells.rules.today))}", "", "## What changed", "",
             md(changes_heading(changes)) + ":", ""]
    totals = changes.totals()
    lines += [f"- {md(change_count_line(w, t, who))}" for w, t, who in totals]
    if not totals:
        lines.append("- nothing was added, moved, closed or paused")
    if changes.recent:
        lines += ["", "Latest:", ""]
        lines += [f"- {md(change_line(entry))}" for entry in changes.recent]
    write("\n".join(lines) + "\n")
    total = 0
    for queue, queued in _grouped(items):
        rows = SpooledLines()
        try:
            for item in queued:
                row, _plain = _cells(*item, cells)
                rows.add("| " + " | ".join(md(cell) for cell in row) + " |")
            write(f"\n## {QUEUE_TITLES[queue]} ({rows.count})\n\n")
            total += rows.count
            if not rows.count:
                write("_none_\n")
                continue
            write("| " + " | ".join(HEADERS) + " |\n| " + " | ".join(
                "---:" if i in _RIGHT else "---" for i in range(len(HEADERS))) + " |\n")
            for page in batched(rows, PAGE):
                write("".join(f"{line}\n" for line in page))
        finally:
            rows.close()
    write(f"\n{out.count_words(total)} to review\n")
