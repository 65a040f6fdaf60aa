"""The team server on the command line: `copy` both ways, backup and check of a server,
and a password in the URL that never shows."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from kanban_pipe.store import open_store
from kanban_pipe.store.bulk import load_demo

PASSWORD = "Sekr3t-pa55"


def demo_file(path: Path, deals: int = 200) -> str:
    store = open_store(str(path), user="anna")
    try:
        load_demo(store, deals=deals, seed=7)
        store.log_activity(3, "note", "a line of history")
    finally:
        store.close()
    return str(path)


def outputs(run, db: str) -> dict[str, str]:
    """What scripts read from a pipeline, command by command."""
    found = {}
    for command in (("list", "--json"), ("list", "--status", "all", "--json"),
                    ("stats", "--json"), ("standup", "--format", "json"), ("show", "3"),
                    ("export", "--format", "json")):
        result = run("--db", db, *command)
        assert result.code == 0, (command, result.err)
        found[" ".join(command)] = result.out
    return found


def test_copy_a_file_onto_the_server_and_back(cli, pg_url: str, tmp_path: Path) -> None:
    source = demo_file(tmp_path / "team.db")
    before = outputs(cli, source)
    onto = cli("copy", source, pg_url)
    assert onto.code == 0, onto.err
    assert onto.out.startswith(f"copied {source} to ")
    assert "200 deals" in onto.out and "counted again" in onto.out
    assert outputs(cli, pg_url) == before
    back = tmp_path / "back.db"
    into = cli("copy", pg_url, str(back))
    assert into.code == 0, into.err
    assert "200 deals" in into.out
    assert outputs(cli, str(back)) == before
    # The copy keeps the ids: new deals and history continue after them on both.
    assert cli("--db", pg_url, "add", "After the move").out == "201\n"
    assert cli("--db", str(back), "add", "After the move").out == "201\n"


def test_copy_into_a_pipeline_that_holds_deals_is_refused(cli, pg_url: str,
                                                          tmp_path: Path) -> None:
    source = demo_file(tmp_path / "team.db", deals=20)
    cli("--db", pg_url, "add", "Already here")
    refused = cli("copy", source, pg_url)
    assert refused.code == 1
    assert "already holds a pipeline (1 deals" in refused.err and "nothing was copied" in \
        refused.err
    assert json.loads(cli("--db", pg_url, "list", "--json").out)[0]["title"] == "Already here"


def test_a_failed_copy_leaves_no_file(cli, tmp_path: Path) -> None:
    source = demo_file(tmp_path / "team.db", deals=20)
    target = tmp_path / "copy.db"
    # A stage in the target that the copy's deals do not know: make the source lie.
    conn = sqlite3.connect(source)
    conn.execute("PRAGMA foreign_keys = OFF")
    conn.execute("UPDATE deals SET stage = 'gone' WHERE id = 5")
    conn.commit()
    conn.close()
    failed = cli("copy", source, str(target))
    assert failed.code == 1 and "kanban-pipe: error:" in failed.err
    assert not target.exists() and not Path(f"{target}-wal").exists()


def test_backup_of_a_server_is_a_file_kanban_pipe_opens(cli, pg_url: str,
                                                       tmp_path: Path) -> None:
    cli("copy", demo_file(tmp_path / "team.db", deals=50), pg_url)
    backup = tmp_path / "plane.db"
    done = cli("--db", pg_url, "backup", str(backup))
    assert done.code == 0, done.err
    assert done.out.startswith("backed up ") and f"to {backup}: 50 deals" in done.out
    assert not Path(f"{backup}-wal").exists()
    assert outputs(cli, str(backup)) == outputs(cli, pg_url)
    checked = cli("--db", str(backup), "check")
    assert checked.code == 0 and checked.out.splitlines()[0] == f"{backup}: ok"


def test_check_of_a_server(cli, pg_url: str, tmp_path: Path) -> None:
    cli("copy", demo_file(tmp_path / "team.db", deals=30), pg_url)
    done = cli("--db", pg_url, "check")
    assert done.code == 0, done.err
    lines = done.out.splitlines()
    assert lines[0].endswith(": ok") and " on " in lines[0]
    assert "PostgreSQL" in lines[1]
    assert lines[3].startswith("schema version: ") and lines[3].endswith("(current)")
    assert lines[4] == "deals:          30"
    assert lines[-1].startswith("integrity:      ok (every table and trigger")


def test_a_password_in_the_url_appears_in_no_output(cli, pg_url: str, tmp_path: Path,
                                                    run_process) -> None:
    url = f"{pg_url}&password={PASSWORD}"
    seen: list[str] = []

    def said(result) -> None:
        seen.extend((result.out, result.err))

    said(cli("--db", url, "add", "Acme", "--value", "12k"))
    said(cli("--db", url, "demo", "--deals", "10", "--no-open"))
    for command in (("list",), ("list", "--json"), ("show", "1", "--json"), ("show", "99"),
                    ("stats", "--json"), ("standup",), ("check",), ("move", "1", "nowhere"),
                    ("backup", str(tmp_path / "b.db")), ("export", "--format", "json")):
        said(cli("--db", url, *command))
    said(cli("copy", url, str(tmp_path / "c.db")))
    wrong = url.replace("postgresql:///postgres", "postgresql:///no_such_database")
    said(cli("--db", wrong, "list"))
    child = run_process("--db", wrong, "list")
    seen.extend((child.stdout, child.stderr))
    assert any("does not exist" in text for text in seen)
    assert all(PASSWORD not in text for text in seen)
    assert all("postgresql://" not in text for text in seen)


@pytest.fixture
def cli(capsys):
    """`kanban-pipe ARGS...` in-process, with no --db of its own."""
    from kanban_pipe.cli import main
    from tests.cli.conftest import Result

    def invoke(*args: str, user: str = "anna") -> Result:
        capsys.readouterr()
        code = main(["--user", user, *args])
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)

    return invoke
