"""The command as a real process: exit codes, one-line errors, environment, light imports."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from kanban_pipe import cli
from kanban_pipe.cli import board, parser
from kanban_pipe.cli import run as cli_run
from kanban_pipe.store import open_store


def test_lifecycle_exit_codes_and_no_traceback(run_process, tmp_path) -> None:
    db = str(tmp_path / "p.db")
    added = run_process("--db", db, "--user", "anna", "add", "Acme", "--value", "12k")
    assert (added.returncode, added.stdout, added.stderr) == (0, "1\n", "")
    # --db and --user also work after the command.
    moved = run_process("move", "1", "next", "--confirm", "--db", db, "--user", "anna")
    assert moved.returncode == 0 and moved.stdout.startswith("moved #1 'Acme' Lead → Qualified")

    cases = [
        (["show", "7"], 1, "kanban-pipe: error: no deal #7\n"),
        (["pause", "1", "--until", "nextish"], 1,
         "kanban-pipe: error: --until: can't read 'nextish' as a date"),
        (["frobnicate"], 2, "usage: kanban-pipe"),
    ]
    for args, code, start in cases:
        done = run_process("--db", db, *args)
        assert done.returncode == code, args
        assert done.stderr.startswith(start), (args, done.stderr)
        assert "Traceback" not in done.stderr and done.stdout == ""
    helped = run_process("--help")
    assert helped.returncode == 0 and "demo" in helped.stdout and helped.stderr == ""


def test_list_and_show_do_not_load_textual_or_rich(tmp_path) -> None:
    db = str(tmp_path / "p.db")
    code = (
        "import sys\n"
        "from kanban_pipe.cli import main\n"
        f"assert main(['--db', {db!r}, '--user', 'anna', 'add', 'Acme']) == 0\n"
        f"assert main(['--db', {db!r}, 'list', '--json']) == 0\n"
        f"assert main(['--db', {db!r}, 'show', '1']) == 0\n"
        "loaded = sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'rich'))\n"
        "print('UI', loaded)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1] == "UI []"


def test_environment_picks_file_and_user(tmp_path, monkeypatch, capsys) -> None:
    db = tmp_path / "env.db"
    monkeypatch.setenv("KANBAN_PIPE_DB", str(db))
    monkeypatch.setenv("KANBAN_PIPE_USER", "carl")
    assert cli.main(["add", "Acme"]) == 0
    capsys.readouterr()
    assert cli.main(["list", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [(d["title"], d["owner"]) for d in listed] == [("Acme", "carl")]
    # Flags beat the environment.
    other = tmp_path / "flag.db"
    assert cli.main(["--db", str(other), "--user", "dana", "add", "B"]) == 0
    store = open_store(str(other), user="x")
    try:
        assert store.get_deal(1).owner == "dana"
        assert store.activities(1)[0].actor == "dana"
    finally:
        store.close()
    monkeypatch.setenv("KANBAN_PIPE_USER", "")
    assert cli.main(["--user", " ", "list"]) == 1
    assert capsys.readouterr().err == "kanban-pipe: error: --user is required\n"


def test_undecodable_argument_is_a_user_error(tmp_path) -> None:
    db = os.fsencode(tmp_path / "p.db")
    done = subprocess.run([sys.executable, "-m", "kanban_pipe", b"--db", db, b"add", b"\xff"],
                          capture_output=True, timeout=60, check=False,
                          env={**os.environ, "LC_ALL": "C.UTF-8"})
    assert done.returncode == 1
    assert done.stderr.decode().startswith("kanban-pipe: error: '\\udcff' is not valid UTF-8")


def test_foreign_file_is_refused(run_process, tmp_path) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("shopping list\n")
    done = run_process("--db", str(notes), "list")
    assert done.returncode == 1
    assert "is not a kanban-pipe database" in done.stderr and "Traceback" not in done.stderr
    assert notes.read_text() == "shopping list\n"


def test_keyboard_interrupt_exits_130_quietly(run, monkeypatch) -> None:
    def interrupted(store, args):
        raise KeyboardInterrupt

    monkeypatch.setattr(parser, "cmd_list", interrupted)
    result = run("list")
    assert (result.code, result.out, result.err) == (130, "", "")


def test_read_only_store_reports_one_line(run, db, monkeypatch) -> None:
    # The store is opened read-only exactly as open_store does for a file it cannot write
    # (test_cli_permissions.py does it for real).
    run("add", "Acme")

    def read_only_store(path, *, user, **options):
        store = open_store(path, user=user, **options)
        store.read_only = True
        return store

    monkeypatch.setattr(cli_run, "open_store", read_only_store)
    result = run("move", "1", "next", "--confirm")
    assert result.code == 1
    assert result.err.startswith("kanban-pipe: error: ") and "read-only" in result.err
    assert result.err.count("\n") == 1
    assert run("list").code == 0  # reading still works


def test_commands_module_never_imports_the_board_at_import_time() -> None:
    # The board import lives inside a function; the module itself must not name textual.
    source = Path(board.__file__).read_text()
    assert "import textual" not in source and "from textual" not in source
