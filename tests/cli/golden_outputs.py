"""Golden outputs of `list` and `standup` on a fixed demo pipeline, made before streaming.

The files were written by the non-streaming `list` and `standup` (main at b932af0, again
at 44d8a74 once `--json` amounts said their unit: value_minor, value_decimal; the standup
files again once each queue was ordered by value and the short summary became the default,
issue 14; `list`'s again once its open deals took in the paused ones whose resume date has
come, the one rule for open the board and the statistics follow, issue 15) with
`python -m tests.cli.golden_outputs`; test_cli_list_golden.py checks that today's commands print
exactly the same. Regenerate them only for an intended change of output, and say so.
"""

from __future__ import annotations

import contextlib
import functools
import gzip
import io
import os
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from unittest import mock

from kanban_pipe.cli import main, run
from kanban_pipe.store import open_store
from kanban_pipe.store.bulk import load_demo

HERE = Path(__file__).resolve().parent / "golden"
# The demo is laid out relative to this moment (a Wednesday), read by every command too.
FIXED = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
DEALS, SEED = 3000, 7

# File name -> the command's arguments (after --db and --user).
COMMANDS: dict[str, tuple[str, ...]] = {
    "list.json": ("list", "--json"),
    "list.txt": ("list",),
    "list-all.txt": ("list", "--status", "all"),
    "list-paused.json": ("list", "--status", "paused", "--json"),
    "list-stale.txt": ("list", "--stale"),
    "list-erik-qualified.json": ("list", "--owner", "erik", "--stage", "qualified", "--json"),
    "standup.json": ("standup", "--format", "json"),
    "standup.txt": ("standup", "--full"),
    "standup.md": ("standup", "--format", "markdown", "--full"),
    "standup-summary.md": ("standup", "--format", "markdown"),
    "standup-li.json": ("standup", "--owner", "li", "--format", "json"),
}


def clock() -> datetime:
    """The fixed clock every store in the golden runs reads."""
    return FIXED


@contextlib.contextmanager
def utc() -> Iterator[None]:
    """Local time is UTC while inside (local days and minutes are part of the output)."""
    before = os.environ.get("TZ")
    os.environ["TZ"] = "UTC"
    time.tzset()
    try:
        yield
    finally:
        if before is None:
            del os.environ["TZ"]
        else:
            os.environ["TZ"] = before
        time.tzset()


def build(path: Path | str) -> Path | str:
    """The golden demo pipeline at `path`, a file or a server URL (made on the fixed clock)."""
    store = open_store(str(path), user="anna", clock=clock)
    try:
        load_demo(store, deals=DEALS, seed=SEED)
    finally:
        store.close()
        store.engine.close()
    return path


def output(path: Path | str, args: tuple[str, ...]) -> str:
    """What `kanban-pipe --db PATH --user anna ARGS` prints on the fixed clock."""
    fixed_store = functools.partial(open_store, clock=clock)
    buffer = io.StringIO()
    with mock.patch.object(run, "open_store", fixed_store), \
            contextlib.redirect_stdout(buffer):
        code = main(["--db", str(path), "--user", "anna", *args])
    assert code == 0, f"{args} exited {code}"
    return buffer.getvalue()


def expected(name: str) -> str:
    """The golden text of one command."""
    return gzip.decompress((HERE / f"{name}.gz").read_bytes()).decode("utf-8")


def write_all(path: Path) -> None:
    """Write every golden file from the commands as they are now."""
    for name, args in COMMANDS.items():
        data = output(path, args).encode("utf-8")
        (HERE / f"{name}.gz").write_bytes(gzip.compress(data, compresslevel=9, mtime=0))
        print(f"{name}: {len(data):,} bytes", file=sys.stderr)


if __name__ == "__main__":
    import tempfile

    with utc(), tempfile.TemporaryDirectory() as folder:
        write_all(build(Path(folder) / "golden.db"))
