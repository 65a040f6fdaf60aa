"""A deal lost at an unknown stage (stage None) moves only to a named stage, claiming nothing."""

import pytest

from kanban_pipe.domain.errors import InvalidStageError
from kanban_pipe.domain.stages import (
    DEFAULT_STAGES,
    UNKNOWN_STAGE,
    milestones_passed,
    neighbour_stage,
    stage_of,
)


def test_no_neighbour_for_an_unknown_stage() -> None:
    with pytest.raises(InvalidStageError, match="unknown stage: name the stage"):
        neighbour_stage(DEFAULT_STAGES, None, 1)


def test_a_move_from_an_unknown_stage_claims_no_milestone() -> None:
    assert milestones_passed(DEFAULT_STAGES, None, "commitment") == []
    passed = milestones_passed(DEFAULT_STAGES, "lead", "proposal")
    assert [s.key for s in passed] == ["lead", "qualified"]


def test_stage_of_none_is_the_unknown_stage() -> None:
    assert stage_of(None, {s.key: s for s in DEFAULT_STAGES}) is UNKNOWN_STAGE
