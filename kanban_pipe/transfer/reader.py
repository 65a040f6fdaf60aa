"""Reading an import file into a header and rows, with its limits and decoding errors."""

from __future__ import annotations

import codecs
import csv
import io
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kanban_pipe.domain.errors import InvalidInputError

MAX_FILE_BYTES = 50 * 1024 * 1024
MAX_COLUMNS = 200
DEFAULT_ENCODING = "utf-8-sig"
DELIMITERS = ",;\t|"


class Absent:
    """A JSON key a deal object does not have (unlike null, which clears a field)."""

    def __repr__(self) -> str:
        return "ABSENT"


ABSENT: Any = Absent()


@dataclass(frozen=True, slots=True)
class SourceTable:
    """An import file as read: its column names and (line, cells) rows.

    `unit` says what the numbers count: lines, or deals in a JSON file written on one line.
    `histories` holds JSON deals' activity lists by row index.
    """

    name: str
    kind: str
    headers: list[str]
    rows: list[tuple[int, list[Any]]]
    histories: dict[int, Any]
    problems: list[tuple[int, str]]
    unit: str = "line"
    guarded: bool = True  # False when no cell can start with a formula guard (')


def read_source(path: str, *, encoding: str = DEFAULT_ENCODING,
                kind: str | None = None) -> SourceTable:
    """Read a CSV or JSON file whole, or raise InvalidInputError saying why it can't be."""
    file = Path(path)
    name = file.name
    try:
        size = file.stat().st_size
        if size > MAX_FILE_BYTES:
            raise InvalidInputError(
                f"{name} is {_size(size)}; the import limit is {_size(MAX_FILE_BYTES)}: "
                "split it into smaller files")
        data = file.read_bytes()
    except FileNotFoundError:
        raise InvalidInputError(f"no file {path}") from None
    except IsADirectoryError:
        raise InvalidInputError(f"{path} is a folder, not a file") from None
    except OSError as error:
        raise InvalidInputError(f"cannot read {path}: {error.strerror}") from None
    text = _decode(data, encoding, name)
    if kind is None:
        looks_json = file.suffix.lower() == ".json" or text.lstrip()[:1] == "["
        kind = "json" if looks_json else "csv"
    if kind == "json":
        return _read_json(text, name)
    return _read_csv(text, name)


def _size(size: int) -> str:
    return f"{size / 2**20:.1f} MB" if size >= 2**20 else f"{size:,} bytes"


def _decode(data: bytes, encoding: str, name: str) -> str:
    try:
        codecs.lookup(encoding)
    except LookupError:
        raise InvalidInputError(
            f"--encoding {encoding!r} is not an encoding Python knows "
            "(try utf-8, cp1252, latin-1 or utf-16)") from None
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        byte = data[error.start:error.start + 1].hex()
        shown = codecs.lookup(encoding).name
        raise InvalidInputError(
            f"{name} is not valid {shown} text (line {line}, byte 0x{byte}); say its "
            "encoding with --encoding, e.g. --encoding cp1252 for Excel on Windows") from None


def _read_csv(text: str, name: str) -> SourceTable:
    delimiter = sniff_delimiter(text)
    # A 1 MB title must reach the length check (and its clear message), not csv's own limit.
    csv.field_size_limit(max(csv.field_size_limit(), MAX_FILE_BYTES))
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, quotechar='"',
                        doublequote=True, strict=False)
    headers: list[str] | None = None
    rows: list[tuple[int, list[Any]]] = []
    problems: list[tuple[int, str]] = []
    width = 0
    start = 1
    append = rows.append
    try:
        for cells in reader:
            line, start = start, reader.line_num + 1
            if len(cells) == width:  # the usual row, checked first and quickest
                if any(cells):
                    append((line, cells))
                continue
            if not any(cells):
                continue  # blank lines, and rows of nothing but delimiters
            if headers is None:
                _check_width(len(cells), name)
                # A BOM survives when --encoding names plain utf-8: not part of the name.
                headers = [cell.strip().lstrip("\ufeff") for cell in cells]
                width = len(cells)
                continue
            if len(cells) < width:
                # Spreadsheets drop trailing empty cells.
                cells.extend([""] * (width - len(cells)))
            elif len(cells) > width:
                if any(cells[width:]):
                    problems.append((line, f"the row has {len(cells)} cells but the header has "
                                           f"{width} columns (a stray delimiter or quote?)"))
                    continue
                del cells[width:]
            append((line, cells))
    except csv.Error as error:
        raise InvalidInputError(f"{name} line {reader.line_num}: {error}") from None
    if headers is None:
        raise InvalidInputError(f"{name} is empty: no header row and no deals")
    return SourceTable(name, "csv", headers, rows, {}, problems, guarded="'" in text)


def sniff_delimiter(text: str) -> str:
    """The delimiter csv.Sniffer finds in the first lines (comma when it can't tell)."""
    sample = text[:65536]
    if len(text) > len(sample) and "\n" in sample:
        sample = sample[:sample.rindex("\n")]
    first_line = sample.split("\n", 1)[0]
    try:
        found = csv.Sniffer().sniff(sample, delimiters=DELIMITERS).delimiter
    except csv.Error:
        found = ","
    # The sniffer can be fooled by data rows; a delimiter absent from the header is wrong.
    if found not in first_line:
        counts = {d: first_line.count(d) for d in DELIMITERS}
        best = max(counts, key=lambda d: counts[d])
        found = best if counts[best] else ","
    return found


def _check_width(columns: int, name: str) -> None:
    if columns > MAX_COLUMNS:
        raise InvalidInputError(
            f"{name} has {columns} columns; the import limit is {MAX_COLUMNS}: remove the "
            "columns you don't need (or check the delimiter)")


_SPACE = re.compile(r"[ \t\n\r]*")


def _read_json(text: str, name: str) -> SourceTable:
    """A JSON list of deal objects; each object's line is kept for error messages."""
    decoder = json.JSONDecoder()
    pos = _SPACE.match(text, 0).end()  # type: ignore[union-attr]
    if text[pos:pos + 1] != "[":
        raise InvalidInputError(
            f"{name} is not a JSON list of deals (as `kanban-pipe export --format json` "
            "writes)")
    objects: list[tuple[int, Any]] = []
    line, counted = 1, 0
    pos = _SPACE.match(text, pos + 1).end()  # type: ignore[union-attr]
    try:
        while text[pos:pos + 1] != "]":
            value, end = decoder.raw_decode(text, pos)
            line += text.count("\n", counted, pos)
            counted = pos
            objects.append((line, value))
            pos = _SPACE.match(text, end).end()  # type: ignore[union-attr]
            if text[pos:pos + 1] == ",":
                pos = _SPACE.match(text, pos + 1).end()  # type: ignore[union-attr]
            elif text[pos:pos + 1] != "]":
                raise json.JSONDecodeError("Expecting ',' delimiter", text, pos)
    except json.JSONDecodeError as error:
        raise InvalidInputError(
            f"{name} is not valid JSON (line {error.lineno}, column {error.colno}): "
            f"{error.msg}") from None
    unit = "line"
    if len({line for line, _ in objects}) < len(objects):
        # Objects sharing lines (JSON written without indentation): count deals instead.
        unit = "deal"
        objects = [(number, value) for number, (_, value) in enumerate(objects, 1)]
    headers: dict[str, int] = {}
    flat_rows: list[tuple[int, dict[str, Any]]] = []
    histories: dict[int, Any] = {}
    problems: list[tuple[int, str]] = []
    for line, value in objects:
        if not isinstance(value, dict):
            problems.append((line, f"expected a deal object, found {type(value).__name__}"))
            continue
        flat = _flatten(value)
        for key in flat:
            if key not in headers:
                headers[key] = len(headers)
                _check_width(len(headers), name)
        if "activities" in value:
            histories[len(flat_rows)] = value["activities"]
        flat_rows.append((line, flat))
    names = list(headers)
    rows = [(line, [flat.get(key, ABSENT) for key in names]) for line, flat in flat_rows]
    return SourceTable(name, "json", names, rows, histories, problems, unit)


def _flatten(deal: dict[str, Any]) -> dict[str, Any]:
    """Nested next_step and qualification objects as dotted keys; null ones as nulls."""
    flat: dict[str, Any] = {}
    for key, value in deal.items():
        if key in ("next_step", "qualification"):
            parts = ("action", "owner", "due") if key == "next_step" else (
                "decision_maker", "need", "timeline")
            inner = value if isinstance(value, dict) else {}
            for part in parts:
                flat[f"{key}.{part}"] = inner.get(part)
        elif key != "activities":
            flat[str(key)] = value
    return flat
