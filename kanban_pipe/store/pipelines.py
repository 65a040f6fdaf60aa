"""Several pipelines in one file or server: adding, renaming and removing one, and moving
a deal from one pipeline to another (its history says so)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from kanban_pipe.domain.errors import InvalidInputError, InvalidStageError
from kanban_pipe.domain.models import ActivityKind, Deal, DealStatus, Pipeline, Stage
from kanban_pipe.domain.pipelines import check_pipeline_name, pipeline_key_from_name
from kanban_pipe.domain.stages import find_stage, stage_key_from_name, validate_stage_key
from kanban_pipe.domain.validation import clean_text
from kanban_pipe.store.forecast_history import forget_forecasts
from kanban_pipe.store.queries import PipelineQueries

MAX_PIPELINES = 50  # the switcher lists them on one screen


class PipelineSet(PipelineQueries):
    """The pipelines of a file: each with its own stages; a deal is in one of them."""

    def pipeline_counts(self, *, today: date) -> dict[str, int]:
        """Open deals per pipeline key (one rule for open: a paused deal whose resume date
        has come counts, as on the board)."""
        rows = self.rows(
            "SELECT pipeline, count(*) FROM deals WHERE deleted_at IS NULL AND (status = 'open'"
            " OR (status = 'paused' AND paused_until <= ?)) GROUP BY pipeline",
            [today.isoformat()])
        return {str(key): int(n) for key, n in rows}

    def add_pipeline(self, name: str, *, stages: Sequence[str] = (),
                     like: str | None = None) -> Pipeline:
        """Add a pipeline with the named stages (a won stage "Won" ends them), or with a
        copy of another pipeline's stages (the first one's when neither is given)."""
        label = clean_text(name, "pipeline name", required=True, max_length=40)
        pipelines = self.pipelines()
        check_pipeline_name(label, pipelines)
        if len(pipelines) >= MAX_PIPELINES:
            raise InvalidInputError(f"a file holds at most {MAX_PIPELINES} pipelines")
        keys = {p.key for p in pipelines}
        key = validate_stage_key(pipeline_key_from_name(label))
        base, n = key, 2
        while key in keys:
            key, n = f"{base[:29]}_{n}", n + 1
        if stages and like:
            raise InvalidInputError("give the stages or a pipeline to copy them from, not both")
        if stages:
            planned = _named_stages(stages)
        else:
            source = self.find_pipeline(like) if like else pipelines[0]
            planned = self.stages_of(source.key)
        taken = {row[0] for row in self.rows("SELECT key FROM stages")}
        rows = []
        for position, stage in enumerate(planned, 1):
            stage_key = _free_key(f"{key}_{stage_key_from_name(stage.name)}", taken)
            taken.add(stage_key)
            rows.append((stage_key, stage.name, position, stage.probability,
                         stage.stale_after_days, stage.milestone,
                         stage.qualifies.value if stage.qualifies else None,
                         int(stage.requires_qualification), int(stage.is_won), key))
        position = max((p.position for p in pipelines), default=0) + 1

        def work() -> Pipeline:
            conn = self.conn
            conn.execute("INSERT INTO pipelines (key, name, position) VALUES (?, ?, ?)",
                         (key, label, position))
            conn.executemany(
                "INSERT INTO stages (key, name, position, probability, stale_after_days,"
                " milestone, qualifies, requires_qualification, is_won, pipeline)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
            return Pipeline(key, label, position)

        return self.write(work)

    def rename_pipeline(self, ref: str, name: str) -> Pipeline:
        """Give a pipeline a new name (its key stays, so scripts keep working)."""
        pipelines = self.pipelines()
        pipeline = self.find_pipeline(ref)
        label = clean_text(name, "pipeline name", required=True, max_length=40)
        check_pipeline_name(label, pipelines, keep=pipeline.key)
        self.write(lambda: self.conn.execute("UPDATE pipelines SET name = ? WHERE key = ?",
                                             (label, pipeline.key)))
        return Pipeline(pipeline.key, label, pipeline.position)

    def remove_pipeline(self, ref: str, *, move_to: str | None = None) -> int:
        """Remove a pipeline and its stages: refused while it holds deals, unless they are
        moved to another pipeline (each move in its deal's history). Returns how many
        deals were moved."""
        pipelines = self.pipelines()
        pipeline = self.find_pipeline(ref)
        if len(pipelines) == 1:
            raise InvalidInputError(f"{pipeline.name} is the only pipeline; it stays")
        target = self.find_pipeline(move_to) if move_to else None
        if target is not None and target.key == pipeline.key:
            raise InvalidInputError(f"the deals of {pipeline.name} cannot move to itself")
        rest = target or next(p for p in pipelines if p.key != pipeline.key)
        target_stages = self.stages_of(rest.key)

        def work() -> int:
            conn = self.conn
            held = [(int(i), bool(d)) for i, d in conn.execute(
                "SELECT id, deleted_at IS NOT NULL FROM deals WHERE pipeline = ? ORDER BY id",
                (pipeline.key,)).fetchall()]
            live = [deal_id for deal_id, deleted in held if not deleted]
            if live and target is None:
                raise InvalidInputError(
                    f"pipeline {pipeline.name} holds {len(live)} deal(s): move them first,"
                    " or give --move-to PIPELINE")
            stages = {s.key: s for s in self.stages_of(pipeline.key)}
            for deal_id in live:
                self._move_across(deal_id, stages, rest, target_stages, None)
            for deal_id, deleted in held:
                if deleted:
                    # A deleted deal comes back (undo) in the pipeline that took the rest.
                    conn.execute("UPDATE deals SET pipeline = ?, stage = ? WHERE id = ?",
                                 (rest.key, target_stages[0].key, deal_id))
            conn.execute("DELETE FROM stages WHERE pipeline = ?", (pipeline.key,))
            conn.execute("DELETE FROM pipelines WHERE key = ?", (pipeline.key,))
            if live:
                # The moves just made cannot be undone into stages that are gone: undo
                # stops here, as after the demo fills a file (an older change into them
                # is refused in words, see PipelineStore.undo). Past months' forecasts,
                # kept per pipeline, are rebuilt when next asked for.
                conn.execute("INSERT INTO settings (key, value) SELECT 'undo_floor',"
                             " CAST(coalesce(max(id), 0) AS TEXT) FROM activities WHERE TRUE"
                             " ON CONFLICT (key) DO UPDATE SET value = excluded.value")
                forget_forecasts(conn)
            return len(live)

        moved = self.write(work)
        if self.pipeline == pipeline.key:
            self.pipeline = None
        return moved

    def move_to_pipeline(self, deal_id: int, pipeline: str, *, stage: str | None = None,
                         expected_version: int | None = None) -> Deal:
        """Move a deal into another pipeline: to the named stage, else to the stage of the
        same name, else to its first stage (a won deal to its won stage)."""
        target = self.find_pipeline(pipeline)
        target_stages = self.stages_of(target.key)

        def work() -> Deal:
            record = self._deal_record(deal_id)
            if record["pipeline"] == target.key:
                raise InvalidInputError(f"deal #{deal_id} is already in {target.name}")
            stages = {s.key: s for s in self.stages_of(str(record["pipeline"]))}
            moved = self._move_across(deal_id, stages, target, target_stages, stage,
                                      expected_version=expected_version)
            # Past months' forecasts count a deal in the pipeline it is in now.
            forget_forecasts(self.conn)
            return moved

        return self.write(work)

    def _move_across(self, deal_id: int, stages: dict[str, Stage], target: Pipeline,
                     target_stages: list[Stage], stage: str | None, *,
                     expected_version: int | None = None) -> Deal:
        """The move of one deal into `target`, inside the caller's transaction."""
        record = self._deal_record(deal_id)
        won = record["status"] == DealStatus.WON.value
        if stage is not None:
            to = find_stage(target_stages, stage)
            if to.is_won and not won:
                raise InvalidStageError(f"{to.name} is the won stage: mark the deal won instead")
        else:
            here = stages.get(record["stage"] or "")
            named = [s for s in target_stages if here and not s.is_won
                     and s.name.lower() == here.name.lower()]
            open_stages = [s for s in target_stages if not s.is_won]
            to = next((s for s in target_stages if s.is_won), target_stages[-1]) if won \
                else (named or open_stages or target_stages)[0]
        home = self.pipelines()
        old = next((p.name for p in home if p.key == record["pipeline"]), record["pipeline"])
        here_name = stages[record["stage"]].name if record["stage"] in stages else "?"
        updates: dict[str, Any] = {
            "pipeline": target.key, "stage": to.key, "stage_entered_at": self.now_text(),
            "position": self._next_position(to.key),
        }
        detail = f"{old} · {here_name} → {target.name} · {to.name}"
        return self._change(deal_id, ActivityKind.MOVED, updates, detail=detail,
                            movement=True, expected_version=expected_version)


def _named_stages(names: Sequence[str]) -> list[Stage]:
    """Stages from their names, probabilities rising along them, and a won stage last."""
    labels = [clean_text(name, "stage name", required=True, max_length=40) for name in names]
    if len({label.lower() for label in labels}) != len(labels):
        raise InvalidStageError("two stages have the same name")
    if labels and labels[-1].lower() == "won":
        labels.pop()
    if not labels:
        raise InvalidStageError("a pipeline needs at least one open stage")
    if any(label.lower() == "won" for label in labels):
        raise InvalidStageError("Won is the last stage: name it last or leave it out")
    count = len(labels)
    planned = [Stage("", label, i, round(100 * i / (count + 1)), 14)
               for i, label in enumerate(labels, 1)]
    return [*planned, Stage("", "Won", count + 1, 100, 0, is_won=True)]


def _free_key(wanted: str, taken: set[str]) -> str:
    key = validate_stage_key(wanted[:32].rstrip("_-"))
    base, n = key, 2
    while key in taken:
        key, n = f"{base[:29]}_{n}", n + 1
    return key
