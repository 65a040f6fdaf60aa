"""Importing a CSV or JSON file: read and validate it whole, then write it in one go."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from kanban_pipe.collector import cyclic_gc_paused
from kanban_pipe.domain.errors import InvalidInputError
from kanban_pipe.domain.models import Stage
from kanban_pipe.store.pipeline import PipelineStore
from kanban_pipe.store.transfer import (
    ImportBatch,
    ImportOutcome,
    preview_import,
    write_import,
)
from kanban_pipe.store.transfer.stages import StageChanges, has_deals, ordered
from kanban_pipe.transfer.columns import plan_columns
from kanban_pipe.transfer.reader import DEFAULT_ENCODING, read_source
from kanban_pipe.transfer.stage_order import plan_changes
from kanban_pipe.transfer.validate import ImportContext, Validated, validate_table
from kanban_pipe.transfer.values import DateOrder


@dataclass(frozen=True, slots=True)
class ImportOptions:
    """How to read and apply an import file (the `import` command's options)."""

    column_map: Sequence[tuple[str, str]] = ()
    stage_map: Sequence[tuple[str, str]] = ()
    create_stages: bool = False
    stage_order: Sequence[str] = ()  # the pipeline's stage names, in order
    keep_stages: bool = False  # never replace an empty pipeline's stages
    date_order: DateOrder | None = None
    encoding: str = DEFAULT_ENCODING
    update: bool = False
    file_format: str | None = None


@dataclass(frozen=True, slots=True)
class ImportPlan:
    """A file read and validated whole: ready to write, nothing written yet."""

    file_name: str
    unit: str
    batch: ImportBatch
    stage_changes: StageChanges
    board: list[Stage]  # the stages as they will be, in board order
    notes: list[str]  # what the import went by, in words (stage order, probabilities...)
    ignored_columns: tuple[str, ...]
    validated: Validated | None = None

    @property
    def new_stages(self) -> list[Stage]:
        """The stages the import adds, in board order."""
        added = {stage.key for stage in self.stage_changes.added}
        return [stage for stage in self.board if stage.key in added]

    @property
    def replaced_stages(self) -> list[str]:
        """Keys of the empty stages the file's own replace."""
        return list(self.stage_changes.removed)


@dataclass
class ImportReport:
    """What an import did, or with `dry_run` would do, counted per stage and owner."""

    file_name: str
    dry_run: bool
    created: int
    updated: int
    unchanged: int
    skipped: int
    deleted: int
    new_stages: list[Stage]
    ignored_columns: tuple[str, ...]
    # (stage name, new deals, updated deals) in board order; owners by count.
    by_stage: list[tuple[str, int, int]] = field(default_factory=list)
    by_owner: list[tuple[str, int, int]] = field(default_factory=list)
    ids: list[int] = field(default_factory=list)  # of the new deals
    renumbered: list[tuple[int, int]] = field(default_factory=list)  # (file's id, id here)
    notes: list[str] = field(default_factory=list)


def prepare_import(store: PipelineStore, path: str, options: ImportOptions) -> ImportPlan:
    """Read and validate the whole file; raise (with every problem) before any write."""
    table = read_source(path, encoding=options.encoding, kind=options.file_format)
    columns = plan_columns(table.headers, options.column_map, table.name)
    if options.stage_order and not options.create_stages:
        raise InvalidInputError("--stage-order orders the stages --create-stages adds: "
                                "give both")
    stages = store.stages()
    context = ImportContext(
        stages=stages, home_currency=store.home_currency(), user=store.user,
        today=store.today(), date_order=options.date_order, stage_map=options.stage_map,
        create_stages=options.create_stages, stage_order=options.stage_order,
    )
    validated = validate_table(table, columns, context)
    plan = ImportPlan(table.name, table.unit, validated.batch, StageChanges(), stages, [],
                      columns.ignored, validated)
    replace_empty = not options.keep_stages and not has_deals(store)
    return with_stages(plan, stages, replace_empty=replace_empty)


def with_stages(plan: ImportPlan, stages: Sequence[Stage], *,
                replace_empty: bool) -> ImportPlan:
    """The plan with its stage changes worked out (again): replacing empty stages or not."""
    validated = plan.validated
    if validated is None or validated.order is None:
        return plan
    changes, notes = plan_changes(stages, validated.order, validated.new_stages,
                                  replace_empty=replace_empty)
    return replace(plan, stage_changes=changes, board=ordered(stages, changes), notes=notes)


def import_file(store: PipelineStore, path: str, options: ImportOptions, *,
                dry_run: bool = False, plan: ImportPlan | None = None) -> ImportReport:
    """Import `path` all or nothing (or only say what would happen, with `dry_run`).

    `plan` is the file already read and validated against a pipeline like this one (a
    brand-new file's defaults); without it the file is read here.
    """
    with cyclic_gc_paused():
        if plan is None:
            plan = prepare_import(store, path, options)
        if dry_run:
            outcome = preview_import(store, plan.batch, update=options.update)
        else:
            outcome = write_import(
                store, plan.batch, update=options.update, stages=plan.stage_changes,
                detail=f"imported from {Path(path).name}", unit=plan.unit,
            )
        return _report(store, plan, outcome, dry_run)


def _report(store: PipelineStore, plan: ImportPlan, outcome: ImportOutcome,
            dry_run: bool) -> ImportReport:
    names = {stage.key: stage.name for stage in plan.board}
    order = [stage.key for stage in plan.board]
    columns = plan.batch.columns
    new_stage: Counter[str] = Counter(columns["stage"][i] for i in outcome.created)
    new_owner: Counter[str] = Counter(columns["owner"][i] for i in outcome.created)
    old_stage: Counter[str] = Counter()
    old_owner: Counter[str] = Counter()
    for _index, changes, record in outcome.updated:
        old_stage[changes.get("stage", record["stage"])] += 1
        old_owner[changes.get("owner", record["owner"])] += 1
    by_stage = [(names.get(key, key), new_stage[key], old_stage[key]) for key in order
                if new_stage[key] or old_stage[key]]
    owners = sorted(set(new_owner) | set(old_owner),
                    key=lambda o: (-(new_owner[o] + old_owner[o]), o))
    return ImportReport(
        file_name=plan.file_name, dry_run=dry_run, created=len(outcome.created),
        updated=len(outcome.updated), unchanged=outcome.unchanged, skipped=outcome.skipped,
        deleted=outcome.deleted, new_stages=plan.new_stages,
        ignored_columns=plan.ignored_columns, by_stage=by_stage,
        by_owner=[(owner, new_owner[owner], old_owner[owner]) for owner in owners],
        ids=outcome.ids, renumbered=outcome.renumbered, notes=plan.notes,
    )
