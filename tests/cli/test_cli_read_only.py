"""`--read-only` and `open_store(read_only=...)`: a pipeline opened so on purpose can be
read by every command and changed by none, whatever the file's permissions."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest

from kanban_pipe.domain.errors import ReadOnlyError
from kanban_pipe.domain.models import ActivityKind, NextStep
from kanban_pipe.store import open_store
from kanban_pipe.store.postgres.connection import ServerAddress


def _counts(db: str) -> tuple[int, int, int]:
    store = open_store(db, user="anna")
    try:
        row = store.rows("SELECT (SELECT count(*) FROM deals), (SELECT count(*) FROM"
                           " activities), (SELECT sum(version) FROM deals)")[0]
        return int(row[0]), int(row[1]), int(row[2] or 0)
    finally:
        store.close()


def test_every_write_of_a_store_opened_read_only_is_refused(store, db: str) -> None:
    deal = store().add_deal("Acme", next_step=NextStep("Call", "anna", date.today()))
    before = _counts(db)
    looking = open_store(db, user="anna", read_only="started with --read-only")
    try:
        assert looking.read_only and looking.read_only_reason == "started with --read-only"
        assert looking.get_deal(deal.id).title == "Acme"  # reading works
        writes = [
            lambda: looking.add_deal("New"),
            lambda: looking.move_deal(deal.id, "qualified"),
            lambda: looking.set_next_step(deal.id, "Mail", due=date.today()),
            lambda: looking.complete_next_step(deal.id),
            lambda: looking.log_activity(deal.id, ActivityKind.CALL, "rang"),
            lambda: looking.mark_won(deal.id),
            lambda: looking.mark_lost(deal.id, "budget"),
            lambda: looking.pause_deal(deal.id, date.today() + timedelta(days=9)),
            lambda: looking.edit_deal(deal.id, title="Renamed"),
            lambda: looking.delete_deal(deal.id),
            lambda: looking.set_home_currency("SEK"),
            lambda: looking.add_stage("Extra"),
        ]
        for write in writes:
            with pytest.raises(ReadOnlyError, match="started with --read-only"):
                write()
    finally:
        looking.close()
    assert _counts(db) == before


def test_the_read_only_option_lets_commands_read_and_refuses_changes(run, db: str) -> None:
    assert run("add", "Acme fleet", "--next", "Call", "--due", "today").code == 0
    before = _counts(db)
    listed = run("--read-only", "list")
    assert listed.code == 0 and "Acme fleet" in listed.out
    refused = run("--read-only", "move", "1", "next", "--confirm")
    assert refused.code == 1
    named = (ServerAddress(db).label if db.startswith("postgresql://") else Path(db).name)
    assert refused.err.strip() == (f"kanban-pipe: error: {named} is open read-only (started "
                                   "with --read-only): nothing was saved")
    assert run("--read-only", "undo").code == 1
    assert _counts(db) == before


def test_read_only_is_a_board_option_and_keeps_the_quick_start(tmp_path: Path) -> None:
    from kanban_pipe.cli import board, run

    args = run._board_only(["--db", str(tmp_path / "x.db"), "--read-only"])
    assert args is not None and args.read_only is True and args.handler is board.cmd_board
    assert run._board_only(["--db", "x.db"]).read_only is False
