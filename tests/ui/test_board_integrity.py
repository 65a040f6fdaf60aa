"""The board checks the file after its first frame: a damaged file is refused, unwritten."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from kanban_pipe.domain.errors import DamagedDatabaseError
from kanban_pipe.store import open_store
from kanban_pipe.store.bulk import load_demo
from kanban_pipe.ui.app import create_app

PAGE = 4096


def damaged_pipeline(tmp_path: Path) -> Path:
    path = tmp_path / "damaged.db"
    store = open_store(str(path), user="anna")
    load_demo(store, deals=1500, seed=2)
    store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    store.close()
    pages = path.stat().st_size // PAGE
    with path.open("r+b") as handle:  # garbage over a page deep in the file
        handle.seek((pages - 3) * PAGE)
        handle.write(random.Random(1).randbytes(PAGE))
    return path


async def test_a_damaged_file_closes_the_board_with_the_reason(tmp_path: Path) -> None:
    path = damaged_pipeline(tmp_path)
    before = path.read_bytes()
    store = open_store(str(path), user="anna", defer_check=True)  # cheap checks pass
    assert store.integrity_pending
    app = create_app(store)
    async with app.run_test(size=(140, 40)) as pilot:
        for _ in range(50):
            await pilot.pause(0.1)
            if not app.is_running:
                break
    assert app.return_code == 1
    assert isinstance(app.fatal_error, DamagedDatabaseError)
    assert "is damaged" in str(app.fatal_error)
    with pytest.raises(DamagedDatabaseError):  # and writes stay refused
        store.add_deal("never written")
    store.close()
    assert path.read_bytes() == before


async def test_a_sound_file_passes_the_deferred_check_and_accepts_writes(tmp_path) -> None:
    store = open_store(str(tmp_path / "sound.db"), user="anna", defer_check=True)
    app = create_app(store)
    async with app.run_test(size=(140, 40)) as pilot:
        await pilot.pause(0.3)
        await app.workers.wait_for_complete()
        assert not store.integrity_pending and app.is_running
        assert store.add_deal("written").title == "written"
    store.close()
