"""The default pipeline and rules about moving between stages."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from kanban_pipe.domain.errors import InvalidInputError, InvalidStageError
from kanban_pipe.domain.models import QualificationFact, Stage

DEFAULT_STAGES: tuple[Stage, ...] = (
    Stage("lead", "Lead", 1, 10, 14, "Decision maker involved",
          QualificationFact.DECISION_MAKER),
    Stage("qualified", "Qualified", 2, 25, 14, "Need and goals confirmed",
          QualificationFact.NEED),
    Stage("proposal", "Proposal", 3, 50, 10, "Customer confirmed timeline",
          QualificationFact.TIMELINE, requires_qualification=True),
    Stage("commitment", "Commitment", 4, 80, 7, "Contract signed",
          requires_qualification=True),
    Stage("won", "Won", 5, 100, 0, "", is_won=True),
)

# What stands in for the stage of a deal lost where nobody knows (an imported "Closed Lost"
# row without a stage history; stored as NULL): never a column, probability 0, never stale.
UNKNOWN_STAGE = Stage("", "unknown stage", 0, 0, 0)


def stage_of(stage_key: str | None, stages: Mapping[str, Stage]) -> Stage:
    """The stage with this key; UNKNOWN_STAGE for a deal lost at an unknown stage (None)."""
    return UNKNOWN_STAGE if stage_key is None else stages[stage_key]


_KEY_RE = re.compile(r"^[a-z][a-z0-9_-]{0,31}$")


def stage_key_from_name(name: str) -> str:
    """A stable, shell-friendly key for a stage name ("Demo done" -> "demo_done")."""
    key = re.sub(r"[^a-z0-9]+", "_", name.strip().lower()).strip("_")[:32]
    if not key or not key[0].isalpha():
        key = f"stage_{key}".strip("_")
    return key


def validate_stage_key(key: str) -> str:
    """Return `key` if it is a valid stage key, else raise with the rule."""
    if not _KEY_RE.match(key):
        raise InvalidInputError(
            f"stage key {key!r} is not valid: use lower-case letters, digits, - or _ "
            "(up to 32, starting with a letter)"
        )
    return key


def find_stage(stages: Sequence[Stage], ref: str) -> Stage:
    """The stage named by key, name (case-insensitive) or 1-based number."""
    wanted = ref.strip().lower()
    for stage in stages:
        if stage.key == wanted or stage.name.lower() == wanted:
            return stage
    if wanted.isdigit() and 1 <= int(wanted) <= len(stages):
        return sorted(stages, key=lambda s: s.position)[int(wanted) - 1]
    known = ", ".join(s.key for s in sorted(stages, key=lambda s: s.position))
    raise InvalidStageError(f"no stage {ref!r}; stages are: {known}")


def neighbour_stage(stages: Sequence[Stage], current: str | None, step: int) -> Stage:
    """The stage `step` places after (or before, when negative) the current one."""
    if current is None:
        raise InvalidStageError(
            "the deal was lost at an unknown stage: name the stage to move it to")
    ordered = sorted(stages, key=lambda s: s.position)
    index = next((i for i, s in enumerate(ordered) if s.key == current), None)
    if index is None:
        raise InvalidStageError(f"no stage {current!r}")
    target = index + step
    if target < 0:
        raise InvalidStageError(f"the deal is already in the first stage ({ordered[0].name})")
    if target >= len(ordered):
        raise InvalidStageError(f"the deal is already in the last stage ({ordered[-1].name})")
    return ordered[target]


def milestones_passed(stages: Sequence[Stage], from_key: str | None,
                      to_key: str) -> list[Stage]:
    """The stages whose exit milestones a move from `from_key` to `to_key` claims.

    Moving forward claims the milestone of the stage left and of every stage skipped;
    moving back claims nothing, and so does a move from an unknown stage (None): nobody
    knows which milestones the deal had passed.
    """
    if from_key is None:
        return []
    ordered = sorted(stages, key=lambda s: s.position)
    keys = [s.key for s in ordered]
    start, end = keys.index(from_key), keys.index(to_key)
    return ordered[start:end] if end > start else []


def _said(text: str) -> str:
    return " ".join(text.split()).lower()


def check_confirmations(passed: Sequence[Stage], confirms: Sequence[str] | None,
                        move_words: str) -> None:
    """Refuse a move whose claimed milestones are not each confirmed (the CLI's --confirm).

    `confirms` holds what --confirm gave: "" for a bare --confirm (enough when exactly one
    milestone is passed), "all", or a milestone (or the stage it ends) by name; None when
    --confirm was not given. `move_words` ("moving #65 Lead → Commitment") starts the error.
    """
    claimed = [stage for stage in passed if stage.milestone]
    if not claimed:
        return
    names = "; ".join(f"'{stage.milestone}'" for stage in claimed)
    if len(claimed) == 1:
        how = "add --confirm if it happened"
        what = f"the milestone {names}"
    else:
        how = ('confirm each with --confirm "MILESTONE" (or the stage it ends), or all with '
               "--confirm all")
        what = f"{len(claimed)} milestones: {names}"
    if not confirms:
        raise InvalidInputError(f"{move_words} claims {what}: {how}")
    said = [_said(text) for text in confirms]
    if "all" in said:
        return
    unconfirmed = list(claimed)
    for text in said:
        if not text:
            if len(claimed) > 1:
                raise InvalidInputError(
                    f"{move_words} claims {what}; a bare --confirm confirms one: {how}")
            unconfirmed.clear()
            continue
        match = next((stage for stage in claimed if text in (
            _said(stage.milestone), stage.key, _said(stage.name))), None)
        if match is None:
            raise InvalidInputError(
                f"{move_words}: --confirm {text!r} names none of the milestones it claims "
                f"({names}); {how}")
        if match in unconfirmed:
            unconfirmed.remove(match)
    if unconfirmed:
        left = "; ".join(f"'{stage.milestone}'" for stage in unconfirmed)
        raise InvalidInputError(f"{move_words} also claims {left}, not confirmed: {how}")
