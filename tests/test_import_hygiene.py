"""Importing the store and the domain never loads the UI stack (textual, rich)."""

from __future__ import annotations

import json
import subprocess
import sys

PROBE = """
import importlib, json, pkgutil, sys
import kanban_pipe.domain, kanban_pipe.store
loaded = []
for package in (kanban_pipe.domain, kanban_pipe.store):
    for module in pkgutil.iter_modules(package.__path__):
        name = f"{package.__name__}.{module.name}"
        importlib.import_module(name)
        loaded.append(name)
ui = sorted(m for m in sys.modules if m.split(".")[0] in ("textual", "rich"))
print(json.dumps({"loaded": loaded, "ui": ui}))
"""

DOMAIN_ONLY = """
import importlib, json, pkgutil, sys
import kanban_pipe.domain
for module in pkgutil.iter_modules(kanban_pipe.domain.__path__):
    importlib.import_module(f"kanban_pipe.domain.{module.name}")
storage = sorted(m for m in sys.modules
                 if m.split(".")[0] in ("sqlite3", "_sqlite3", "sqlite_utils", "textual", "rich"))
print(json.dumps(storage))
"""


def run(code: str) -> object:
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_store_and_domain_do_not_import_textual_or_rich():
    report = run(PROBE)
    assert isinstance(report, dict)
    # The probe really imported every module (so the check below means something).
    assert {"kanban_pipe.domain.rules", "kanban_pipe.domain.models",
            "kanban_pipe.store.connection", "kanban_pipe.store.pipeline"} <= set(
        report["loaded"])
    assert report["ui"] == []


def test_domain_is_pure():
    assert run(DOMAIN_ONLY) == []


BOARD_START = """
import json, sys
from kanban_pipe.cli import board, run
import kanban_pipe.ui.app
args = run._board_only(["--db", "x.db", "--user", "anna"])
later = ("kanban_pipe.transfer", "kanban_pipe.cli.reports", "kanban_pipe.cli.transfer",
         "kanban_pipe.cli.stats", "kanban_pipe.store.review", "kanban_pipe.ui.screens.confirm",
         "kanban_pipe.ui.screens.forms", "kanban_pipe.ui.screens.review", "kanban_pipe.ui.drafts",
         "sqlite_utils")
print(json.dumps({"board": args.handler is board.cmd_board,
                  "loaded": sorted(m for m in sys.modules if m.startswith(later))}))
"""


def test_opening_the_board_loads_no_command_or_dialog_modules():
    # They cost the board's first frame ~50 ms; each loads when its command or key is used.
    assert run(BOARD_START) == {"board": True, "loaded": []}


def test_only_db_and_user_take_the_board_shortcut():
    from kanban_pipe.cli import run

    assert run._board_only([]) is not None
    for argv in (["list"], ["--help"], ["--version"], ["--us", "anna"], ["--db"], ["-x"]):
        assert run._board_only(argv) is None, argv


def test_stats_builds_no_other_commands_parser():
    # Building them imports the transfer and report modules, ~45 ms of `stats`' start.
    loaded = run("import json, sys\n"
                 "from kanban_pipe.cli import run\n"
                 "args = run._alone(['--db', 'x.db', 'stats', '--json'])\n"
                 "print(json.dumps(sorted(m for m in sys.modules if m.startswith(("
                 "'kanban_pipe.transfer', 'kanban_pipe.cli.transfer', 'kanban_pipe.cli.reports',"
                 " 'kanban_pipe.cli.standup', 'kanban_pipe.cli.serve')))))\n")
    assert loaded == []
