"""Writing an import batch in one transaction, in bulk; reading history for export."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from kanban_pipe.domain.models import Activity
from kanban_pipe.domain.stages import validate_stage_key
from kanban_pipe.store.engine import Connection, Engine
from kanban_pipe.store.forecast_history import forget_forecasts
from kanban_pipe.store.pipeline import PipelineStore
from kanban_pipe.store.rows import ACTIVITY_COLUMNS, activity_from_row
from kanban_pipe.store.transfer.batch import (
    CLOSED,
    COLUMN_DEFAULTS,
    ImportBatch,
    ImportOutcome,
    plan_outcome,
)
from kanban_pipe.store.transfer.stages import StageChanges, apply_stage_changes

# Only a big import into a small table is worth dropping and rebuilding the indexes for.
_REBUILD_AT = 20_000


def preview_import(store: PipelineStore, batch: ImportBatch, *, update: bool) -> ImportOutcome:
    """What write_import would do, read in one snapshot (a dry run writes nothing)."""
    with store.lock, store.engine.snapshot(store.conn):
        return plan_outcome(store.conn, batch, update=update, now=store.now_text())


def write_import(store: PipelineStore, batch: ImportBatch, *, update: bool,
                 stages: StageChanges | None = None, detail: str,
                 unit: str = "line") -> ImportOutcome:
    """Create (and with `update`, update) the batch's deals and stages in one transaction.

    Each deal gets an `imported` activity by the store's user; a deal whose ref a deal
    here already has is skipped (or updated), so importing a file twice adds nothing. The
    activity reads `detail`, then where in the file the deal was (`unit` and number).
    """
    where = f"{detail} {unit} "

    engine = store.engine
    # New deals go into the pipeline of their stage (keys are unique across pipelines);
    # one lost at an unknown stage into the pipeline the import is for.
    home = validate_stage_key(store.home_pipeline().key)

    def work() -> ImportOutcome:
        conn = store.conn
        now = store.now_text()
        apply_stage_changes(conn, stages or StageChanges(), pipeline=home)
        outcome = plan_outcome(conn, batch, update=update, now=now)
        existing = conn.execute("SELECT count(*) FROM deals").fetchone()[0]
        rebuild = len(outcome.created) >= max(_REBUILD_AT, existing)
        with engine.bulk_session(conn, rebuild_indexes=rebuild):
            _insert(engine, conn, batch, outcome.created, outcome.ids, store.user, now, where,
                    home)
            _apply_updates(engine, conn, batch, outcome.updated, store.user, now, where)
        if outcome.created or outcome.updated:
            forget_forecasts(conn)  # the past may have changed: rebuilt when next asked
        return outcome

    return store.write(work)


def _insert(engine: Engine, conn: Connection, batch: ImportBatch, created: list[int],
            ids: Sequence[int], user: str, now: str, where: str, home: str) -> None:
    """Insert the new deals, with the ids planned for them, and their activities."""
    if not created:
        return
    every = len(created) == len(batch)

    def pick(column: Sequence[Any]) -> Sequence[Any]:
        return column if every else [column[i] for i in created]

    columns = batch.columns
    stages, statuses = pick(columns["stage"]), pick(columns["status"])
    bases = dict(conn.execute("SELECT stage, max(position) FROM deals GROUP BY stage")
                 .fetchall())
    counters: dict[str, int] = {}
    positions = []
    for stage, given in zip(stages, pick(columns["position"]), strict=True):
        count = counters[stage] = counters.get(stage, 0) + 1
        positions.append((bases.get(stage) or 0) + (count if given is None else given))
    # Built as INSERT ... SELECT over VALUES rows: a column every deal leaves at its
    # default is left out (the table fills it in), and `now` is bound once, not per row.
    names: list[str] = []
    values: list[Sequence[Any]] = []
    select: list[str] = []

    def add(name: str, column: Sequence[Any], expression: str = "{}") -> str:
        values.append(column)
        names.append(name)
        select.append(expression.format(f"column{len(values)}"))
        return f"column{len(values)}"

    add("id", ids)
    for name in _PLAIN:
        column = pick(columns[name])
        if (name not in COLUMN_DEFAULTS or name in _TABLE_DEFAULT_DIFFERS
                or column.count(COLUMN_DEFAULTS[name]) < len(column)):
            add(name, column)
    status = add("status", statuses)
    stage = add("stage", stages)
    names.append("pipeline")
    select.append(f"coalesce((SELECT s.pipeline FROM stages s WHERE s.key = {stage}),"
                  f" '{home}')")
    add("position", positions)
    closing = f"CASE WHEN {status} IN ({', '.join(repr(s) for s in CLOSED)}) THEN ?1 END"
    for name, fallback in (("created_at", "?1"), ("stage_entered_at", "?1"),
                           ("last_activity_at", "?1"), ("closed_at", closing)):
        column = pick(batch.new_deal_column(name))
        if column.count(None) == len(column):  # none in the file: all the same expression
            names.append(name)
            select.append(fallback)
        else:
            add(name, column, f"coalesce({{}}, {fallback})")
    names.append("updated_at")
    select.append("?1")
    add("source_ref", pick(batch.refs))
    engine.insert_rows(conn, "deals", names, zip(*values, strict=True),
                       template=(", ".join(select), (now,)))
    if batch.histories:
        engine.insert_rows(conn, "activities", ("deal_id", "at", "actor", "kind", "detail"), (
            (deal_id, *entry) for deal_id, index in zip(ids, created, strict=True)
            for entry in batch.histories.get(index, ())))
    # Only (deal id, line) goes in per deal: the rest of the entry is the same for all.
    engine.insert_rows(
        conn, "activities", ("deal_id", "at", "actor", "kind", "detail", "version"),
        zip(ids, pick(batch.lines), strict=True), template=(
            "column1, ?1, ?2, 'imported', CAST(?3 AS TEXT) || column2, 1", (now, user, where)))


# The table's default value is 0 (rows of old versions); an import's is None, no value.
_TABLE_DEFAULT_DIFFERS = frozenset({"value"})
_PLAIN = ("title", "organization", "contact", "value", "currency", "owner", "source",
          "expected_close", "next_action", "next_owner", "next_due", "paused_until",
          "lost_reason", "decision_maker", "need_confirmed", "timeline_confirmed",
          "forecast_category", "probability")


def _apply_updates(engine: Engine, conn: Connection, batch: ImportBatch,
                   updated: Sequence[tuple[int, dict[str, Any], dict[str, Any]]],
                   user: str, now: str, where: str) -> None:
    """Update the matched deals (grouped by the columns they change) and log each one."""
    bases: dict[str, int] = dict(conn.execute(
        "SELECT stage, max(position) FROM deals GROUP BY stage").fetchall()) if updated else {}
    groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    log = []
    for index, changes, record in updated:
        columns = {k: v for k, v in changes.items() if k != "id"}
        if "position" in columns:  # moved: to the end of its new column
            bases[columns["stage"]] = columns["position"] = bases.get(columns["stage"], 0) + 1
        # The record was read in this transaction, so its version is the one it has.
        version = record["version"] + 1
        groups.setdefault(tuple(columns), []).append(
            {**columns, "id": record["id"], "version": version, "now": now})
        # What the file changed; the stage-entry time, closing time and card position
        # that follow from it are not news.
        given = batch.given_at(index)
        changed = ", ".join(c.replace("_", " ") for c in columns if c in given)
        log.append((record["id"], f"{batch.lines[index]}: changed {changed}", version))
    for names, params in groups.items():
        assignments = "".join(f"{column} = :{column}, " for column in names)
        conn.executemany(f"UPDATE deals SET {assignments}version = :version,"
                         " updated_at = :now WHERE id = :id", params)
    engine.insert_rows(
        conn, "activities", ("deal_id", "at", "actor", "kind", "detail", "version"), log,
        template=("column1, ?1, ?2, 'imported', CAST(?3 AS TEXT) || column2, column3",
                  (now, user, where)))


def activities_by_deal(store: PipelineStore) -> dict[int, list[Activity]]:
    """Every deal's history (newest first, as `show --json` gives it), in one query."""
    history: dict[int, list[Activity]] = {}
    rows = store.rows(f"SELECT {ACTIVITY_COLUMNS} FROM activities ORDER BY deal_id, id DESC")
    for row in rows:
        history.setdefault(row[1], []).append(activity_from_row(row))
    return history
