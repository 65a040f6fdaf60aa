"""Import batches and matching them to deals already here: new, changed, skipped."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from kanban_pipe.domain.models import DealStatus
from kanban_pipe.store.engine import Connection

# Deal columns an import may set; the rest (id, version, updated_at, ...) are the store's.
IMPORT_COLUMNS = (
    "title", "organization", "contact", "value", "currency", "stage", "status", "owner",
    "source", "expected_close", "next_action", "next_owner", "next_due", "paused_until",
    "lost_reason", "decision_maker", "need_confirmed", "timeline_confirmed", "position",
    "created_at", "stage_entered_at", "last_activity_at", "closed_at", "forecast_category",
    "probability",
)
# What a new deal has where the file says nothing (no amount: no value, which is not 0).
COLUMN_DEFAULTS: dict[str, Any] = {
    "organization": "", "contact": "", "value": None, "source": "", "expected_close": None,
    "next_action": None, "next_owner": None, "next_due": None, "paused_until": None,
    "lost_reason": "", "decision_maker": 0, "need_confirmed": 0, "timeline_confirmed": 0,
    "forecast_category": None, "probability": None,
}
CLOSED = (DealStatus.WON.value, DealStatus.LOST.value)
# Source refs of rows from kanban-pipe's own export ('kanban-pipe:12').
OWN_SYSTEM = "kanban-pipe"
OWN_REF = f"{OWN_SYSTEM}:"


@dataclass(frozen=True, slots=True)
class ImportBatch:
    """A file's validated deals, column by column: every list has one entry per deal.

    `columns` holds every IMPORT_COLUMNS column (COLUMN_DEFAULTS where the file says
    nothing; None timestamps mean 'now'). `given` names the columns the file itself gave,
    the only ones an update changes: one set for all deals, or one per deal. `histories`
    holds activity logs the file brought, (at, actor, kind, detail), by deal index.
    `estimated` holds timestamps worked out from the file's other dates, for a new deal
    whose own is None (an update never writes them).
    """

    lines: list[int]
    refs: list[str]
    columns: dict[str, list[Any]]
    given: frozenset[str] | list[frozenset[str]]
    histories: dict[int, tuple[tuple[str, str, str, str], ...]] = field(default_factory=dict)
    estimated: dict[str, list[str | None]] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.lines)

    def new_deal_column(self, name: str) -> list[Any]:
        """A column as new deals get it: the file's values, else the estimates."""
        column, estimate = self.columns[name], self.estimated.get(name)
        if estimate is None:
            return column
        return [given if given is not None else guess
                for given, guess in zip(column, estimate, strict=True)]

    def given_at(self, index: int) -> frozenset[str]:
        """The columns the file gave for one deal."""
        return self.given if isinstance(self.given, frozenset) else self.given[index]


@dataclass
class ImportOutcome:
    """What an import did (or, for a dry run, would do) with a batch's deals."""

    created: list[int] = field(default_factory=list)  # indexes into the batch
    # (index, changed columns with the deal id, the deal as it was)
    updated: list[tuple[int, dict[str, Any], dict[str, Any]]] = field(default_factory=list)
    unchanged: int = 0
    skipped: int = 0
    deleted: int = 0
    # The id each created deal gets, in `created`'s order (see assign_ids).
    ids: list[int] = field(default_factory=list)
    # (id in the file, id here) of kanban-pipe rows whose id another deal here has.
    renumbered: list[tuple[int, int]] = field(default_factory=list)

    @property
    def first_id(self) -> int:
        """The smallest new deal id (0 when none was created)."""
        return min(self.ids, default=0)


def plan_outcome(conn: Connection, batch: ImportBatch, *, update: bool,
                 now: str) -> ImportOutcome:
    """Sort the deals into new, changed, unchanged, skipped and deleted-here ones."""
    outcome = ImportOutcome()
    refs = {ref: (deal_id, bool(deleted)) for ref, deal_id, deleted in conn.execute(
        "SELECT source_ref, id, deleted_at IS NOT NULL FROM deals WHERE source_ref IS NOT NULL")}
    own = _own_deals(conn, batch, refs)
    if not refs and not own:  # nothing here came from this file: every deal is new
        outcome.created = list(range(len(batch)))
        assign_ids(conn, batch, outcome)
        return outcome
    matched: dict[int, int] = {}
    for index, ref in enumerate(batch.refs):
        found = refs.get(ref) or own.get(index)
        if found is None:
            outcome.created.append(index)
        elif found[1]:
            outcome.deleted += 1  # deleted here on purpose: an import does not bring it back
        elif update:
            matched[found[0]] = index
        else:
            outcome.skipped += 1
    assign_ids(conn, batch, outcome)
    if not matched:
        return outcome
    names = ("id", "version", *IMPORT_COLUMNS)
    at = {name: spot for spot, name in enumerate(names)}
    current = {row[0]: row for row in rows_by_id(conn, ", ".join(names), list(matched))}
    columns = batch.columns
    for deal_id, index in matched.items():
        row = current[deal_id]
        # In column order, so the activity lists changes the same way every time.
        given = [name for name in IMPORT_COLUMNS if name in batch.given_at(index)]
        if all(columns[name][index] == row[at[name]] for name in given if name != "position"):
            outcome.unchanged += 1  # the usual re-import: checked without building dicts
            continue
        record = dict(zip(names, row, strict=True))
        changes = _update_values(record, {name: columns[name][index] for name in given}, now)
        if changes:
            outcome.updated.append((index, {"id": deal_id, **changes}, record))
        else:
            outcome.unchanged += 1
    return outcome


_MAX_KEPT_ID = 2**53  # beyond it an id is not kept (JSON readers lose precision there)


def assign_ids(conn: Connection, batch: ImportBatch, outcome: ImportOutcome) -> None:
    """Give each new deal its id: a row of kanban-pipe's own export keeps its id when no deal
    here has it (deleted ones included); every other deal gets the next free one.

    A kept-back row still carries its 'kanban-pipe:ID' source ref, so importing the same
    file again finds the deal under its new id; `outcome.renumbered` lists them.
    """
    wanted: dict[int, int] = {}  # batch index -> id in the file
    for index in outcome.created:
        ref = batch.refs[index]
        if ref.startswith(OWN_REF) and ref[len(OWN_REF):].isdigit() and len(ref) < 30:
            number = int(ref[len(OWN_REF):])
            if 0 < number <= _MAX_KEPT_ID:
                wanted[index] = number
    taken = {row[0] for row in rows_by_id(conn, "id", list(set(wanted.values())))}
    kept = {index: number for index, number in wanted.items() if number not in taken}
    highest = conn.execute("SELECT coalesce(max(id), 0) FROM deals").fetchone()[0]
    following = max(int(highest), *kept.values(), 0) + 1
    ids, renumbered = [], []
    for index in outcome.created:
        if index in kept:
            ids.append(kept[index])
            continue
        ids.append(following)
        if index in wanted:
            renumbered.append((wanted[index], following))
        following += 1
    outcome.ids, outcome.renumbered = ids, renumbered


def _own_deals(conn: Connection, batch: ImportBatch,
               refs: dict[str, tuple[int, bool]]) -> dict[int, tuple[int, bool]]:
    """Rows of this pipeline's own export: batch index -> (deal id, deleted).

    Deals made here have no source ref, so a row of kanban-pipe's export is matched to
    the deal with its id when their creation times (to the second) agree too; a deal of
    another pipeline with the same id almost never has the same one.
    """
    created_at = batch.columns["created_at"]
    wanted = {int(ref[len(OWN_REF):]): index for index, ref in enumerate(batch.refs)
              if ref.startswith(OWN_REF) and ref not in refs and created_at[index]
              and ref[len(OWN_REF):].isdigit() and len(ref) < 30}
    own: dict[int, tuple[int, bool]] = {}
    for deal_id, created, deleted in rows_by_id(
            conn, "id, created_at, deleted_at IS NOT NULL", list(wanted)):
        if created == created_at[wanted[deal_id]]:
            own[wanted[deal_id]] = (deal_id, bool(deleted))
    return own


def rows_by_id(conn: Connection, columns: str, ids: list[int]
               ) -> Iterator[tuple[Any, ...]]:
    """`columns` of the deals with these ids, read 500 ids at a time."""
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        yield from conn.execute(
            f"SELECT {columns} FROM deals WHERE id IN ({', '.join('?' * len(chunk))})", chunk)


def _update_values(record: dict[str, Any], values: dict[str, Any], now: str) -> dict[str, Any]:
    """The columns an update changes, with what a stage or status change implies."""
    wanted = {k: v for k, v in values.items() if k != "position"}
    for stamp_column in ("created_at", "stage_entered_at", "last_activity_at", "closed_at"):
        if wanted.get(stamp_column) is None:
            wanted.pop(stamp_column, None)  # a file without them keeps the deal's own
    status = wanted.get("status", record["status"])
    if "stage" in wanted and wanted["stage"] != record["stage"]:
        wanted.setdefault("stage_entered_at", now)
    if status != record["status"]:
        wanted.setdefault("closed_at", now if status in CLOSED else None)
    changes = {k: v for k, v in wanted.items() if record[k] != v}
    if "stage" in changes:
        changes["position"] = None  # set to the end of the new column when written
    return changes


