"""The pipeline's stages as an import leaves them: new ones, the new order, replaced ones."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from kanban_pipe.domain.errors import InvalidInputError
from kanban_pipe.domain.models import Stage
from kanban_pipe.store.engine import Connection
from kanban_pipe.store.pipeline import PipelineStore


@dataclass(frozen=True, slots=True)
class StageChanges:
    """What an import does to the stages, planned before anything is written.

    `added` are created with every field they carry; `positions` is every remaining
    stage's place afterwards (added ones included); `removed` are empty stages replaced
    by the file's own (only ever on a pipeline without deals).
    """

    added: tuple[Stage, ...] = ()
    positions: Mapping[str, int] = field(default_factory=dict)
    removed: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.added or self.removed)


def has_deals(store: PipelineStore) -> bool:
    """True when the pipeline an import goes to holds any deal, deleted ones included
    (they keep a stage)."""
    return bool(store.rows("SELECT EXISTS (SELECT 1 FROM deals WHERE pipeline = ?)",
                           [store.home_pipeline().key])[0][0])


def apply_stage_changes(conn: Connection, changes: StageChanges, *,
                        pipeline: str = "sales") -> None:
    """Write `changes` to one pipeline's stages inside the caller's transaction; refuse
    if deals came meanwhile."""
    if not changes:
        return
    if changes.removed:
        marks = ", ".join("?" for _ in changes.removed)
        held = conn.execute(f"SELECT count(*) FROM deals WHERE stage IN ({marks})",
                            changes.removed).fetchone()[0]
        if held:
            raise InvalidInputError(
                "deals were added to the pipeline while the file was read, so its empty "
                "stages can no longer be replaced; nothing was imported: run it again")
        conn.execute(f"DELETE FROM stages WHERE key IN ({marks})", changes.removed)
    # Out of the way first (negative), so no two stages ever share a place mid-update.
    conn.execute("UPDATE stages SET position = -position - 1 WHERE pipeline = ?", (pipeline,))
    conn.executemany(
        "INSERT INTO stages (key, name, position, probability, stale_after_days, milestone,"
        " qualifies, requires_qualification, is_won, pipeline)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0, ?)",
        [(s.key, s.name, -1 - changes.positions[s.key], s.probability, s.stale_after_days,
          s.milestone, s.qualifies.value if s.qualifies else None,
          1 if s.requires_qualification else 0, pipeline) for s in changes.added])
    conn.executemany("UPDATE stages SET position = ? WHERE key = ?",
                     [(place, key) for key, place in changes.positions.items()])
    left = conn.execute("SELECT key FROM stages WHERE position < 0").fetchall()
    if left:  # pragma: no cover - the plan places every stage it keeps
        raise InvalidInputError(f"stage {left[0][0]} was given no place; nothing was imported")


def ordered(stages: Sequence[Stage], changes: StageChanges) -> list[Stage]:
    """The stages as they will be after `changes`, in board order."""
    kept = [s for s in stages if s.key not in changes.removed]
    every = [*kept, *changes.added]
    return sorted(every, key=lambda s: changes.positions.get(s.key, s.position))
