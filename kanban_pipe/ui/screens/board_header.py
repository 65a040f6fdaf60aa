"""What the board's header, banner and column heads say: totals, filters, read-only."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from textual.content import Content

from kanban_pipe.domain.amounts import format_compact
from kanban_pipe.domain.models import Stage
from kanban_pipe.domain.money import MoneyTotal, total
from kanban_pipe.domain.ordering import CardOrder
from kanban_pipe.ui.text import safe_text

EMPTY_HINT = "No deals here.\nn adds one here;\n`kanban-pipe demo`\nopens demo data."

# (stage, currency) -> [deals, value]: the board model's sums.
Sums = Mapping[tuple[str, str], list[int]]


@dataclass(frozen=True, slots=True)
class OpenTotals:
    """The open pipeline (every stage but won): its value, weighted value and deal count."""

    value: MoneyTotal
    weighted: MoneyTotal
    deals: int


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


def stage_heads(stages: Sequence[Stage], sums: Sums, home: str,
                rates: Mapping[str, Decimal]) -> tuple[dict[str, Content], OpenTotals]:
    """Each stage's column head (deals, value, weighted value) and the open totals."""
    heads: dict[str, Content] = {}
    grand: list[tuple[int, str, int]] = []
    weighted_all: list[tuple[int, str, int]] = []
    for stage in stages:
        rows = [(value, currency, deals) for (key, currency), (deals, value)
                in sums.items() if key == stage.key and deals]
        weighted_rows = [((value * stage.probability + 50) // 100, currency, deals)
                         for value, currency, deals in rows]
        count = sum(deals for _, _, deals in rows)
        value = total(rows, home, rates)
        weighted = total(weighted_rows, home, rates)
        if not stage.is_won:
            grand += rows
            weighted_all += weighted_rows
        # Deals in a currency without a rate are counted apart, never added.
        apart = f" +{value.unconverted_deals} no rate" if value.unconverted_deals else ""
        heads[stage.key] = Content.assemble(
            (f"{count} deal{'s' if count != 1 else ''}", "bold"),
            f" · {money_words(value, unconverted=False)}\n",
            ("weighted ", "dim"), money_words(weighted, unconverted=False),
            (apart, "$text-warning"),
        )
    totals = OpenTotals(total(grand, home, rates), total(weighted_all, home, rates),
                        sum(deals for _, _, deals in grand))
    return heads, totals


def header_line(*, db_label: str, user: str, only_mine: bool, text_filter: str,
                order: CardOrder, totals: OpenTotals, read_only: bool) -> Content:
    """The line above the columns: file, user, filters, order and the open pipeline."""
    owner = "mine" if only_mine else "everyone"
    parts: list[str | tuple[str, str]] = [
        ("kanban-pipe", "bold"),
        f" · {safe_text(db_label)} · {safe_text(user)} · ",
        (owner, "bold"),
    ]
    if text_filter:
        parts += [" · filter ", (f"“{safe_text(text_filter)}”", "bold")]
    parts += [
        f" · order: {order.value} · {totals.deals} open · {money_words(totals.value)}",
        f" (weighted {money_words(totals.weighted, unconverted=False)})",
    ]
    if read_only:
        parts += [" · ", ("READ-ONLY", "bold reverse")]
    return Content.assemble(*parts)


def money_words(amount: MoneyTotal, *, unconverted: bool = True) -> str:
    """A total in compact words, naming what could not be converted."""
    text = format_compact(amount.amount, amount.currency)
    if unconverted and amount.unconverted_deals:
        codes = "/".join(sorted(amount.unconverted))
        text += f" +{amount.unconverted_deals} in {codes}"
    return text
