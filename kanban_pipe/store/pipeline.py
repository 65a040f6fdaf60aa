"""PipelineStore: the one object the CLI and the board talk to, and `open_store`."""

from __future__ import annotations

import json
from typing import Any

from kanban_pipe.domain.errors import ConflictError, InvalidInputError, NothingToUndoError
from kanban_pipe.domain.models import ActivityKind, Deal
from kanban_pipe.store.base import UNDOABLE_COLUMNS, Clock, utc_now
from kanban_pipe.store.config import PipelineConfig
from kanban_pipe.store.deals import DealActions
from kanban_pipe.store.engine import is_server_url
from kanban_pipe.store.pipelines import PipelineSet
from kanban_pipe.store.targets import PipelineTargets

# What undo names a change by: "can't undo your edit of 'Acme'", not "your edited of".
_UNDONE_WORDS = {
    "created": "creation", "moved": "move", "next_step_set": "next step",
    "next_step_done": "done step", "call": "logged call", "email": "logged email",
    "meeting": "logged meeting", "note": "note", "won": "win", "lost": "loss",
    "paused": "pause", "resumed": "resume", "edited": "edit",
    "qualified": "qualification change", "imported": "import", "deleted": "deletion",
}


class PipelineStore(DealActions, PipelineConfig, PipelineTargets, PipelineSet):
    """A pipeline (in a file or on a server): deal verbs, queries and configuration."""

    def reader(self) -> PipelineStore:
        """A second, read-only connection to the same pipeline, with a lock of its own.

        Both engines let it read while this one writes: background reads (whole columns,
        sums) then never hold up what the UI thread reads or writes.
        """
        conn = self.engine.connect_again(read_only=True)
        reader = PipelineStore(self.engine, conn, user=self.user, read_only=True,
                               clock=self.clock)
        reader.pipeline = self.pipeline
        return reader

    def companion(self) -> PipelineStore | None:
        """A reader kept for reads beside this store's own (see StoreCore.companion),
        narrowed to the pipeline in view now."""
        if not self.engine.shares_snapshots:
            return None
        with self.lock:
            if self._companion is None:
                self._companion = self.reader()
            companion = self._companion
        assert isinstance(companion, PipelineStore)
        companion.pipeline = self.pipeline
        return companion

    def undo(self) -> tuple[Deal, str]:
        """Undo this user's last change with a compensating change and an `undo` entry.

        Refuses (and changes nothing) when someone else has changed the same fields since.
        """

        def work() -> tuple[Deal, str]:
            conn = self.conn
            row = conn.execute(
                "SELECT a.id, a.deal_id, a.kind, a.detail, a.changes FROM activities a"
                " WHERE a.actor = ? AND a.kind != 'undo' AND a.changes IS NOT NULL"
                " AND NOT EXISTS (SELECT 1 FROM activities u WHERE u.undoes = a.id)"
                " AND a.id > coalesce((SELECT CAST(value AS INTEGER) FROM settings"
                " WHERE key = 'undo_floor'), 0)"
                " ORDER BY a.id DESC LIMIT 1",
                (self.user,),
            ).fetchone()
            if row is None:
                raise NothingToUndoError(f"nothing to undo for {self.user}")
            activity_id, deal_id, kind, detail, changes_json = row
            changes: dict[str, list[Any]] = json.loads(changes_json)
            record = self._deal_record(deal_id, include_deleted=True)
            gone = _places_gone(conn, changes)
            if gone:
                raise InvalidInputError(
                    f"can't undo your {_UNDONE_WORDS.get(kind, kind.replace('_', ' '))} of "
                    f"'{record['title']}': {gone} it was in has been removed since")
            # Card order and "last activity" also change through other people's unrelated
            # work (a reorder, a logged call): they are no clash, and are left as they are
            # now unless nothing touched them since.
            incidental = {"position", "last_activity_at"}
            clashes = [
                c for c, (_old, new) in changes.items()
                if c not in incidental and record[c] != new
            ]
            if clashes:
                other = conn.execute(
                    "SELECT actor, kind FROM activities WHERE deal_id = ? AND id > ?"
                    " AND actor != ? ORDER BY id DESC LIMIT 1", (deal_id, activity_id, self.user),
                ).fetchone()
                who = f"{other[0]} ({other[1].replace('_', ' ')})" if other else "someone"
                raise ConflictError(
                    f"can't undo your {_UNDONE_WORDS.get(kind, kind.replace('_', ' '))} of "
                    f"'{record['title']}': "
                    f"{who} changed it since; nothing was undone"
                )
            updates = {
                c: old for c, (old, new) in changes.items()
                if c in UNDOABLE_COLUMNS and (c not in incidental or record[c] == new)
            }
            if updates.get("deleted_at"):
                updates["deleted_at"] = self.now_text()  # undoing a creation deletes it now
            what = f"{kind.replace('_', ' ')}" + (f": {detail}" if detail else "")
            deal = self._change(deal_id, ActivityKind.UNDO, updates, detail=f"undid {what}",
                                include_deleted=True, undoes=activity_id)
            return deal, f"undid {what} on '{deal.title}'"

        return self.write(work)


def open_store(path: str, *, user: str, clock: Clock = utc_now,
               defer_check: bool = False, full_check: bool | None = None,
               read_only: str = "") -> PipelineStore:
    """Open (creating and migrating if needed) the pipeline at `path` for `user`.

    `path` is a file (SQLite) or a `postgresql://` URL (a team server). A pipeline this
    process may not write opens read-only (`store.read_only_reason` says why); a
    `read_only` reason (e.g. "started with --read-only") opens it so on purpose, and every
    write is refused with that reason. The page-by-page integrity check of a file runs
    when store.integrity's policy asks for it (or always / never with `full_check`). With
    `defer_check` it is left to `store.verify_integrity()` (the board runs it after its
    first frame); writes wait for it and are refused if it fails.
    """
    target = str(path)
    if is_server_url(target):
        from kanban_pipe.store.postgres import open_server  # psycopg: only for a server

        engine, conn, refused = open_server(target)
        return PipelineStore(engine, conn, user=user, clock=clock,
                             read_only_reason=refused or read_only, verified=not defer_check)
    from kanban_pipe.store.sqlite_engine import open_file

    file_engine, opened = open_file(target, full_check=False if defer_check else full_check)
    return PipelineStore(file_engine, opened.conn, user=user,
                         read_only_reason=opened.read_only or read_only, clock=clock,
                         verified=not defer_check)


def _places_gone(conn: Any, changes: dict[str, list[Any]]) -> str:
    """The stage or pipeline an undo would put a deal back into that no longer exists
    ('' when both still do)."""
    stage = changes.get("stage", [None])[0]
    if stage is not None and conn.execute("SELECT count(*) FROM stages WHERE key = ?",
                                          (stage,)).fetchone()[0] == 0:
        return f"the stage {stage!r}"
    pipeline = changes.get("pipeline", [None])[0]
    if pipeline is not None and conn.execute("SELECT count(*) FROM pipelines WHERE key = ?",
                                             (pipeline,)).fetchone()[0] == 0:
        return f"the pipeline {pipeline!r}"
    return ""
