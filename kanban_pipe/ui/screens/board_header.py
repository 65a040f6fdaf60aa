"""What the board's header, banner and column heads say: totals, filters, read-only."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from textual.content import Content

from kanban_pipe.domain.amounts import NO_VALUE, format_compact
from kanban_pipe.domain.models import Stage
from kanban_pipe.domain.money import MoneyTotal, compact_text, total
from kanban_pipe.domain.ordering import CardOrder
from kanban_pipe.domain.rules import WON_SHOWN_DAYS
from kanban_pipe.ui.text import safe_text
from kanban_pipe.ui.widgets.board_columns import MIN_COLUMN_WIDTH

EMPTY_HINT = "No deals here.\nn adds one here;\n`kanban-pipe demo`\nopens demo data."

# (stage, currency) -> [deals, value, deals without a value]: the board model's sums.
Sums = Mapping[tuple[str, str], list[int]]
# The narrowest a column head is (a column's least width, less border and padding): a head
# written to fit it is cut at no width.
HEAD_WIDTH = MIN_COLUMN_WIDTH - 4
Amounts = list[tuple[int | None, str, int]]


@dataclass(frozen=True, slots=True)
class OpenTotals:
    """The open pipeline (every stage but won): its value, weighted value and deal count."""

    value: MoneyTotal
    weighted: MoneyTotal
    deals: int
    # Every column's value, the won one too: what the no-rate note names.
    columns: tuple[MoneyTotal, ...] = ()


def read_only_banner(reason: str) -> Content:
    """The line that tells a viewer the pipeline cannot be changed from here, and why."""
    because = f" — {safe_text(reason)}" if reason else ""
    return Content.assemble(("READ-ONLY", "bold reverse"),
                            f" This pipeline is open read-only{because}. You can look; "
                            "changes cannot be saved.")


def empty_hint(text_filter: str, only_mine: bool) -> str:
    """What an empty column says: how to add a deal, or that the filter hides them."""
    if not (text_filter.strip() or only_mine):
        return EMPTY_HINT
    what = f"“{safe_text(text_filter.strip())}”" if text_filter.strip() else "yours"
    return f"No deals match\n{what}.\n(esc or o changes\nthe filter)"


def _amounts(sums: Sums, stage: Stage) -> tuple[Amounts, Amounts]:
    """A column's (amount, currency, deals) rows and their weighted twins; deals without
    a value are rows of amount None (domain.money.total counts them apart)."""
    rows: Amounts = []
    weighted: Amounts = []
    for (key, currency), (deals, value, no_value, own_value, own_weighted) in sums.items():
        if key != stage.key or not deals:
            continue
        if deals > no_value:
            rows.append((value, currency, deals - no_value))
            # Deals with their own probability are weighted by it (summed deal by deal).
            at_stage = ((value - own_value) * stage.probability + 50) // 100
            weighted.append((at_stage + own_weighted, currency, deals - no_value))
        if no_value:
            rows.append((None, currency, no_value))
            weighted.append((None, currency, no_value))
    return rows, weighted


def stage_heads(stages: Sequence[Stage], sums: Sums, home: str,
                rates: Mapping[str, Decimal]) -> tuple[dict[str, Content], OpenTotals]:
    """Each stage's column head (deals, value, weighted value) and the open totals."""
    heads: dict[str, Content] = {}
    grand: Amounts = []
    weighted_all: Amounts = []
    columns: list[MoneyTotal] = []
    for stage in stages:
        rows, weighted_rows = _amounts(sums, stage)
        count = sum(deals for _, _, deals in rows)
        value = total(rows, home, rates)
        weighted = total(weighted_rows, home, rates)
        columns.append(value)
        if not stage.is_won:
            grand += rows
            weighted_all += weighted_rows
        deals = f"{count} deal{'s' if count != 1 else ''}"
        # Won deals are no longer a forecast: their column says what it shows instead.
        second = ((f"won in the last {WON_SHOWN_DAYS} days", "dim"),) if stage.is_won else (
            ("weighted ", "dim"), head_money(weighted, HEAD_WIDTH - len("weighted ")))
        heads[stage.key] = Content.assemble(
            (deals, "bold"),
            f" · {head_money(value, HEAD_WIDTH - len(deals) - 3)}\n",
            *second,
        )
    totals = OpenTotals(total(grand, home, rates), total(weighted_all, home, rates),
                        sum(deals for _, _, deals in grand), tuple(columns))
    return heads, totals


def head_money(money: MoneyTotal, room: int) -> str:
    """A column's total in at most `room` cells: the home-currency sum and, apart, the
    amounts without an exchange rate ('12k EUR + 250k USD'; '12k EUR + ?' where they do
    not fit); '—' when no deal has a value. Never a 0 standing for amounts not converted."""
    text = open_money(money)
    if len(text) <= room or not money.unconverted:
        return text
    return f"{format_compact(money.amount, money.currency)} + ?" if money.shows_home else "?"


def rate_note(totals: OpenTotals) -> str:
    """Once for the board: the amounts per currency without an exchange rate (every
    column's) and how to set one; '' when every amount has a rate."""
    apart: dict[str, int] = {}
    for money in totals.columns:
        for code, amount in money.unconverted.items():
            apart[code] = apart.get(code, 0) + amount
    if not apart:
        return ""
    codes = sorted(apart)
    amounts = ", ".join(format_compact(apart[code], code) for code in codes)
    return (f"{amounts} on the board without an exchange rate to {totals.value.currency}: "
            f"shown apart, never added in (`kanban-pipe currency set {codes[0]} RATE` "
            "adds one).")


def header_line(*, db_label: str, user: str, only_mine: bool, text_filter: str,
                order: CardOrder, totals: OpenTotals, read_only: bool,
                pipeline: str = "") -> Content:
    """The line above the columns: file, pipeline (of several), user, filters, order and
    the open pipeline."""
    owner = "mine" if only_mine else "everyone"
    parts: list[str | tuple[str, str]] = [("kanban-pipe", "bold"), f" · {safe_text(db_label)}"]
    if pipeline:
        parts += [" · ", (safe_text(pipeline), "bold")]
    parts += [f" · {safe_text(user)} · ", (owner, "bold")]
    if text_filter:
        parts += [" · filter ", (f"“{safe_text(text_filter)}”", "bold")]
    value = totals.value
    no_value = f" · {value.no_value_deals} without a value" if value.no_value_deals else ""
    parts += [
        f" · order: {order.value} · {totals.deals} open · {open_money(value)}",
        f" (weighted {open_money(totals.weighted)}){no_value}",
    ]
    if read_only:
        parts += [" · ", ("READ-ONLY", "bold reverse")]
    return Content.assemble(*parts)


def open_money(money: MoneyTotal) -> str:
    """The open pipeline's total with the amounts without a rate apart ('—': no values)."""
    if not (money.converted_deals or money.unconverted) and money.no_value_deals:
        return NO_VALUE
    return compact_text(money)
