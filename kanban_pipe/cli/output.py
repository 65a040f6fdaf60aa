"""Human output of the command line: aligned tables, deal details, one-line confirmations."""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from kanban_pipe.domain.amounts import format_compact, value_text
from kanban_pipe.domain.dates import days_ago_words, relative_words
from kanban_pipe.domain.models import Activity, Deal, DealStatus, Stage
from kanban_pipe.domain.money import MoneyTotal
from kanban_pipe.domain.rules import (
    deal_flags,
    deal_markers,
    local_date,
)

NONE = "-"

# Bidirectional overrides and isolates can make text display as something else
# ("Trojan Source"); line and paragraph separators break a table row apart.
_UNSAFE_FORMAT = frozenset(range(0x202A, 0x202F)) | frozenset(range(0x2066, 0x206A)) | {
    0x2028, 0x2029,
}


@dataclass(frozen=True, slots=True)
class Outcome:
    """What a command prints and an exit code that means something (`due`: 1 = some due)."""

    text: str | None
    code: int = 0


# What json.dumps leaves raw that a terminal would act on (see safe_json).
_UNSAFE_IN_JSON = re.compile("[\x7f-\x9f" + "".join(map(chr, sorted(_UNSAFE_FORMAT))) + "]")


def safe(text: str | None) -> str:
    """User text fit for a terminal: C0/C1 control and direction-changing characters as '?'."""
    if not text:
        return ""
    if text.isprintable():
        return text
    # isprintable() is also False for ordinary spaces like NBSP; only replace what is harmful.
    return "".join(
        "?" if unicodedata.category(char) == "Cc" or ord(char) in _UNSAFE_FORMAT else char
        for char in text
    )


def safe_json(value: object) -> str:
    """Indented JSON that keeps user text exact yet runs nothing in a terminal.

    json.dumps escapes C0 controls (ESC) but, keeping UTF-8, leaves DEL, C1 controls (a
    lone CSI, U+009B) and direction overrides raw; those are escaped here too (the JSON
    value stays the same).
    """
    text = json.dumps(value, indent=2, ensure_ascii=False)
    return _UNSAFE_IN_JSON.sub(lambda found: f"\\u{ord(found.group()):04x}", text)


def _char_width(char: str) -> int:
    if unicodedata.combining(char):
        return 0
    return 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1


# Characters seen so far that safe() keeps and that take one column: text made only of
# them needs no per-character work (a listing of 100,000 deals meets a few dozen).
_PLAIN = set(map(chr, range(0x20, 0x7F)))


def is_plain(text: str) -> bool:
    """True when safe() keeps `text` as it is and each of its characters takes one column."""
    if _PLAIN.issuperset(text):
        return True
    for char in set(text).difference(_PLAIN):
        if (_char_width(char) != 1 or ord(char) in _UNSAFE_FORMAT
                or unicodedata.category(char) == "Cc"):
            return False
        _PLAIN.add(char)
    return True


def display_width(text: str) -> int:
    """Terminal columns `text` takes (wide CJK characters count twice)."""
    if is_plain(text):
        return len(text)
    return sum(_char_width(char) for char in text)


def fit(text: str, width: int) -> str:
    """`text` cut to at most `width` columns, ending in '…' when cut."""
    if is_plain(text):
        return text if len(text) <= width else text[:width - 1] + "…"
    if display_width(text) <= width:
        return text
    kept, used = [], 0
    for char in text:
        if used + _char_width(char) > width - 1:
            break
        kept.append(char)
        used += _char_width(char)
    return "".join(kept) + "…"


def fit_words(text: str, width: int) -> str:
    """`text` cut to at most `width` columns at a word's end, ending in '…' when cut.

    A single word longer than half the width is cut inside it: better than a bare '…'.
    """
    if display_width(text) <= width:
        return text
    cut = fit(text, width)[:-1]
    space = cut.rstrip().rfind(" ")
    if space >= width // 2:
        cut = cut[:space]
    return cut.rstrip(" ,;:-–·") + "…"


def render_table(headers: Sequence[str], rows: Iterable[Sequence[str]],
                 right: frozenset[int] = frozenset()) -> str:
    """Columns aligned by display width, two spaces apart; `right` holds right-aligned columns."""
    table = [list(headers), *([safe(cell) for cell in row] for row in rows)]
    widths = [max(display_width(row[i]) for row in table) for i in range(len(headers))]
    lines = []
    for row in table:
        cells = []
        for i, cell in enumerate(row):
            pad = " " * (widths[i] - display_width(cell))
            cells.append(pad + cell if i in right else cell + pad)
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines)


def ref(deal: Deal) -> str:
    """How a deal is named in messages: #12 'Acme fleet'."""
    return f"#{deal.id} '{safe(deal.title)}'"


def flag_markers(deal: Deal, stage: Stage, today: date) -> list[str]:
    """Short text markers for the deal's highlights (they read without colour)."""
    if deal.status is DealStatus.PAUSED:
        until = deal.paused_until.isoformat() if deal.paused_until else "?"
        return [f"PAUSED until {until}"]
    if deal.status is not DealStatus.OPEN:
        return [deal.status.value.upper()]
    return [text for text, _ in deal_markers(deal, stage, today)]


def due_words(day: date | None, today: date) -> str:
    """A due date as '2026-03-06 (in 3d)', or 'no date'."""
    return f"{day.isoformat()} ({relative_words(day, today)})" if day else "no date"


# The `list` table (cli.listing.DealCells makes its rows); right-aligned: id, value, days.
DEAL_HEADERS = ("ID", "STAGE", "TITLE", "ORG", "VALUE", "OWNER", "NEXT STEP", "DAYS", "FLAGS")
DEAL_RIGHT = frozenset({0, 4, 7})


def money_text(money: MoneyTotal) -> str:
    """A total in the home currency plus what could not be converted, never silently mixed
    (and never a '0 EUR' when nothing could be), with how to set the missing rate."""
    text = format_compact(money.amount, money.currency) if money.shows_home else ""
    if money.unconverted:
        codes = sorted(money.unconverted)
        apart = ", ".join(format_compact(money.unconverted[c], c) for c in codes)
        text = (f"{text} + {apart} without an exchange rate" if text
                else f"{apart} without an exchange rate to {money.currency}")
        text += f" (`kanban-pipe currency set {codes[0]} RATE` to add {codes[0]})"
    if money.no_value_deals:
        text += f" ({money.no_value_deals} without a value)"
    return text


def count_words(count: int) -> str:
    """'1 deal', '3 deals'."""
    return f"{count} deal" + ("" if count == 1 else "s")


def _moment_words(moment: datetime, today: date) -> str:
    local = moment.astimezone()
    return f"{local:%Y-%m-%d %H:%M} ({days_ago_words((today - local_date(moment)).days)})"


def show_deal(deal: Deal, stage: Stage, history: Sequence[Activity], today: date) -> str:
    """A deal's fields and its activity history, newest first."""
    flags = deal_flags(deal, stage, today)
    step = deal.next_step
    facts = deal.qualification
    fields = [
        ("organization", safe(deal.organization) or NONE),
        ("contact", safe(deal.contact) or NONE),
        ("value", value_text(deal.value, deal.currency, compact=False)),
        ("stage", f"{safe(stage.name)} ({flags.days_in_stage}d in stage)" if deal.stage
         else "unknown (lost at a stage the imported file did not say)"),
        ("status", deal.status.value),
        ("owner", safe(deal.owner)),
        ("source", safe(deal.source) or NONE),
        ("expected close", due_words(deal.expected_close, today) if deal.expected_close
         else NONE),
        ("next step", f"{safe(step.action)} - {safe(step.owner)}, due {due_words(step.due, today)}"
         if step else NONE),
        ("qualification", ", ".join(
            f"{name} {'yes' if held else 'no'}" for name, held in
            (("decision maker", facts.decision_maker), ("need", facts.need),
             ("timeline", facts.timeline)))),
        ("flags", " ".join(flag_markers(deal, stage, today)) or NONE),
        ("last activity", _moment_words(deal.last_activity_at, today)),
        ("created", _moment_words(deal.created_at, today)),
        ("version", str(deal.version)),
    ]
    if deal.paused_until:
        fields.insert(5, ("paused until", due_words(deal.paused_until, today)))
    if deal.lost_reason:
        fields.insert(5, ("lost reason", safe(deal.lost_reason)))
    lines = [f"#{deal.id}  {safe(deal.title)}"]
    lines += [f"  {name:<15}{value}" for name, value in fields]
    lines += ["", f"history ({len(history)}, newest first):"]
    rows = [
        [f"{a.at.astimezone():%Y-%m-%d %H:%M}", a.actor, a.kind.value.replace("_", " "),
         a.detail]
        for a in history
    ]
    lines += ["  " + line for line in render_table(("WHEN", "WHO", "WHAT", "DETAIL"),
                                                   rows).splitlines()]
    return "\n".join(lines)


def stages_table(stages: Sequence[Stage]) -> str:
    """The pipeline's stages with their probabilities, stale-after days and milestones."""
    rows = []
    for stage in stages:
        notes = []
        if stage.qualifies:
            notes.append(f"confirms {stage.qualifies.value.replace('_', ' ')}")
        if stage.requires_qualification:
            notes.append("needs qualification")
        if stage.is_won:
            notes.append("won stage")
        rows.append([str(stage.position), stage.key, stage.name, f"{stage.probability}%",
                     f"{stage.stale_after_days}d" if stage.stale_after_days else NONE,
                     stage.milestone or NONE, "; ".join(notes)])
    return render_table(("#", "KEY", "NAME", "PROB", "STALE AFTER", "MILESTONE", "NOTES"),
                        rows, frozenset({0, 3, 4}))


def currency_text(home: str, rates: Mapping[str, Decimal]) -> str:
    """The home currency and the exchange rates the user has set."""
    lines = [f"home currency: {home}"]
    if not rates:
        lines.append("no exchange rates: deals in other currencies are totalled apart "
                     "(set one with `kanban-pipe currency set USD 0.92`)")
    else:
        lines.append(f"exchange rates ({home} per unit):")
        lines += [f"  {code}  {rate}" for code, rate in sorted(rates.items())]
    return "\n".join(lines)
