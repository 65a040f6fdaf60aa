"""`kanban-pipe standup`: the review queues as text, Markdown or JSON, without the TUI."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from itertools import groupby, islice
from operator import itemgetter
from typing import Any, TypeVar

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
    QUEUE_FIX_WORDS,
    QUEUE_TITLES,
    ChangesSince,
    Queue,
    change_count_line,
    change_line,
    changes_heading,
    local_minute,
    stored_reason,
)
from kanban_pipe.domain.review_walk import DECISION_WORDS, Decision
from kanban_pipe.domain.rules import DealFlags, Slip
from kanban_pipe.domain.serialize import DealJsonText
from kanban_pipe.domain.stages import stage_of

CHANGES_LISTED = 10  # a chat message wants the gist; the counts cover everything
SUMMARY_TOP = 3  # deals shown per queue in the short stand-up (--top changes it)
DECISIONS_LISTED = 10  # of the last review's decisions, in the short stand-up
TITLE_WIDTH = 30
SUMMARY_TITLE_WIDTH = 48
HEADERS = ("ID", "TITLE", "ORG", "VALUE", "OWNER", "STAGE", "NEXT STEP", "REASON")
_RIGHT = frozenset({0, 3})
# CommonMark's punctuation that can start markup anywhere in a line; a backslash makes each
# literal. '#' starts a heading only at the start of a line, '&' only an entity such as
# '&amp;': those are escaped only there (no stray '\#12').
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>|~])")
_MARKDOWN_ENTITY = re.compile(r"&(?=#?\w+;)")
_MARKDOWN_BLOCK_START = re.compile(r"(#{1,6}|[-+])( |$)")
T = TypeVar("T")


def batched(things: Iterable[T], size: int) -> Iterator[list[T]]:
    """`things` in lists of `size` (the last one shorter)."""
    iterator = iter(things)
    while batch := list(islice(iterator, size)):
        yield batch



# A deal in its queue, its flags, and why it is slipping (in the slipping queue).
Item = tuple[Queue, StoredDeal, DealFlags, Slip | None]


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
                  stored_reason(queue, deal, stage_of(deal.stage, stages), today, flags,
                                slip))
             for queue, deal, flags, slip in queued), write,
            first=key + "[\n    ", between=",\n    ", last="\n  ]", empty=key + "[]")
    write("\n}\n")


def _cells(queue: Queue, deal: StoredDeal, flags: DealFlags, slip: Slip | None,
           cells: DealCells) -> tuple[list[str], bool]:
    """ID, title, org, value, owner, stage, next step: the cells `list` prints; the reason
    (not yet safe()); and whether the first seven are plain (output.is_plain)."""
    described, plain = cells.described(deal)
    rules = cells.rules
    reason = stored_reason(queue, deal, stage_of(deal.stage, rules.stages), rules.today, flags,
                           slip)
    title = out.fit_words(out.safe(deal.title), TITLE_WIDTH)  # whole words, not 'Acme fle…'
    return [described[0], title, described[3], described[4], described[5],
            described[1], described[6], out.fit(reason, 60)], plain and out.is_plain(title)


def _title(owner: str | None, today: date, pipeline: str = "") -> str:
    where = f" · {pipeline}" if pipeline else ""
    return f"Stand-up{where} · {owner or 'everyone'} · {today.isoformat()}"


def write_standup_text(items: Iterable[Item], changes: ChangesSince, cells: DealCells,
                       owner: str | None, write: Write, *, pipeline: str = "") -> None:
    """The changes since the last review, then each queue as an aligned table."""
    lines = [out.safe(_title(owner, cells.rules.today, pipeline)), "",
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


def md(text: str, *, block: bool = True) -> str:
    """User text as literal Markdown: markup characters escaped, one line.

    `block`: the text may follow a list marker, where '# x' and '- x' open a block; a
    table cell (block=False) needs no such escape.
    """
    flat = " ".join(out.safe(text).split())
    escaped = _MARKDOWN_ENTITY.sub(r"\\&", _MARKDOWN_SPECIAL.sub(r"\\\1", flat))
    # After '- ' or '| ', '# x' would still open a heading and '- x' a nested list.
    if block and _MARKDOWN_BLOCK_START.match(escaped):
        return "\\" + escaped
    return escaped


def write_standup_markdown(items: Iterable[Item], changes: ChangesSince, cells: DealCells,
                           owner: str | None, write: Write, *, pipeline: str = "") -> None:
    """The same content as Markdown, for a chat message or a wiki page."""
    lines = [f"# {md(_title(owner, cells.rules.today, pipeline))}", "", "## What changed", "",
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
                rows.add("| " + " | ".join(md(cell, block=False) for cell in row) + " |")
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


# -- the short stand-up: counts, the top deals of each queue, the last review's decisions --

@dataclass
class QueueDigest:
    """One queue in the short stand-up: how many deals, and the first (most at stake)."""

    queue: Queue
    count: int = 0
    top: list[Item] = field(default_factory=list)


def digest(items: Iterable[Item], top: int) -> list[QueueDigest]:
    """Every queue with its count and its first `top` items (the items come in walk order)."""
    digests = {queue: QueueDigest(queue) for queue in Queue}
    for item in items:
        entry = digests[item[0]]
        entry.count += 1
        if len(entry.top) < top:
            entry.top.append(item)
    return list(digests.values())


def _deal_words(item: Item, cells: DealCells) -> tuple[str, str, str]:
    """'#12 Title', 'owner · value' and the reason, as safe text."""
    queue, deal, flags, slip = item
    rules = cells.rules
    described, _plain = cells.described(deal)
    reason = stored_reason(queue, deal, stage_of(deal.stage, rules.stages), rules.today, flags,
                           slip)
    title = out.fit_words(out.safe(deal.title), SUMMARY_TITLE_WIDTH)
    return f"#{deal.id} {title}", f"{described[5]} · {described[4]}", out.safe(reason)


def _decided(summary: Mapping[str, Any] | None) -> list[tuple[int, str, str]]:
    """The last review's decided deals: id, title and what was decided, in words."""
    rows = []
    for entry in (summary or {}).get("deals", []):
        try:
            words = ", ".join(DECISION_WORDS[Decision(d)] for d in entry["decisions"])
            rows.append((int(entry["id"]), str(entry["title"]), words))
        except (KeyError, TypeError, ValueError):
            continue  # a summary written by another version: skip what is not understood
    return rows


@dataclass(frozen=True)
class LastReview:
    """The last recorded review as the short stand-up tells it."""

    finished: str
    actor: str
    summary: Mapping[str, Any]


def write_standup_summary(items: Iterable[Item], changes: ChangesSince, cells: DealCells,
                          owner: str | None, last: LastReview | None, top: int, write: Write,
                          *, markdown: bool, pipeline: str = "") -> None:
    """The short stand-up: what changed in counts, each queue's count and top deals with
    the one thing that fixes them, and what the last review decided."""
    esc = md if markdown else out.safe
    bold = (lambda text: f"**{text}**") if markdown else (lambda text: text)
    totals = changes.totals()
    changed = ", ".join(f"{t} {w}" for w, t, _who in totals) or "nothing added, moved or closed"
    title = _title(owner, cells.rules.today, pipeline)
    lines = [f"# {esc(title)}" if markdown else out.safe(title), "",
             f"{bold(esc(changes_heading(changes)))}: {esc(changed)}"]
    digests = digest(items, top)
    count = sum(d.count for d in digests)
    lines += ["", (f"{bold(out.count_words(count))} to review: " + " · ".join(
        f"{esc(QUEUE_TITLES[d.queue])} {d.count}" for d in digests))]
    for entry in digests:
        if not entry.count:
            continue
        heading = f"{QUEUE_TITLES[entry.queue]} ({entry.count})"
        fix = f"fix: {QUEUE_FIX_WORDS[entry.queue]}"
        lines += ["", f"## {esc(heading)} · {esc(fix)}" if markdown else f"{heading} · {fix}"]
        for item in entry.top:
            name, who, reason = _deal_words(item, cells)
            if markdown:
                lines.append(f"- **{md(name)}** ({md(who)}): {md(reason)}")
            else:
                lines.append(f"  {name} ({who}): {reason}")
        if entry.count > len(entry.top):
            more = entry.count - len(entry.top)
            lines.append(f"- …and {more} more" if markdown else f"  …and {more} more")
    if last is not None:
        decided = _decided(last.summary)
        heading = f"Decided in the last review ({last.finished} by {last.actor})"
        lines += ["", f"## {esc(heading)}" if markdown else out.safe(heading)]
        if not decided:
            lines.append("- nothing" if markdown else "  nothing")
        for deal_id, deal_title, words in decided[:DECISIONS_LISTED]:
            name = f"#{deal_id} {out.fit_words(out.safe(deal_title), SUMMARY_TITLE_WIDTH)}"
            lines.append(f"- {md(name)}: {md(words)}" if markdown else f"  {name}: {words}")
        if len(decided) > DECISIONS_LISTED:
            more = len(decided) - DECISIONS_LISTED
            lines.append(f"- …and {more} more" if markdown else f"  …and {more} more")
    lines += ["", "(--full prints every deal of every queue)"]
    write("\n".join(lines) + "\n")


def last_review_words(finished: Any, actor: str, summary: Mapping[str, Any]) -> LastReview:
    """A recorded review's finish time, who and summary, as write_standup_summary wants."""
    return LastReview(local_minute(finished), out.safe(actor), summary)
