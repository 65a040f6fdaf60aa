"""Checking an import file column by column: each distinct value once, every failure kept.

Whole columns go through list comprehensions, and owners, currencies, dates and stages,
which repeat down a column, are checked once per distinct value; only a column that has
a problem is walked again, to name the lines. This is what keeps 100,000 rows fast.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from kanban_pipe.domain.amounts import MAX_MINOR, minor_digits
from kanban_pipe.domain.errors import InvalidInputError
from kanban_pipe.domain.models import ActivityKind
from kanban_pipe.domain.validation import clean_name, clean_text
from kanban_pipe.transfer.problems import Problems
from kanban_pipe.transfer.reader import ABSENT
from kanban_pipe.transfer.values import (
    STORED_STAMP,
    minor_units_from_json,
    read_amount,
    read_timestamp,
    restore,
)

Column = list[Any]
_KINDS = {kind.value for kind in ActivityKind}


class ColumnChecker:
    """Column checks of one file; problems go to `problems` with their line numbers."""

    def __init__(self, lines: Sequence[int], problems: Problems, *, csv: bool,
                 guarded: bool = True) -> None:
        self.lines = lines
        self.problems = problems
        self.csv = csv
        # False when the file holds no apostrophe at all: no cell can carry a formula guard.
        self.guarded = guarded

    def fail(self, index: int, column: str | None, value: object, reason: str) -> None:
        """Record a problem of row `index`."""
        self.problems.add(self.lines[index], column, value, reason)

    def texts(self, raw: Column, column: str) -> Column:
        """Cells as text: CSV cells lose a formula guard; JSON scalars become text.

        ABSENT (a key a JSON deal lacks) stays ABSENT; JSON null becomes empty text.
        """
        if self.csv:
            if not self.guarded:
                return list(raw)
            # One search of the joined column finds whether any cell starts with a guard.
            joined = "\n".join(raw)
            if not joined.startswith("'") and "\n'" not in joined:
                return list(raw)
            return [cell if cell[:1] != "'" else restore(cell) for cell in raw]
        result = []
        for index, cell in enumerate(raw):
            if cell is ABSENT or cell.__class__ is str:
                result.append(cell)
            elif cell is None:
                result.append("")
            elif isinstance(cell, bool):
                result.append("yes" if cell else "no")
            elif isinstance(cell, int | float):
                result.append(str(cell))
            else:
                self.fail(index, column, cell, "expected text or a number, found a JSON "
                                               f"{'list' if isinstance(cell, list) else 'object'}")
                result.append(ABSENT)
        return result

    def text(self, texts: Column, column: str, label: str, limit: int,
             required: bool = False) -> Column:
        """Trimmed text of at most `limit` characters (empty refused when required)."""
        if self.csv:
            present = stripped = list(map(str.strip, texts))
        else:
            stripped = [t.strip() if t is not ABSENT else t for t in texts]
            present = [t for t in stripped if t is not ABSENT]
        too_long = max(map(len, present), default=0) > limit
        if too_long or (required and "" in present):
            for index, value in enumerate(stripped):
                if value is ABSENT:
                    continue
                try:
                    clean_text(value, label, required=required, max_length=limit)
                except InvalidInputError as error:
                    self.fail(index, column, texts[index], str(error))
        return stripped

    def mapped(self, texts: Column, column: str, read: Callable[[str], Any]) -> Column:
        """`read` applied once per distinct value; refusals reported on every line."""
        answers: dict[str, Any] = {}
        refused: dict[str, str] = {}
        for value in set(texts):
            if value is ABSENT:
                continue
            try:
                answers[value] = read(value)
            except InvalidInputError as error:
                refused[value] = str(error)
        if refused:
            for index, value in enumerate(texts):
                if value in refused:
                    self.fail(index, column, value, refused[value])
        get = answers.get
        if self.csv:
            return list(map(get, texts))
        return [ABSENT if value is ABSENT else get(value) for value in texts]

    def each(self, texts: Column, column: str, read: Callable[[str], Any]) -> Column:
        """`read` applied to every cell (for values that rarely repeat, like timestamps)."""
        result = []
        for index, value in enumerate(texts):
            if value is ABSENT:
                result.append(ABSENT)
                continue
            try:
                result.append(read(value))
            except InvalidInputError as error:
                self.fail(index, column, value, str(error))
                result.append(ABSENT)
        return result

    def stamps(self, texts: Column, column: str,
               read: Callable[[str], str] = read_timestamp) -> Column:
        """Timestamps as stored; a column already in the stored form is checked in bulk.

        Other forms go through `read` once per distinct value (a CRM's dates repeat).
        """
        present = {t for t in texts if t is not ABSENT and t}
        try:
            if all(map(STORED_STAMP.fullmatch, present)):
                list(map(datetime.fromisoformat, present))  # refuses impossible ones
                return [t if t is ABSENT else (t or None) for t in texts]
        except ValueError:
            pass  # found again below, with its line
        return self.mapped(texts, column, lambda t: read(t) if t.strip() else None)

    def amounts(self, raw: Column, texts: Column, currencies: Sequence[str], column: str,
                minor_json: bool) -> Column:
        """Amounts in each row's currency; a JSON number under `value` is minor units."""
        result: Column = []
        append = result.append
        places = {code: minor_digits(code) for code in set(currencies)}
        slow = []
        for index, (value, currency) in enumerate(zip(texts, currencies, strict=True)):
            # Inline fast path for plain '12000' and '12000.50' (what plain_minor reads):
            # a call per cell would cost as much as the rest of this loop.
            if value.__class__ is str and not minor_json:
                digits = places[currency]
                whole, dot, fraction = value.partition(".")
                if whole.isdigit() and whole.isascii() and len(whole) <= 15:
                    minor = -1
                    if not dot:
                        minor = int(whole) * 10**digits
                    elif fraction.isdigit() and fraction.isascii() and len(fraction) <= digits:
                        minor = (int(whole) * 10**digits
                                 + int(fraction) * 10**(digits - len(fraction)))
                    if 0 <= minor <= MAX_MINOR:  # too large: parse_amount says so
                        append(minor)
                        continue
            append(None)
            slow.append(index)
        for index in slow:
            result[index] = self._amount(raw[index], texts[index], currencies[index], column,
                                         index, minor_json)
        return result

    def _amount(self, cell: Any, text: Any, currency: str, column: str, index: int,
                minor_json: bool) -> Any:
        if text is ABSENT:
            return ABSENT
        try:
            if minor_json and not isinstance(cell, str) and cell is not None:
                return minor_units_from_json(cell)  # null: no value, as read_amount('')
            return read_amount(text, currency)
        except InvalidInputError as error:
            self.fail(index, column, cell, str(error))
            return ABSENT

    def history(self, entries: Any, index: int) -> tuple[tuple[str, str, str, str], ...]:
        """A JSON deal's activities, oldest first, as (at, actor, kind, detail)."""
        if not isinstance(entries, list):
            self.fail(index, "activities", "", "activities must be a list")
            return ()
        history = []
        for number, entry in enumerate(entries):
            try:
                if not isinstance(entry, dict):
                    raise InvalidInputError("an activity must be an object")
                kind = str(entry.get("kind", ""))
                if kind not in _KINDS:
                    raise InvalidInputError(f"unknown activity kind '{kind}'")
                at = read_timestamp(str(entry.get("at") or ""))
                actor = clean_name(str(entry.get("actor") or ""), "activity actor")
                detail = clean_text(str(entry.get("detail") or ""), "activity detail")
            except InvalidInputError as error:
                self.fail(index, f"activities[{number}]", entry, str(error))
                continue
            # The export lists history newest first; ids (or the listing) give the order.
            order = entry["id"] if isinstance(entry.get("id"), int) else -number
            history.append((at, order, actor, kind, detail))
        history.sort(key=lambda item: (item[0], item[1]))
        return tuple((at, actor, kind, detail) for at, _, actor, kind, detail in history)
