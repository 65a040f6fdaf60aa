"""`kanban-pipe standup`: the review queues as text, Markdown or JSON, without the TUI."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from kanban_pipe.cli import output as out
from kanban_pipe.domain.models import Stage
from kanban_pipe.domain.review import (
    QUEUE_TITLES,
    ChangesSince,
    ReviewItem,
    by_queue,
    change_count_line,
    change_line,
    changes_heading,
)
from kanban_pipe.domain.serialize import deal_to_json

CHANGES_LISTED = 10  # a chat message wants the gist; the counts cover everything
HEADERS = ("ID", "TITLE", "ORG", "VALUE", "OWNER", "STAGE", "NEXT STEP", "REASON")
_RIGHT = frozenset({0, 3})
# CommonMark's punctuation that can start markup; a backslash makes each literal.
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>|~#&!{}])")


def standup_json(items: Sequence[ReviewItem], stages: Mapping[str, Stage],
                 today: date) -> dict[str, list[dict[str, Any]]]:
    """One key per queue, each a list of deals in the `list --json` shape plus `reason`."""
    return {
        queue.value: [{**deal_to_json(item.deal, stages[item.deal.stage], today),
                       "reason": item.reason} for item in queued]
        for queue, queued in by_queue(items).items()
    }


def _cells(item: ReviewItem, stages: Mapping[str, Stage], today: date) -> list[str]:
    deal = item.deal
    row = out.deal_row(deal, stages[deal.stage], today)  # the `list` table's own cells
    # ID, title, org, value, owner, stage, next step: the same cells `list` prints.
    return [row[0], row[2], row[3], row[4], row[5], row[1], row[6], out.fit(item.reason, 60)]


def _title(owner: str | None, today: date) -> str:
    return f"Stand-up · {owner or 'everyone'} · {today.isoformat()}"


def standup_text(items: Sequence[ReviewItem], changes: ChangesSince,
                 stages: Mapping[str, Stage], today: date, owner: str | None) -> str:
    """The changes since the last review, then each queue as an aligned table."""
    lines = [out.safe(_title(owner, today)), "", out.safe(changes_heading(changes)) + ":"]
    totals = changes.totals()
    lines += [f"  {out.safe(change_count_line(w, t, who))}" for w, t, who in totals]
    if not totals:
        lines.append("  nothing was added, moved, closed or paused")
    if changes.recent:
        lines.append("  latest:")
        lines += [f"    {out.safe(change_line(entry))}" for entry in changes.recent]
    for queue, queued in by_queue(items).items():
        lines += ["", f"{QUEUE_TITLES[queue]} ({len(queued)})"]
        if not queued:
            lines.append("  none")
            continue
        table = out.render_table(HEADERS, (_cells(i, stages, today) for i in queued), _RIGHT)
        lines += [f"  {line}" for line in table.splitlines()]
    lines += ["", f"{out.count_words(len(items))} to review"]
    return "\n".join(lines)


def md(text: str) -> str:
    """User text as literal Markdown: markup characters escaped, one line."""
    flat = " ".join(out.safe(text).split())
    return _MARKDOWN_SPECIAL.sub(r"\\\1", flat)


def standup_markdown(items: Sequence[ReviewItem], changes: ChangesSince,
                     stages: Mapping[str, Stage], today: date, owner: str | None) -> str:
    """The same content as Markdown, for a chat message or a wiki page."""
    lines = [f"# {md(_title(owner, today))}", "", "## What changed", "",
             md(changes_heading(changes)) + ":", ""]
    totals = changes.totals()
    lines += [f"- {md(change_count_line(w, t, who))}" for w, t, who in totals]
    if not totals:
        lines.append("- nothing was added, moved, closed or paused")
    if changes.recent:
        lines += ["", "Latest:", ""]
        lines += [f"- {md(change_line(entry))}" for entry in changes.recent]
    for queue, queued in by_queue(items).items():
        lines += ["", f"## {QUEUE_TITLES[queue]} ({len(queued)})", ""]
        if not queued:
            lines.append("_none_")
            continue
        lines += ["| " + " | ".join(HEADERS) + " |",
                  "| " + " | ".join("---:" if i in _RIGHT else "---"
                                    for i in range(len(HEADERS))) + " |"]
        lines += ["| " + " | ".join(md(cell) for cell in _cells(item, stages, today)) + " |"
                  for item in queued]
    lines += ["", f"{out.count_words(len(items))} to review"]
    return "\n".join(lines)
