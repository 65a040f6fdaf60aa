"""SVG snapshots of the statistics screen on fixed data and a fixed clock.

tests/ui's seeded pipeline, `f` from the board. Regenerate after an intended UI change with
`pytest tests/snapshots/test_stats_snapshot.py --snapshot-update` and look at the SVGs.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from textual.pilot import Pilot

from kanban_pipe.store import PipelineStore
from kanban_pipe.ui.app import create_app
from kanban_pipe.ui.screens.stats import StatsScreen
from tests.ui.conftest import TODAY
from tests.ui.pilot import press, settle

SnapCompare = Callable[..., bool]


def open_stats(*keys: str) -> Callable[[Pilot[Any]], Awaitable[None]]:
    """`f` on the board, wait for the statistics to be read, then press `keys`."""

    async def run_before(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        # The tabs' underline slides to the tab shown: no sliding, so every run draws alike.
        pilot.app.animation_level = "none"
        await press(pilot, "f", *keys)
        await pilot.wait_for_scheduled_animations()
        screen = pilot.app.screen
        assert isinstance(screen, StatsScreen) and screen.stats is not None
        assert screen.stats.pipeline.deals == 6

    return run_before


@pytest.mark.parametrize("keys", [(), ("end",), ("2",), ("3",), ("4",)],
                         ids=["top", "end", "team", "lost", "call"])
def test_statistics(snap_compare: SnapCompare, store: PipelineStore,
                    keys: tuple[str, ...]) -> None:
    """Hints, pipeline, forecast and trend on the left, rates on the right; then the end;
    the team tab, the lost tab and the forecast call tab."""
    app = create_app(store, today=lambda: TODAY, db_label="board.db")
    assert snap_compare(app, terminal_size=(140, 40), run_before=open_stats(*keys))
