"""Files the store must refuse: one clear line, and not a byte written."""

from __future__ import annotations

import random
import sqlite3
from pathlib import Path

import pytest

from kanban_pipe.domain.errors import (
    DamagedDatabaseError,
    KanbanPipeError,
    NewerSchemaError,
    NotAPipelineError,
    StorageError,
)
from kanban_pipe.store import open_store
from kanban_pipe.store.schema import SCHEMA_VERSION

PAGE = 4096


def snapshot(folder: Path) -> dict[str, tuple[bytes, int]]:
    """Every file in the folder with its bytes and modification time."""
    return {
        path.name: (path.read_bytes(), path.stat().st_mtime_ns)
        for path in sorted(folder.iterdir())
    }


def refuse(path: Path, error: type[KanbanPipeError]) -> str:
    """Open `path`, expect `error`, check nothing changed in its folder; return the message."""
    before = snapshot(path.parent)
    with pytest.raises(error) as caught:
        open_store(str(path), user="anna")
    assert snapshot(path.parent) == before, "a refused file must not be written"
    message = str(caught.value)
    assert "\n" not in message, f"the error must be one line: {message!r}"
    assert len(message) < 300
    return message


def make_pipeline(path: Path, deals: int = 0) -> None:
    """A valid pipeline file, fully checkpointed and closed."""
    store = open_store(str(path), user="anna")
    if deals:
        conn = store.db.conn
        conn.execute("BEGIN")
        conn.executemany(
            "INSERT INTO deals (title, organization, currency, stage, owner, created_at,"
            " updated_at, stage_entered_at, last_activity_at)"
            " VALUES (?, ?, 'EUR', 'lead', 'anna', 'x', 'x', 'x', 'x')",
            [(f"Deal number {n}", f"Organisation {n % 97}") for n in range(deals)],
        )
        conn.execute("COMMIT")
    store.close()
    assert not Path(f"{path}-wal").exists()


def test_text_file_is_not_a_pipeline(tmp_path: Path):
    path = tmp_path / "notes.db"
    path.write_text("name,value\nAcme,1200\n")
    message = refuse(path, NotAPipelineError)
    assert "not a kanban-pipe database" in message
    assert str(path) in message


def test_short_text_file_is_not_a_pipeline(tmp_path: Path):
    path = tmp_path / "tiny.db"
    path.write_text("hi\n")
    assert "not a kanban-pipe database" in refuse(path, NotAPipelineError)


def test_foreign_sqlite_database_is_refused(tmp_path: Path):
    path = tmp_path / "crm.sqlite"
    conn = sqlite3.connect(str(path))
    conn.execute("CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT)")
    conn.execute("INSERT INTO customers (name) VALUES ('Acme')")
    conn.commit()
    conn.close()
    message = refuse(path, NotAPipelineError)
    assert "another program" in message
    assert "not a kanban-pipe pipeline" in message
    conn = sqlite3.connect(str(path))
    assert conn.execute("SELECT name FROM sqlite_schema").fetchall() == [("customers",)]
    conn.close()


def test_foreign_application_id_is_refused_even_without_tables(tmp_path: Path):
    path = tmp_path / "other.db"
    conn = sqlite3.connect(str(path))
    conn.execute("PRAGMA application_id = 1234")
    conn.execute("CREATE TABLE t (x)")
    conn.execute("DROP TABLE t")
    conn.commit()
    conn.close()
    assert "another program" in refuse(path, NotAPipelineError)


def test_newer_schema_is_refused(tmp_path: Path):
    path = tmp_path / "pipeline.db"
    make_pipeline(path)
    conn = sqlite3.connect(str(path))
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()
    message = refuse(path, NewerSchemaError)
    assert "newer kanban-pipe" in message
    assert f"schema {SCHEMA_VERSION + 1}" in message
    assert "upgrade" in message


@pytest.mark.parametrize("where", ["third", "middle", "last"])
def test_damaged_file_is_refused(tmp_path: Path, where: str):
    path = tmp_path / "pipeline.db"
    make_pipeline(path, deals=4000)
    pages = path.stat().st_size // PAGE
    assert pages > 20
    page = {"third": 3, "middle": pages // 2, "last": pages - 1}[where]
    garbage = random.Random(page).randbytes(PAGE)
    with path.open("r+b") as handle:
        handle.seek((page - 1) * PAGE)
        handle.write(garbage)
    message = refuse(path, DamagedDatabaseError)
    assert "is damaged" in message
    assert "restore it from a backup" in message


def test_truncated_file_is_refused(tmp_path: Path):
    path = tmp_path / "pipeline.db"
    make_pipeline(path, deals=4000)
    with path.open("r+b") as handle:
        handle.truncate(path.stat().st_size // 2)
    message = refuse(path, DamagedDatabaseError)
    assert "is damaged" in message


def test_file_cut_inside_the_header_is_refused(tmp_path: Path):
    path = tmp_path / "pipeline.db"
    make_pipeline(path)
    with path.open("r+b") as handle:
        handle.truncate(60)
    assert "is damaged" in refuse(path, DamagedDatabaseError)


def test_missing_directory_is_refused_and_not_created(tmp_path: Path):
    path = tmp_path / "no-such-folder" / "pipeline.db"
    with pytest.raises(StorageError) as caught:
        open_store(str(path), user="anna")
    message = str(caught.value)
    assert "does not exist" in message
    assert "no-such-folder" in message
    assert "\n" not in message
    assert not path.parent.exists()
