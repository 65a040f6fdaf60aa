"""The file engine's bulk writing: many rows per INSERT, indexes built once, a roomy cache.

Used by imports, the demo loader and `copy` into a file, through SqliteEngine.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from itertools import chain, islice
from typing import Any

_MAX_PARAMETERS = 32_766

# A SELECT list over the VALUES columns (column1, column2, ...) with ?1, ?2 ... bound to
# the constants that follow it: each row then carries only the values that differ.
Template = tuple[str, tuple[Any, ...]]


def insert_many(conn: sqlite3.Connection, table: str, columns: Sequence[str],
                rows: Iterable[Sequence[Any]], template: Template | None = None) -> None:
    """Insert `rows`, many per statement (several times faster than executemany, which
    runs the statement, and builds its CHECK (... IN (...)) lists, once per row)."""
    head_params = template[1] if template else ()
    pending = iter(rows)
    first = next(pending, None)
    if first is None:
        return
    width = len(first)
    limit = min(_MAX_PARAMETERS, conn.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER))
    per = max(1, (limit - len(head_params)) // width)
    one = "(" + ", ".join("?" * width) + ")"
    if template:
        head = (f"INSERT INTO {table} ({', '.join(columns)}) SELECT {template[0]}"
                " FROM (VALUES ")
        tail = ")"
    else:
        head, tail = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ", ""
    full = head + ", ".join([one] * per) + tail
    pending = chain((first,), pending)
    while chunk := list(islice(pending, per)):
        if len(chunk) == per:
            conn.execute(full, [*head_params, *chain.from_iterable(chunk)])
            continue
        # The last, shorter part in power-of-two pieces: a statement of every length would
        # each be compiled and kept in the connection's statement cache (megabytes each
        # with thousands of parameters), once per call.
        start = 0
        for size in (1 << bit for bit in reversed(range(len(chunk).bit_length()))):
            if len(chunk) - start >= size:
                piece = chunk[start:start + size]
                conn.execute(head + ", ".join([one] * size) + tail,
                             [*head_params, *chain.from_iterable(piece)])
                start += size


@contextmanager
def indexes_rebuilt_after(conn: sqlite3.Connection, tables: Sequence[str], *,
                          drop: bool = True) -> Iterator[None]:
    """Drop the tables' indexes for a bulk insert and build them again afterwards.

    Keeping the time-ordered activity index current row by row costs a random B-tree
    insert per activity; one sort-based CREATE INDEX at the end is several times cheaper.
    Both happen inside the caller's transaction, so other connections never see the gap,
    and a failure rolls the drop back with everything else.
    """
    indexes = conn.execute(
        "SELECT name, sql FROM sqlite_schema WHERE type = 'index' AND sql IS NOT NULL"
        f" AND tbl_name IN ({', '.join('?' for _ in tables)})",
        tuple(tables),
    ).fetchall() if drop else []
    for name, _sql in indexes:
        conn.execute(f'DROP INDEX "{name}"')
    yield
    for _name, sql in indexes:
        conn.execute(sql)


@contextmanager
def roomy_cache(conn: sqlite3.Connection, *, enabled: bool = True) -> Iterator[None]:
    """A larger page cache while a big transaction runs, so it is not spilled half-way."""
    if not enabled:
        yield
        return
    before = conn.execute("PRAGMA cache_size").fetchone()[0]
    conn.execute("PRAGMA cache_size = -131072")  # 128 MB, given back afterwards
    try:
        yield
    finally:
        conn.execute(f"PRAGMA cache_size = {int(before)}")
