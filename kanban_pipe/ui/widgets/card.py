"""A deal card drawn as a few lines of segments: title, money, next step, age, highlights."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from rich.segment import Segment
from rich.style import Style
from textual.strip import Strip

from kanban_pipe.domain.amounts import value_text
from kanban_pipe.domain.dates import relative_words
from kanban_pipe.domain.models import Deal, DealStatus, Stage
from kanban_pipe.domain.rules import (
    LEGEND,
    DealFlags,
    Highlight,
    NextStepState,
    Slip,
    deal_flags,
    deal_markers,
    local_date,
)

__all__ = ["CARD_HEIGHT", "LEGEND", "QUALIFICATION_LEGEND", "CardStyles", "card_markers",
           "render_card"]
from kanban_pipe.ui.text import safe_text

CARD_HEIGHT = 6  # five lines of content and a blank line between cards

# The help legend's row for the qualification marks every card's fourth line shows.
QUALIFICATION_LEGEND = (
    "D✓N✗T✗", "muted",
    "qualification: Decision maker, Need, Timeline; ✓ confirmed, ✗ not yet (Q in review "
    "mode, or the milestone when the deal moves on)",
)

@dataclass(frozen=True, slots=True)
class CardStyles:
    """Rich styles for each part of a card, taken from the column's component classes."""

    base: Style
    cursor: Style
    cursor_active: Style
    title: Style
    muted: Style
    overdue: Style
    missing: Style
    stale: Style
    closing: Style
    unqualified: Style
    slipping: Style
    due_today: Style
    won: Style
    hint: Style  # the empty column's hint


def card_markers(deal: Deal, stage: Stage, today: date, slip: Slip | None = None) -> list[str]:
    """The text markers a card shows (for tests, the detail screen and plain output)."""
    return [text for text, _ in deal_markers(deal, stage, today, slip)]


def _highlight_style(highlight: Highlight, styles: CardStyles) -> Style:
    return {
        Highlight.OVERDUE: styles.overdue,
        Highlight.MISSING: styles.missing,
        Highlight.STALE: styles.stale,
        Highlight.CLOSING: styles.closing,
        Highlight.UNQUALIFIED: styles.unqualified,
        Highlight.SLIPPING: styles.slipping,
        Highlight.PAUSED: styles.muted,
    }[highlight]


def _gutter_style(flags: DealFlags, deal: Deal, styles: CardStyles) -> Style:
    """The left bar shows the most urgent highlight's colour."""
    if deal.status is DealStatus.WON:
        return styles.won
    if flags.next_step_state is NextStepState.OVERDUE:
        return styles.overdue
    if flags.next_step_state is NextStepState.MISSING:
        return styles.missing
    if flags.stale:
        return styles.stale
    if flags.unqualified:
        return styles.unqualified
    if flags.closing_soon:
        return styles.closing
    return styles.muted


def _line(parts: list[tuple[str, Style]], width: int, gutter: Segment, base: Style) -> Strip:
    segments = [gutter]
    segments.extend(Segment(text, base + style) for text, style in parts if text)
    strip = Strip(segments)
    if strip.cell_length > width:
        strip = strip.crop(0, width - 1)
        strip = Strip([*strip, Segment("…", base)])
    return strip.adjust_cell_length(width, base)


def render_card(
    deal: Deal, stage: Stage, today: date, width: int, styles: CardStyles, *, focused: bool,
    cursor: Style | None = None, slip: Slip | None = None,
) -> list[Strip]:
    """The card's CARD_HEIGHT lines at `width` cells; user text is made safe first
    (`slip`: the deal is slipping, store.slipping says why)."""
    flags = deal_flags(deal, stage, today)
    base = styles.base + (cursor or styles.cursor) if focused else styles.base
    # The bar and the space after it are one segment, so no text run starts with a blank
    # (SVG exports collapse a leading blank and shift the line).
    gutter = Segment("▌ ", base + _gutter_style(flags, deal, styles))
    muted = styles.muted

    money = value_text(deal.value, deal.currency)  # '—' for no value
    org = safe_text(deal.organization)
    # Short, fixed-size facts first: a narrow column truncates the organization, not them.
    second = [(money, Style()), (" · ", muted), (safe_text(deal.owner), muted),
              (" · " if org else "", muted), (org, Style())]
    open_deal = deal.status is not DealStatus.WON
    if deal.probability is not None and open_deal:
        # The owner's own odds beside the value they weigh (the stage's are not shown).
        second[1:1] = [(" · ", muted), (f"{deal.probability}%", Style(bold=True))]

    step = deal.next_step
    if deal.status is DealStatus.WON:
        third = [("won", styles.won)]
    elif step is None:
        third = [("→ no next step", styles.missing)]
    else:
        due_style = {
            NextStepState.OVERDUE: styles.overdue,
            NextStepState.DUE_TODAY: styles.due_today,
        }.get(flags.next_step_state, muted)
        # The due date leads: it is what a narrow card must never cut off.
        due = f"{relative_words(step.due, today)}: " if step.due else "→ "
        owner = f" ({safe_text(step.owner)})" if step.owner != deal.owner else ""
        third = [(due, due_style), (safe_text(step.action), Style()), (owner, muted)]

    qual = deal.qualification
    marks = "".join(
        f"{letter}{'✓' if done else '✗'}"
        for letter, done in (("D", qual.decision_maker), ("N", qual.need), ("T", qual.timeline))
    )
    if deal.status is DealStatus.WON and deal.closed_at:
        age = f"won {max(0, (today - local_date(deal.closed_at)).days)}d ago"
    else:
        age = f"{flags.days_in_stage}d in stage"
    fourth = [(age, muted), (" · ", muted), (marks, muted)]

    fifth: list[tuple[str, Style]] = []
    if deal.forecast_category is not None and open_deal:
        # The owner's forecast call, when they made one (the stage's default is not shown).
        fifth += [(deal.forecast_category.label.upper(), Style(bold=True)), (" ", Style())]
    for text, highlight in deal_markers(deal, stage, today, slip):
        fifth.extend([(text, _highlight_style(highlight, styles) + Style(bold=True)),
                      (" ", Style())])

    title = [(f"#{deal.id} ", muted), (safe_text(deal.title), styles.title)]
    lines = [_line(parts, width, gutter, base) for parts in (title, second, third, fourth, fifth)]
    lines.append(Strip.blank(width, styles.base))
    return lines
