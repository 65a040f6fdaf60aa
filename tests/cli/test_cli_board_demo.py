"""Opening the board (no command) and `demo`, with the board and the demo loader stubbed."""

from __future__ import annotations

import sys
import types
from pathlib import Path

import pytest

from kanban_pipe.cli import main
from kanban_pipe.store import PipelineStore, open_store
from kanban_pipe.store.postgres.connection import ServerAddress

BOARD_MODULE = "kanban_pipe.ui.app"
BULK_MODULE = "kanban_pipe.store.bulk"


@pytest.fixture
def board_calls(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str, int]]:
    """Stand in for the Textual board: record (file, user, open deals) per run_board call."""
    calls: list[tuple[str, str, int]] = []

    def run_board(store: PipelineStore) -> None:
        calls.append((store.path, store.user, len(store.list_deals())))

    monkeypatch.setitem(sys.modules, BOARD_MODULE, types.SimpleNamespace(run_board=run_board))
    return calls


@pytest.fixture
def no_board(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make `from kanban_pipe.ui.app import ...` fail, as before the board existed."""
    monkeypatch.setitem(sys.modules, BOARD_MODULE, None)


@pytest.fixture
def fake_demo(monkeypatch: pytest.MonkeyPatch) -> list[tuple[int, int]]:
    """A deterministic stand-in for load_demo: one open deal per stage in turn."""
    calls: list[tuple[int, int]] = []

    def load_demo(store: PipelineStore, *, deals: int, seed: int) -> int:
        calls.append((deals, seed))
        stages = [s.key for s in store.stages() if not s.is_won]
        for number in range(deals):
            store.add_deal(f"Demo {seed}-{number}", value=100_000 * (number + 1),
                           stage=stages[number % len(stages)])
        return deals

    monkeypatch.setitem(sys.modules, BULK_MODULE,
                        types.SimpleNamespace(load_demo=load_demo))
    return calls


def test_no_command_opens_the_board_on_the_chosen_file(run, db, board_calls) -> None:
    run("add", "Acme")
    result = run()
    assert (result.code, result.out, result.err) == (0, "", "")
    # The store names a file by its path, a server by database and host (no password).
    label = db if not db.startswith("postgresql://") else ServerAddress(db).label
    assert board_calls == [(label, "anna", 1)]


def test_default_database_lives_in_the_user_data_dir(isolated_env, board_calls,
                                                     capsys) -> None:
    assert main(["--user", "anna", "add", "First"]) == 0
    expected = isolated_env / "kanban-pipe" / "pipeline.db"
    assert expected.is_file()
    assert main(["--user", "anna"]) == 0
    assert board_calls == [(str(expected), "anna", 1)]


def test_demo_replaces_its_own_file_each_time(isolated_env, fake_demo, no_board,
                                              capsys) -> None:
    demo = isolated_env / "kanban-pipe" / "demo.db"
    assert main(["demo", "--deals", "6", "--seed", "3", "--no-open"]) == 0
    assert capsys.readouterr().out == (f"demo pipeline: 6 deals in {demo} (seed 3)\n"
                                       f"open it with: kanban-pipe --db {demo}\n")
    assert main(["demo", "--deals", "4", "--no-open"]) == 0
    assert fake_demo == [(6, 3), (4, 1)]
    store = open_store(str(demo), user="x")
    try:  # the second run started from an empty file, not on top of the first
        assert sorted(d.title for d in store.list_deals()) == [f"Demo 1-{n}" for n in range(4)]
    finally:
        store.close()


def test_demo_opens_the_board(isolated_env, fake_demo, board_calls,
                                                     monkeypatch, capsys) -> None:
    demo = str(isolated_env / "kanban-pipe" / "demo.db")
    assert main(["--user", "anna", "demo", "--deals", "5"]) == 0
    assert board_calls == [(demo, "anna", 5)]
    assert capsys.readouterr().out == ""


def test_demo_with_db_fills_a_new_file_and_refuses_one_with_deals(tmp_path, run, fake_demo,
                                                                  no_board) -> None:
    result = run("demo", "--deals", "3", "--no-open")
    assert result.code == 0 and "demo pipeline: 3 deals in" in result.out
    again = run("demo", "--deals", "3", "--no-open")
    assert again.code == 1
    assert "already holds 3 deal(s); demo data goes into a new or empty file" in again.err
    assert fake_demo == [(3, 1)]  # the loader never ran on the full file


def test_demo_ignores_kanban_pipe_db(isolated_env, fake_demo, monkeypatch, tmp_path,
                                     capsys) -> None:
    # KANBAN_PIPE_DB names the user's real pipeline: demo data must never land there.
    real = tmp_path / "real.db"
    monkeypatch.setenv("KANBAN_PIPE_DB", str(real))
    assert main(["demo", "--deals", "2", "--no-open"]) == 0
    assert not real.exists()
    assert (isolated_env / "kanban-pipe" / "demo.db").is_file()


@pytest.mark.parametrize("deals", ["0", "-1", "many"])
def test_demo_deal_count_is_checked(run, deals) -> None:
    assert run("demo", "--deals", deals, "--no-open").code == 2


def test_demo_with_the_real_loader(tmp_path: Path, capsys) -> None:
    pytest.importorskip(BULK_MODULE, reason="kanban_pipe.store.bulk is not written yet")
    target = tmp_path / "real-demo.db"
    assert main(["--db", str(target), "demo", "--deals", "40", "--seed", "7", "--no-open"]) == 0
    assert "demo pipeline: 40 deals" in capsys.readouterr().out
    store = open_store(str(target), user="x")
    try:
        assert len(store.list_deals(statuses=None)) == 40
    finally:
        store.close()
