"""`kanban-pipe calendar FILE.ics`: the open next steps as an iCalendar file.

The same document `serve --calendar` offers at /calendar.ics (see calendar_bytes).
icalendar is imported only when a calendar is made.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from kanban_pipe import __version__
from kanban_pipe.cli import output as out
from kanban_pipe.cli.due import MINE_HELP
from kanban_pipe.domain.errors import InvalidInputError
from kanban_pipe.store import PipelineStore
from kanban_pipe.store.due import next_step_details, pipeline_identity, undated_steps


def register(commands: Any, sub: Callable[..., Any]) -> None:
    """Add `calendar` to the parser's subcommand group."""
    calendar = sub(commands, "calendar", cmd_calendar,
                   "write the open next steps as an iCalendar file")
    calendar.epilog = ("One all-day event per deal with a dated next step, on its due date. "
                       "Each deal keeps its event's UID, so importing the file again updates "
                       "the events instead of adding new ones.")
    calendar.add_argument("file", metavar="FILE", help="the .ics file to write (- for stdout)")
    calendar.add_argument("--mine", action="store_true", help=MINE_HELP)


def calendar_bytes(store: PipelineStore, *, owner: str | None = None) -> tuple[bytes, int]:
    """The iCalendar document of the dated next steps on the board, and how many it holds."""
    from kanban_pipe.domain.calendar import steps_calendar  # imports icalendar: only here

    steps = next_step_details(store, today=store.today(), owner=owner)
    name = f"kanban-pipe: {store.engine.short_name}" + (f" ({owner})" if owner else "")
    document = steps_calendar(
        steps, pipeline=pipeline_identity(store), name=name, version=__version__,
        stage_names={stage.key: stage.name for stage in store.stages()})
    return document, len(steps)


def cmd_calendar(store: PipelineStore, args: argparse.Namespace) -> str | None:
    """Write the calendar file whole (a reader never sees half of it) and say what it holds."""
    owner = store.user if args.mine else None
    document, count = calendar_bytes(store, owner=owner)
    if args.file == "-":
        sys.stdout.buffer.write(document)
        sys.stdout.flush()
        return None
    path = write_whole(document, args.file, pipeline=store.path)
    undated = undated_steps(store, today=store.today(), owner=owner)
    left_out = f" ({undated} without a due date left out)" if undated else ""
    steps = f"{count} next step" + ("" if count == 1 else "s")
    return f"wrote {steps} to {out.safe(str(path))}{left_out}"


def write_whole(document: bytes, target: str, *, pipeline: str) -> Path:
    """Write `document` to `target` through a temporary file, never over the pipeline."""
    path = Path(target).expanduser()
    if path.is_dir():
        raise InvalidInputError(f"{target} is a folder; give a file name like next-steps.ics")
    if path.resolve() == Path(pipeline).resolve():
        raise InvalidInputError(f"{target} is the pipeline file itself; choose another name")
    if not path.parent.is_dir():
        raise InvalidInputError(f"cannot write {target}: the folder {path.parent} does not exist")
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        temporary.write_bytes(document)
        os.replace(temporary, path)
    except OSError as error:
        temporary.unlink(missing_ok=True)
        raise InvalidInputError(f"cannot write {target}: {error.strerror}") from None
    return path
