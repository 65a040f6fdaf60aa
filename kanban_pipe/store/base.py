"""The store's core: one locked connection, reads, and the change-plus-activity primitive.

The store-internal API other store modules use: `lock` (held while using `conn`),
`rows()` (a read), `write()` (one transaction), `now_text()` (the clock as stored) and
`engine` (what differs between SQLite and PostgreSQL, see store.engine). The CLI and the
board use the verbs and queries built on them, never these.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, TypeVar, cast

from kanban_pipe.domain.errors import (
    InvalidInputError,
    KanbanPipeError,
    NotFoundError,
    ReadOnlyError,
    StaleVersionError,
    StorageError,
)
from kanban_pipe.domain.models import ActivityKind, Deal
from kanban_pipe.store.engine import Connection, Engine
from kanban_pipe.store.rows import DEAL_COLUMNS, deal_from_row, stamp

if TYPE_CHECKING:
    import sqlite3

T = TypeVar("T")
Clock = Callable[[], datetime]

# Columns an activity's `changes` may name, so undo can only ever write deal columns.
UNDOABLE_COLUMNS = frozenset(
    {
        "title", "organization", "contact", "value", "currency", "stage", "status", "owner",
        "source", "expected_close", "next_action", "next_owner", "next_due", "paused_until",
        "lost_reason", "decision_maker", "need_confirmed", "timeline_confirmed", "position",
        "stage_entered_at", "last_activity_at", "closed_at", "deleted_at", "forecast_category",
        "probability", "pipeline",
    }
)


def utc_now() -> datetime:
    """The real clock, in UTC."""
    return datetime.now(UTC)


class StoreCore:
    """Connection, lock and transaction plumbing shared by the store's verbs."""

    def __init__(
        self, engine: Engine, conn: Connection, *, user: str, read_only: bool = False,
        clock: Clock = utc_now, verified: bool = True, read_only_reason: str = "",
    ) -> None:
        self.engine = engine
        self.conn = conn
        # How messages name the pipeline: the file's path, or a server's database and
        # host (never its password).
        self.path = engine.label
        self.user = user
        self.read_only = read_only or bool(read_only_reason)
        # Why this process may not save (shown in the board's banner and refusals).
        self.read_only_reason = read_only_reason
        self.clock = clock
        # The key of the pipeline in view (store.queries.PipelineQueries.use_pipeline);
        # None: every pipeline of the file (or server) together.
        self.pipeline: str | None = None
        # One lock: Textual thread workers and the UI thread share this connection.
        self.lock = threading.RLock()
        # Writes wait until the file has passed its integrity check (see verify_integrity).
        self._verified = threading.Event()
        self._integrity_error: KanbanPipeError | None = None
        self._db: Any = None
        self._companion: StoreCore | None = None
        # Transactions this store has committed: with data_version (others' commits), what
        # tells a reader that its figures are no longer true (the board's statistics ahead).
        self.writes = 0
        if verified:
            self._verified.set()

    @property
    def db(self) -> Any:
        """The sqlite-utils view of a file's connection (for tools and tests; files only).

        Built lazily and without plugins: importing and preparing sqlite-utils costs
        ~70 ms, which the board's start-up does not need to pay.
        """
        if self._db is None:
            if self.engine.name != "sqlite":
                raise StorageError("sqlite-utils works on pipeline files, not on a server")
            from sqlite_utils import Database  # deliberately lazy: see the docstring

            self._db = Database(cast("sqlite3.Connection", self.conn), execute_plugins=False)
        return self._db

    @property
    def short_label(self) -> str:
        """The pipeline's name in a header or a short sentence (a file's name, a server's
        database and host; never a password)."""
        return self.engine.short_label

    @property
    def connection_problem(self) -> str:
        """Why the pipeline's server cannot be reached right now ('' while it can, and
        always for a file). Cheap: nothing is asked of the server."""
        return self.engine.connection_problem()

    @property
    def location_warning(self) -> str:
        """Something the user should know about where the pipeline lives ('' if nothing)."""
        return self.engine.location_warning()

    @property
    def integrity_pending(self) -> bool:
        """True while the integrity check deferred at open has not run yet."""
        return not self._verified.is_set()

    def verify_integrity(self) -> None:
        """Run the integrity check deferred at open (on its own connection); raise if damaged."""
        try:
            self.engine.check_integrity()
        except KanbanPipeError as error:
            self._integrity_error = error
            raise
        finally:
            self._verified.set()
        if not self.read_only:
            self.engine.note_passed_check()

    def close(self) -> None:
        """Close the connection (and the companion's)."""
        companion, self._companion = self._companion, None
        if companion is not None:
            companion.close()
        with self.lock:
            self.conn.close()

    def companion(self) -> StoreCore | None:
        """A reader that can share this store's snapshots and work beside it in another
        thread (the statistics' queries split in two), opened once and kept; None where
        the engine cannot share a snapshot."""
        return None

    # -- the store-internal API ----------------------------------------------------------

    def rows(self, sql: str, params: Iterable[Any] | Mapping[str, Any] = ()
             ) -> list[tuple[Any, ...]]:
        """Every row of one read (`?` or `:name` placeholders), under the lock."""
        bound = params if isinstance(params, Mapping) else tuple(params)
        with self.lock:
            try:
                return self.conn.execute(sql, bound).fetchall()
            except self.engine.errors as error:
                raise self.engine.storage_error(error) from error

    def write(self, work: Callable[[], T]) -> T:
        """Run `work` as one transaction (the engine retries what may be retried).

        Waits for a deferred integrity check, and refuses on a read-only pipeline.
        """
        self._verified.wait()
        if self._integrity_error is not None:
            raise self._integrity_error
        if self.read_only:
            raise ReadOnlyError(
                f"{self.engine.short_label} is open read-only"
                f" ({self.read_only_reason or 'check its permissions'}): nothing was saved"
            )
        with self.lock:
            try:
                return self.engine.run_write(self.conn, work)
            except UnicodeEncodeError:
                # Lone surrogates (from a broken paste or file) cannot be stored as UTF-8.
                raise InvalidInputError("the text contains characters that are not valid "
                                        "Unicode; nothing was saved") from None
            finally:
                # Counted even when it failed: a reader then re-reads once for nothing,
                # never keeps figures that a commit changed.
                self.writes += 1

    def now_text(self) -> str:
        """The store's clock as timestamps are stored."""
        return stamp(self.clock())

    def data_version(self, *, wait: bool = True) -> int | None:
        """A number that changes when another connection commits (cheap to poll).

        With `wait=False` it returns None instead of waiting while this process is
        saving, so a UI timer never blocks behind a busy write.
        """
        if not self.lock.acquire(blocking=wait):
            return None
        try:
            return self.engine.data_version(self.conn)
        except self.engine.errors as error:
            raise self.engine.storage_error(error) from error
        finally:
            self.lock.release()

    # -- deals ----------------------------------------------------------------------

    def _deal_record(self, deal_id: int, *, include_deleted: bool = False) -> dict[str, Any]:
        with self.lock:
            cursor = self.conn.execute("SELECT * FROM deals WHERE id = ?", (deal_id,))
            row = cursor.fetchone()
            names = [d[0] for d in cursor.description]
        if row is None:
            raise NotFoundError(f"no deal #{deal_id}")
        record = dict(zip(names, row, strict=True))
        if record["deleted_at"] and not include_deleted:
            raise NotFoundError(f"deal #{deal_id} was deleted (`undo` brings it back)")
        return record

    def get_deal(self, deal_id: int) -> Deal:
        """The deal with this id (deleted deals are not found)."""
        rows = self.rows(
            f"SELECT {DEAL_COLUMNS} FROM deals WHERE id = ? AND deleted_at IS NULL", [deal_id]
        )
        if not rows:
            self._deal_record(deal_id)  # raises the precise not-found / deleted message
        return deal_from_row(rows[0])

    def _pipeline_of(self, deal_id: int) -> str:
        """The key of the pipeline a deal is in (a deleted one's too)."""
        return str(self._deal_record(deal_id, include_deleted=True)["pipeline"])

    def _check_version(self, record: Mapping[str, Any], expected: int | None) -> None:
        if expected is None or record["version"] == expected:
            return
        changes = self.rows(
            "SELECT actor, kind, detail FROM activities WHERE deal_id = ? AND version > ?"
            " ORDER BY id",
            [record["id"], expected],
        )
        said = "; ".join(
            f"{actor} {kind.replace('_', ' ')}" + (f" ({detail})" if detail else "")
            for actor, kind, detail in changes[-3:]
        ) or "it was changed"
        raise StaleVersionError(
            f"deal #{record['id']} '{record['title']}' changed since you opened it: {said}; "
            "nothing was saved",
        )

    def _change(
        self,
        deal_id: int,
        kind: ActivityKind,
        updates: Mapping[str, Any],
        *,
        detail: str = "",
        expected_version: int | None = None,
        movement: bool = False,
        include_deleted: bool = False,
        undoes: int | None = None,
    ) -> Deal:
        """Apply `updates` to a deal and append its activity, inside the caller's transaction."""
        record = self._deal_record(deal_id, include_deleted=include_deleted)
        self._check_version(record, expected_version)
        now = self.now_text()
        values = dict(updates)
        if movement:
            values["last_activity_at"] = now
        changes = {
            column: [record[column], value]
            for column, value in values.items()
            if record[column] != value
        }
        assignments = "".join(f"{column} = :{column}, " for column in values)
        conn = self.conn
        # The version read above must still be the deal's: on an engine whose writers can
        # interleave (PostgreSQL), this is what stops a lost update.
        updated = conn.execute(
            f"UPDATE deals SET {assignments}version = version + 1, updated_at = :now"
            " WHERE id = :id AND version = :version",
            {**values, "now": now, "id": deal_id, "version": record["version"]},
        ).rowcount
        if updated != 1:
            raise StaleVersionError(f"deal #{deal_id} '{record['title']}' was changed by "
                                    "someone else while saving; nothing was saved")
        self._append_activity(
            deal_id, kind, detail, at=now, changes=changes,
            version=record["version"] + 1, undoes=undoes,
        )
        if include_deleted or values.get("deleted_at"):
            # Deleting, or undoing a change on a deal someone has deleted since: get_deal
            # would refuse it (and roll the change back), so read the row directly.
            return deal_from_row(
                conn.execute(f"SELECT {DEAL_COLUMNS} FROM deals WHERE id = ?",
                             (deal_id,)).fetchone()
            )
        return self.get_deal(deal_id)

    def _append_activity(
        self, deal_id: int, kind: ActivityKind, detail: str, *, at: str,
        changes: Mapping[str, Any] | None, version: int, undoes: int | None = None,
    ) -> int:
        row = self.conn.execute(
            "INSERT INTO activities (deal_id, at, actor, kind, detail, changes, version, undoes)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
            (deal_id, at, self.user, kind.value, detail,
             json.dumps(changes) if changes is not None else None, version, undoes),
        ).fetchone()
        return int(row[0])

    def _next_position(self, stage: str) -> int:
        row = self.conn.execute(
            "SELECT coalesce(max(position), 0) + 1 FROM deals WHERE stage = ?", (stage,)
        ).fetchone()
        return int(row[0])
