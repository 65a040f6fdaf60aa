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
