"""Moving a whole pipeline between engines (a file onto a server, a server into a file).

The source is read in one snapshot; the target, which must hold no pipeline yet, is
written in one transaction that checks, before it commits, that every table holds what
the source held (row counts and the sum of the ids). Ids are kept, so the history,
undo and the stand-up's "since the last review" read the same after the move.
"""

from __future__ import annotations

from dataclasses import dataclass

from kanban_pipe.domain.errors import InvalidInputError, StorageError
from kanban_pipe.store.pipeline import PipelineStore

# Every table of the schema, parents first, with its columns (schema version 5) and the
# column it is ordered by; tests/store/test_store_copy.py checks that these are all the
# columns there are, so a migration that adds one must add it here.
TABLES: tuple[tuple[str, tuple[str, ...], str], ...] = (
    ("pipelines", ("key", "name", "position"), "position, key"),
    ("stages", ("key", "name", "position", "probability", "stale_after_days", "milestone",
                "qualifies", "requires_qualification", "is_won", "pipeline"),
     "pipeline, position"),
    ("settings", ("key", "value"), "key"),
    ("exchange_rates", ("currency", "rate"), "currency"),
    ("deals", ("id", "title", "organization", "contact", "value", "currency", "stage",
               "status", "owner", "source", "expected_close", "next_action", "next_owner",
               "next_due", "paused_until", "lost_reason", "decision_maker", "need_confirmed",
               "timeline_confirmed", "position", "version", "created_at", "updated_at",
               "stage_entered_at", "last_activity_at", "closed_at", "deleted_at",
               "source_ref", "forecast_category", "probability", "pipeline"), "id"),
    ("activities", ("id", "deal_id", "at", "actor", "kind", "detail", "changes", "version",
                    "undoes"), "id"),
    ("reviews", ("id", "started_at", "finished_at", "actor", "owner", "last_activity_id",
                 "summary"), "id"),
    ("targets", ("period", "owner", "amount", "currency"), "period, owner"),
    ("forecast_snapshots", ("month", "pipeline", "owner", "source", "currency", "weighted",
                            "commit_value", "best_case", "committed_won", "forecast_deals"),
     "month, pipeline, owner, source, currency"),
)
# Tables a new pipeline fills with its defaults; the copy replaces them.
_DEFAULTS = ("pipelines", "stages", "settings", "exchange_rates")
# Settings that describe the file, not the pipeline.
_LOCAL_SETTINGS = ("integrity_checked_at",)


@dataclass(frozen=True, slots=True)
class TableCount:
    """Rows of one table in the source, found again in the target."""

    table: str
    rows: int


def copy_pipeline(source: PipelineStore, target: PipelineStore) -> list[TableCount]:
    """Copy every row of `source` into the empty pipeline `target`, all or nothing."""
    held = target.rows("SELECT (SELECT count(*) FROM deals), (SELECT count(*) FROM activities),"
                       " (SELECT count(*) FROM reviews)")[0]
    if any(held):
        raise InvalidInputError(
            f"{target.path} already holds a pipeline ({held[0]:,} deals, {held[1]:,} "
            "activities): copy goes into a new file or an empty database; nothing was copied")
    expected: dict[str, tuple[int, int]] = {}

    def work() -> list[TableCount]:
        conn, engine = target.conn, target.engine
        for table in _DEFAULTS:
            conn.execute(f"DELETE FROM {table}")
        with source.lock, source.engine.snapshot(source.conn):
            for table, columns, order in TABLES:
                where = (f" WHERE key NOT IN ({', '.join(repr(k) for k in _LOCAL_SETTINGS)})"
                         if table == "settings" else "")
                expected[table] = _tally(source, table, where)
                pages = source.engine.stream(
                    source.conn, f"SELECT {', '.join(columns)} FROM {table}{where}"
                                 f" ORDER BY {order}")
                for page in pages:
                    engine.insert_rows(conn, table, columns, page)
        counts = []
        for table, _, _ in TABLES:
            found = _tally(target, table, "")
            if found != expected[table]:
                raise StorageError(
                    f"the copy of {table} does not match its source ({found[0]:,} rows, "
                    f"{expected[table][0]:,} expected); nothing was copied")
            counts.append(TableCount(table, found[0]))
        return counts

    return target.write(work)


def _tally(store: PipelineStore, table: str, where: str) -> tuple[int, int]:
    """(rows, sum of ids) of a table, on the store's connection (its lock held by the
    caller); the sum is 0 for tables keyed by text."""
    keyed = table in ("deals", "activities", "reviews")
    sql = f"SELECT count(*), {'coalesce(sum(id), 0)' if keyed else '0'} FROM {table}{where}"
    rows, ids = store.conn.execute(sql).fetchone()
    return int(rows), int(ids)
