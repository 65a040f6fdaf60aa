"""Streamed output of many deals: JSON, JSON Lines, CSV and aligned tables, page by page.

Deals arrive from the store as StoredDeal rows and leave as text in pages, so memory stays
flat whatever the pipeline's size. An aligned table needs every row's width before its
first line: its rows wait in a spooled file (in memory while small, then on disk), each
cell worked out once, and are padded on the way out (see SpooledTable).
"""

from __future__ import annotations

import csv
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import IO, Any, TypeVar

from kanban_pipe.cli import output as out
from kanban_pipe.domain.amounts import format_decimal, format_plain, value_text
from kanban_pipe.domain.dates import relative_words
from kanban_pipe.domain.listing import ListingRules, StoredDeal
from kanban_pipe.domain.money import MoneyTotal, convert
from kanban_pipe.domain.rules import DealFlags
from kanban_pipe.domain.serialize import DealJsonText
from kanban_pipe.domain.stages import UNKNOWN_STAGE

Write = Callable[[str], Any]
Listed = Iterable[tuple[StoredDeal, DealFlags]]
PAGE = 500  # deals written at a time
_SEPARATOR = "\x1f"  # between spooled cells; safe() turns every control character to '?'
_SPOOL_IN_MEMORY = 1 << 20  # characters of spooled rows kept in memory before a file
_MEMO_SIZE = 4096
T = TypeVar("T")


def memo(function: Callable[..., T]) -> Callable[..., T]:
    """`function` with its latest results remembered (cleared when it holds too many)."""
    cache: dict[tuple[Any, ...], T] = {}

    def remembered(*key: Any) -> T:
        try:
            return cache[key]
        except KeyError:
            if len(cache) >= _MEMO_SIZE:
                cache.clear()
            found = cache[key] = function(*key)
            return found

    return remembered


def fit_safe(text: str, width: int) -> tuple[str, bool]:
    """output.fit(output.safe(text), width), and whether the text was plain (is_plain)."""
    if out.is_plain(text):  # one column per character, nothing to replace
        return (text if len(text) <= width else text[:width - 1] + "…"), True
    return out.fit(out.safe(text), width), False


class SpooledLines:
    """Lines of text kept until they are all known: in memory while few, then in a file."""

    def __init__(self) -> None:
        self.count = 0
        self._spool: IO[str] = tempfile.SpooledTemporaryFile(
            max_size=_SPOOL_IN_MEMORY, mode="w+", encoding="utf-8", newline="\n")

    def add(self, line: str) -> None:
        """Keep a line (it must not hold a newline)."""
        self._spool.write(line + "\n")
        self.count += 1

    def __iter__(self) -> Iterator[str]:
        """The lines kept, in order, without their newlines; the spool closes after."""
        self._spool.seek(0)
        for line in self._spool:
            yield line[:-1]
        self._spool.close()

    def close(self) -> None:
        """Drop the lines (iterating to the end does it too)."""
        self._spool.close()


class SpooledTable:
    """output.render_table's exact text, for rows that come one by one.

    The widths grow as rows are added; the rows wait in a spool and are padded when
    `lines` reads them back. Cells must already be safe() (no control characters).
    """

    def __init__(self, headers: Sequence[str], right: frozenset[int] = frozenset()) -> None:
        self.headers = list(headers)
        self.right = right
        self.widths = [out.display_width(header) for header in headers]
        # The last column is padded only to be stripped again, unless right-aligned.
        self._measured = len(headers) - (0 if len(headers) - 1 in right else 1)
        self._rows = SpooledLines()
        self._plain: list[Sequence[str]] = []  # plain rows not yet measured

    @property
    def rows(self) -> int:
        """How many rows were added."""
        return self._rows.count

    def add(self, cells: Sequence[str], plain: bool | None = None) -> None:
        """Add a row (as many cells as headers); `plain`: is_plain of each cell, if known."""
        measured = cells[:self._measured]
        if plain is None:
            plain = out.is_plain("".join(measured))
        if plain:  # each cell as wide as it is long: str.format pads them, len measures
            self._plain.append(measured)
            if len(self._plain) == PAGE:
                self._measure_plain()
            self._rows.add("=" + _SEPARATOR.join(cells))
            return
        widths = self.widths
        for i, cell in enumerate(measured):
            widths[i] = max(widths[i], out.display_width(cell))
        self._rows.add("~" + _SEPARATOR.join(cells))

    def _measure_plain(self) -> None:
        """Widen the columns for the plain rows added since the last time (column by column)."""
        for i, column in enumerate(zip(*self._plain, strict=True)):
            self.widths[i] = max(self.widths[i], *map(len, column))
        self._plain = []

    def lines(self) -> Iterator[str]:
        """The header line and every row, aligned, trailing spaces stripped."""
        self._measure_plain()
        widths, right = self.widths, self.right
        plain = "  ".join(
            f"{{:{'>' if i in right else '<'}{width}}}" for i, width in enumerate(widths))
        yield self._line(self.headers)
        for row in self._rows:
            cells = row[1:].split(_SEPARATOR)
            # str.format pads by characters: right for these rows, not for wide characters.
            yield plain.format(*cells).rstrip() if row[0] == "=" else self._line(cells)

    def _line(self, cells: Sequence[str]) -> str:
        padded = []
        for i, cell in enumerate(cells):
            pad = " " * (self.widths[i] - out.display_width(cell))
            padded.append(pad + cell if i in self.right else cell + pad)
        return "  ".join(padded).rstrip()

    def close(self) -> None:
        """Drop the spooled rows (lines() does it too, once read to the end)."""
        self._rows.close()


class DealCells:
    """The `list` table's cells of stored deals (lookups memoised: few distinct values)."""

    def __init__(self, rules: ListingRules) -> None:
        self.rules = rules
        today = rules.today
        self.stage_names: dict[str | None, tuple[str, bool]] = {
            key: fit_safe(stage.name, 14) for key, stage in rules.stages.items()}
        self.stage_names[None] = fit_safe(UNKNOWN_STAGE.name, 14)  # lost at an unknown stage
        self.organization = memo(lambda text: fit_safe(text, 20) if text else (out.NONE, True))
        self.owner = memo(lambda text: fit_safe(text, 12))
        self.value = memo(lambda value, currency: fit_safe(value_text(value, currency), 99))
        self.action = memo(lambda text: fit_safe(text, 28))
        self.when = memo(
            lambda due: relative_words(date.fromisoformat(due), today) if due else "no date")

    def row(self, deal: StoredDeal, flags: DealFlags) -> tuple[list[str], bool]:
        """One deal as a row of output.DEAL_HEADERS, and whether its cells are plain."""
        cells, plain = self.described(deal)
        cells += (str(flags.days_in_stage), " ".join(self.markers(deal, flags)))
        return cells, plain

    def described(self, deal: StoredDeal) -> tuple[list[str], bool]:
        """The first seven cells of row: id, stage, title, org, value, owner, next step."""
        stage, plain_stage = self.stage_names[deal.stage]
        title, plain_title = fit_safe(deal.title, 30)
        organization, plain_organization = self.organization(deal.organization)
        value, plain_value = self.value(deal.value, deal.currency)
        owner, plain_owner = self.owner(deal.owner)
        action = deal.next_action
        if action:
            step, plain_step = self.action(action)
            step = f"{step} ({self.when(deal.next_due)})"
        else:
            step, plain_step = out.NONE, True
        return [f"#{deal.id}", stage, title, organization, value, owner, step], (
            plain_stage and plain_title and plain_organization and plain_value and plain_owner
            and plain_step)

    def markers(self, deal: StoredDeal, flags: DealFlags) -> list[str]:
        """output.flag_markers: a paused or closed deal's status, else its highlights."""
        if deal.status == "paused":
            return [f"PAUSED until {deal.paused_until or '?'}"]
        if deal.status != "open":
            return [deal.status.upper()]
        return self.rules.markers(deal, flags)


class MoneySum:
    """domain.money.total of the listed deals, added up one deal at a time."""

    def __init__(self, home: str, rates: Mapping[str, Decimal]) -> None:
        self.home, self.rates = home, rates
        self.amount = self.unconverted_deals = self.converted_deals = self.no_value_deals = 0
        self.unconverted: dict[str, int] = {}

    def add(self, value: int | None, currency: str) -> None:
        """Count one deal's value (None: a deal without a value, in no sum)."""
        if value is None:
            self.no_value_deals += 1
            return
        if currency == self.home:
            self.amount += value
            self.converted_deals += 1
            return
        in_home = convert(value, currency, self.home, self.rates)
        if in_home is None:
            self.unconverted[currency] = self.unconverted.get(currency, 0) + value
            self.unconverted_deals += 1
        else:
            self.amount += in_home
            self.converted_deals += 1

    def total(self) -> MoneyTotal:
        """The sum so far."""
        return MoneyTotal(self.home, self.amount, self.unconverted, self.unconverted_deals,
                          self.converted_deals, self.no_value_deals)


def write_pages(texts: Iterable[str], write: Write, *, first: str, between: str,
                last: str, empty: str) -> int:
    """Write `texts` joined by `between` inside `first` ... `last` (`empty` for none)."""
    count, page = 0, []
    for text in texts:
        page.append(text)
        if len(page) == PAGE:
            write((first if count == 0 else between) + between.join(page))
            count += len(page)
            page = []
    if page:
        write((first if count == 0 else between) + between.join(page))
        count += len(page)
    write(last if count else empty)
    return count


def write_json(listed: Listed, write: Write) -> None:
    """The deals as a JSON array, exactly as json.dumps(..., indent=2) of deal_to_json."""
    text = DealJsonText(indent=2, depth=1).text
    write_pages((text(deal, flags) for deal, flags in listed), write,
                first="[\n  ", between=",\n  ", last="\n]\n", empty="[]\n")


def write_jsonl(listed: Listed, write: Write) -> None:
    """One deal per line, each the object `--json` prints, on one line."""
    text = DealJsonText(indent=None).text
    write_pages((text(deal, flags) for deal, flags in listed), write,
                first="", between="\n", last="\n", empty="")


# `--format csv`: the keys of `--json`, the nested ones flattened with a dot (names that
# `import` reads as well), cells as `export` writes them: amounts in units, yes / no.
CSV_COLUMNS = (
    "id", "title", "organization", "contact", "value", "value_minor", "value_decimal",
    "currency", "stage", "status", "owner", "source", "expected_close", "next_step.action",
    "next_step.owner", "next_step.due", "last_activity_at", "stage_entered_at", "created_at",
    "updated_at", "version", "paused_until", "lost_reason", "qualification.decision_maker",
    "qualification.need", "qualification.timeline", "stale", "next_step_state",
    "closing_soon", "unqualified", "days_in_stage", "forecast_category", "probability",
    "pipeline",
)
_YES = ("no", "yes")


def csv_cells(deal: StoredDeal, flags: DealFlags) -> list[str | int]:
    """A deal as the cells of CSV_COLUMNS (user text not yet neutralised)."""
    action = deal.next_action
    return [
        deal.id, deal.title, deal.organization, deal.contact,
        # No value is an empty cell (as `export` writes it), a deal lost at an unknown stage
        # has none either.
        *(("", "", "") if deal.value is None else (
            format_plain(deal.value, deal.currency), deal.value,
            format_decimal(deal.value, deal.currency))), deal.currency,
        deal.stage or "", deal.status,
        deal.owner, deal.source, deal.expected_close or "", action or "",
        (deal.next_owner or deal.owner) if action else "", (deal.next_due or "") if action else "",
        deal.last_activity_at, deal.stage_entered_at, deal.created_at, deal.updated_at,
        deal.version, deal.paused_until or "", deal.lost_reason,
        _YES[bool(deal.decision_maker)], _YES[bool(deal.need_confirmed)],
        _YES[bool(deal.timeline_confirmed)], _YES[flags.stale], flags.next_step_state.value,
        _YES[flags.closing_soon], _YES[flags.unqualified], flags.days_in_stage,
        deal.forecast_category or "", "" if deal.probability is None else deal.probability,
        deal.pipeline,
    ]


def write_csv(listed: Listed, write: Write) -> None:
    """A header row and a row per deal; a cell a spreadsheet would run gets a leading '."""
    from kanban_pipe.transfer.values import neutralise  # only this format needs it

    class _Lines:
        def __init__(self) -> None:
            self.page: list[str] = []

        def write(self, line: str) -> None:
            self.page.append(line)

    lines = _Lines()
    writer = csv.writer(lines, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for count, (deal, flags) in enumerate(listed, 1):
        writer.writerow([neutralise(cell) if isinstance(cell, str) else cell
                         for cell in csv_cells(deal, flags)])
        if count % PAGE == 0:
            write("".join(lines.page))
            lines.page = []
    write("".join(lines.page))


def write_table(listed: Listed, cells: DealCells, money: MoneySum, write: Write) -> None:
    """The deals as an aligned table and their count and total, or "no deals match"."""
    table = SpooledTable(out.DEAL_HEADERS, out.DEAL_RIGHT)
    try:
        for deal, flags in listed:
            table.add(*cells.row(deal, flags))
            money.add(deal.value, deal.currency)
        if not table.rows:
            write("no deals match\n")
            return
        page = []
        for line in table.lines():
            page.append(line)
            if len(page) == PAGE:
                write("\n".join(page) + "\n")
                page = []
        page.append(f"{out.count_words(table.rows)}, {out.money_text(money.total())}")
        write("\n".join(page) + "\n")
    finally:
        table.close()
