"""store.copy: every column of every table goes along, and a copy keeps ids and history."""

from __future__ import annotations

from pathlib import Path

import pytest

from kanban_pipe.domain.errors import InvalidInputError
from kanban_pipe.store import open_store
from kanban_pipe.store.bulk import load_demo
from kanban_pipe.store.copy import TABLES, copy_pipeline
from tests.engines import RawRows


def test_the_copy_names_every_column_of_the_schema(tmp_path: Path) -> None:
    # A migration that adds a table or a column must add it to store.copy.TABLES too.
    open_store(str(tmp_path / "p.db"), user="anna").close()
    raw = RawRows(str(tmp_path / "p.db"))
    tables = {row["name"] for row in raw.rows(
        "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")}
    assert tables == {table for table, _, _ in TABLES}
    for table, columns, _ in TABLES:
        assert [row["name"] for row in raw.rows(f"PRAGMA table_info({table})")] == list(
            columns), table


def test_a_copy_holds_the_same_rows(pipeline_target: str, tmp_path: Path) -> None:
    source = open_store(str(tmp_path / "source.db"), user="anna")
    load_demo(source, deals=120, seed=2)
    source.add_deal("Size unknown", value=None)  # no value (NULL) comes across as such
    target = open_store(pipeline_target, user="anna")
    try:
        counts = copy_pipeline(source, target)
        assert {c.table: c.rows for c in counts}["deals"] == 121
        assert target.get_deal(121).value is None
        for table, columns, order in TABLES:
            sql = f"SELECT {', '.join(columns)} FROM {table} ORDER BY {order}"
            theirs = RawRows(pipeline_target).tuples(sql)
            ours = RawRows(str(tmp_path / "source.db")).tuples(sql)
            if table == "settings":
                ours = [row for row in ours if row[0] != "integrity_checked_at"]
            assert theirs == ours, table
        with pytest.raises(InvalidInputError, match="already holds a pipeline"):
            copy_pipeline(source, target)
    finally:
        source.close()
        target.close()
        target.engine.close()
