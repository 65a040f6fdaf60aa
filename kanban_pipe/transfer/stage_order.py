"""Where --create-stages puts a file's stages, and with which probabilities and milestones.

The order is, by what the file tells best: the order given with --stage-order; the
order of a HubSpot file's 'Date entered "Stage"' columns (its pipeline's own); HubSpot's
documented default deal stages; and last the order in which the file first names each
stage, which the output says it went by. On a pipeline without deals the file's stages
replace the (empty) ones it has; otherwise they go before the won stage.

HubSpot's default deal stages come with their documented probabilities. Other new stages
get probabilities spread evenly between their neighbours' (0 before the first stage, the
won stage's after the last) and no exit milestone; the output says how to set both.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

from kanban_pipe.domain.errors import InvalidInputError
from kanban_pipe.domain.models import DealStatus, QualificationFact, Stage
from kanban_pipe.store.transfer.stages import StageChanges
from kanban_pipe.transfer.columns import normalise
from kanban_pipe.transfer.reader import ABSENT, SourceTable
from kanban_pipe.transfer.stage_match import NewStage, StageMatcher, closing_word

DEFAULT_STALE_DAYS = 14

# HubSpot's default deal pipeline ("Sales Pipeline"), as HubSpot documents it: label,
# probability; Closed Won (100 %) and Closed Lost (0 %) close a deal and are no stages.
# The stale-after days and exit milestones are kanban-pipe's reading of each stage.
HUBSPOT_STAGES: tuple[Stage, ...] = (
    Stage("appointmentscheduled", "Appointment Scheduled", 1, 20, 14,
          "Need and budget confirmed", QualificationFact.NEED),
    Stage("qualifiedtobuy", "Qualified To Buy", 2, 40, 14,
          "Decision maker agreed to a presentation", QualificationFact.DECISION_MAKER),
    Stage("presentationscheduled", "Presentation Scheduled", 3, 60, 10,
          "Decision maker bought in, with a timeline", QualificationFact.TIMELINE),
    Stage("decisionmakerboughtin", "Decision Maker Bought-In", 4, 80, 7,
          "Customer asked for the contract", requires_qualification=True),
    Stage("contractsent", "Contract Sent", 5, 90, 7, "Contract signed",
          requires_qualification=True),
)
_HUBSPOT = {stage.key: stage for stage in HUBSPOT_STAGES}


def letters(name: str) -> str:
    """A stage name as compared across spellings: 'Qualified To Buy' = 'qualifiedtobuy'."""
    return re.sub(r"[^a-z0-9]", "", name.casefold())


def known_stage(name: str) -> Stage | None:
    """HubSpot's documented default stage of this name (label or internal id), if it is one."""
    return _HUBSPOT.get(letters(name))


@dataclass(frozen=True, slots=True)
class FileOrder:
    """The file's open stages in pipeline order (stage keys), and what told that order."""

    keys: tuple[str, ...]
    source: str  # 'given', 'history', 'hubspot', 'appearance'


def gather_order(matcher: StageMatcher, stage_names: Sequence[str],
                 history: Sequence[tuple[str, str | None]], pipelines: set[str] | None,
                 given: Sequence[str]) -> FileOrder:
    """The file's stages in pipeline order, resolving (and with --create-stages planning)
    the stages --stage-order and the history name that no deal is in yet.

    `pipelines` are the pipelines the deals are in (a 'Pipeline' column), so the history
    columns of the file's other pipelines add no stages.
    """
    def resolve(name: str, option: str | None) -> str | None:
        if not name.strip() or closing_word(name):
            return None  # Closed Won / Closed Lost end a deal, they are no stages
        try:
            key, status, unknown = matcher.resolve(name, "")
        except InvalidInputError as error:
            if option is None:
                return None  # the rows naming it are refused with their lines already
            raise InvalidInputError(f"{option} '{name.strip()}': {error}") from None
        return key if status == DealStatus.OPEN.value and unknown is None else None

    def pairs(names: Sequence[str], option: str | None) -> list[tuple[str, str]]:
        found = [(name, resolve(name, option)) for name in dict.fromkeys(names)]
        return [(name, key) for name, key in found if key is not None]

    kept = [name for name, pipeline in history if pipeline is None or pipelines is None
            or pipeline.casefold() in pipelines]
    found = file_order(pairs(given, "--stage-order"), pairs(kept, "a 'Date entered' column"),
                       pairs(stage_names, None))
    if found.source != "hubspot":
        return found
    # HubSpot's default pipeline: its stages no deal is in yet come too, in their places.
    named = {letters(name) for name in dict.fromkeys(stage_names)}
    every = pairs([s.name for s in HUBSPOT_STAGES if s.key not in named], None)
    return file_order((), (), [*pairs(stage_names, None), *every])


def file_order(given: Sequence[tuple[str, str]], history: Sequence[tuple[str, str]],
               appearance: Sequence[tuple[str, str]]) -> FileOrder:
    """Merge the (name, key) lists into one order, by the best source there is."""
    if given:
        first, source = list(given), "given"
    elif history:
        first, source = list(history), "history"
    elif any(known_stage(name) for name, _ in appearance):
        known = [(n, k) for n, k in appearance if known_stage(n)]
        known.sort(key=lambda pair: _HUBSPOT[letters(pair[0])].position)
        first, source = known, "hubspot"
    else:
        first, source = [], "appearance"
    keys: list[str] = []
    for _name, key in (*first, *appearance):
        if key not in keys:
            keys.append(key)
    return FileOrder(tuple(keys), source)


def plan_changes(stages: Sequence[Stage], order: FileOrder, new: Sequence[NewStage], *,
                 replace_empty: bool) -> tuple[StageChanges, list[str]]:
    """The stage changes for the file's new stages, and the notes that explain them."""
    replace_empty = replace_empty and bool(new)  # only ever in favour of the file's own
    if not new:
        return StageChanges(), []
    board = sorted(stages, key=lambda s: s.position)
    open_now = [s for s in board if not s.is_won]
    won = [s for s in board if s.is_won]
    by_key = {s.key: s for s in board}
    added = {n.key: _new_stage(n) for n in new}
    if replace_empty:
        final = [added.get(key) or by_key[key] for key in order.keys]
        removed = tuple(s.key for s in open_now if s.key not in order.keys)
    else:
        final = [*open_now, *(added[key] for key in order.keys if key in added)]
        removed = ()
    spread = _spread(final, won[0].probability if won else 100, set(added))
    final = [spread.get(s.key, s) for s in final]
    positions = {s.key: place for place, s in enumerate([*final, *won], 1)}
    changes = StageChanges(tuple(s for s in final if s.key in added), positions, removed)
    return changes, _notes(changes, order, by_key, [s for s in final if s.key in added])


def _new_stage(new: NewStage) -> Stage:
    known = known_stage(new.name)
    if known is not None:
        return replace(known, key=new.key, name=new.name)
    return Stage(new.key, new.name, 0, -1, DEFAULT_STALE_DAYS)  # -1: probability to spread


def _spread(final: list[Stage], ceiling: int, added: set[str]) -> dict[str, Stage]:
    """New stages without a probability: evenly between the neighbours that have one."""
    spread: dict[str, Stage] = {}
    index = 0
    while index < len(final):
        if final[index].probability >= 0:
            index += 1
            continue
        end = index
        while end < len(final) and final[end].probability < 0:
            end += 1
        low = final[index - 1].probability if index else 0
        high = final[end].probability if end < len(final) else ceiling
        gap = end - index + 1
        for step, stage in enumerate(final[index:end], 1):
            probability = round(low + (high - low) * step / gap)
            spread[stage.key] = replace(stage, probability=max(0, min(100, probability)))
        index = end
    return {key: stage for key, stage in spread.items() if key in added}


_SOURCES = {
    "given": "as --stage-order gives it",
    "history": "as the file's 'Date entered' columns list them",
    "hubspot": "HubSpot's default deal pipeline, each of its stages in its place; others "
               "after them, in the order the file first names them (give the whole order "
               "with --stage-order A,B,C)",
    "appearance": "the order the file first names them in; give it with --stage-order "
                  "A,B,C if your pipeline's differs",
}


def _notes(changes: StageChanges, order: FileOrder, before: dict[str, Stage],
           added: list[Stage]) -> list[str]:
    notes = []
    if changes.removed:
        names = ", ".join(before[key].name for key in changes.removed)
        notes.append(f"the pipeline has no deals yet: its empty stages {names} are replaced "
                     "by the file's (--keep-stages keeps them)")
    if added:
        notes.append(f"stage order: {_SOURCES[order.source]}")
        known = [s.name for s in added if known_stage(s.name)]
        if known:
            notes.append(f"probabilities of {', '.join(known)}: HubSpot's defaults")
        spread = [f"{s.name} {s.probability}%" for s in added if not known_stage(s.name)]
        if spread:
            notes.append(f"probabilities spread between their neighbours: {', '.join(spread)};"
                         " set one with `kanban-pipe stages set KEY --probability N`")
        bare = [s.key for s in added if not s.milestone]
        if bare:
            notes.append(f"no exit milestones for {', '.join(bare)}: set each with "
                         "`kanban-pipe stages set KEY --milestone TEXT`")
    return notes


def deal_pipelines(table: SourceTable) -> set[str] | None:
    """The pipelines the file's deals are in (HubSpot's and Pipedrive's column), if said."""
    for at, name in enumerate(table.headers):
        if normalise(name) in ("pipeline", "deal - pipeline"):
            return {str(cells[at]).strip().casefold() for _, cells in table.rows
                    if cells[at] is not ABSENT and str(cells[at]).strip()} or None
    return None
