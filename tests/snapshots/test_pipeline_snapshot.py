"""SVG snapshots of several pipelines on the board: the switcher (`P`) and the second
pipeline's board after choosing it, on the seeded data and fixed clock of tests/ui.

Regenerate after an intended UI change with
`pytest tests/snapshots --snapshot-update` and look at the new SVGs before committing.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from textual.pilot import Pilot

from kanban_pipe.store import PipelineStore
from kanban_pipe.ui.app import PipelineApp, create_app
from kanban_pipe.ui.screens.board import BoardScreen
from kanban_pipe.ui.screens.pipeline_picker import PipelinePicker
from tests.ui.conftest import TODAY
from tests.ui.pilot import press, settle

SnapCompare = Callable[..., bool]
RunBefore = Callable[[Pilot[Any]], Awaitable[None]]

WIDE = (140, 40)


@pytest.fixture
def two(store: PipelineStore) -> PipelineStore:
    """The seeded Sales, and Renewals: two open deals (Proposal, Lead) and a won one; the
    board opens on Sales, as `kanban-pipe` opens it."""
    store.add_pipeline("Renewals")
    store.use_pipeline("renewals")
    store.add_deal("Nordic renewal", organization="Nordic AB", value=700_000,
                   stage="Proposal")
    store.add_deal("Oak renewal", organization="Oak Ltd", value=300_000)
    store.mark_won(store.add_deal("Pine renewal", value=100_000).id)
    store.use_pipeline("sales")
    return store


def make_app(store: PipelineStore) -> PipelineApp:
    return create_app(store, today=lambda: TODAY, db_label="board.db")


def keys_then(*keys: str, check: Callable[[PipelineApp], None]) -> RunBefore:
    async def run_before(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        await press(pilot, *keys)
        await pilot.pause()
        check(pilot.app)  # type: ignore[arg-type]

    return run_before


def test_pipeline_picker(snap_compare: SnapCompare, two: PipelineStore) -> None:
    """`P`: both pipelines with their open deals, the one shown marked."""

    def listed(app: PipelineApp) -> None:
        assert isinstance(app.screen, PipelinePicker), app.screen

    assert snap_compare(make_app(two), terminal_size=WIDE, run_before=keys_then("P", check=listed))


def test_board_of_the_second_pipeline(snap_compare: SnapCompare, two: PipelineStore) -> None:
    """`P` `2`: Renewals' columns and cards, its name and totals in the header."""

    def renewals(app: PipelineApp) -> None:
        screen = app.screen
        assert isinstance(screen, BoardScreen) and screen.pipeline_key == "renewals"
        assert [len(c.deal_ids) for c in screen.columns()] == [1, 0, 1, 0, 1]

    assert snap_compare(make_app(two), terminal_size=WIDE,
                        run_before=keys_then("P", "2", check=renewals))
