"""SVG snapshots of the statistics screen on fixed data and a fixed clock.

tests/ui's seeded pipeline, `f` from the board. Regenerate after an intended UI change with
`pytest tests/snapshots/test_stats_snapshot.py --snapshot-update` and look at the SVGs.
"""

from __future__ import annotations

import os
import time
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot

from kanban_pipe.store import PipelineStore, open_store
from kanban_pipe.ui.app import create_app
from kanban_pipe.ui.screens.stats import StatsScreen
from tests.ui.conftest import NOW, TODAY, Clock, seed, settle

SnapCompare = Callable[..., bool]


@pytest.fixture(autouse=True)
def utc_local_time() -> Iterator[None]:
    """Days are local days: pin the zone, so the SVGs match on every machine."""
    before = os.environ.get("TZ")
    os.environ["TZ"] = "UTC"
    time.tzset()
    yield
    if before is None:
        del os.environ["TZ"]
    else:
        os.environ["TZ"] = before
    time.tzset()


@pytest.fixture
def store(tmp_path: Path) -> Iterator[PipelineStore]:
    """The seeded pipeline of tests/ui, opened as anna."""
    clock = Clock(NOW)
    pipeline = open_store(str(tmp_path / "board.db"), user="anna", clock=clock)
    seed(pipeline, clock)
    yield pipeline
    pipeline.close()


def open_stats(*keys: str) -> Callable[[Pilot[Any]], Awaitable[None]]:
    """`f` on the board, wait for the statistics to be read, then press `keys`."""

    async def run_before(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        await pilot.press("f", *keys)
        await settle(pilot)
        screen = pilot.app.screen
        assert isinstance(screen, StatsScreen) and screen.stats is not None
        assert screen.stats.pipeline.deals == 6

    return run_before


@pytest.mark.parametrize("keys", [(), ("end",)], ids=["top", "end"])
def test_statistics(snap_compare: SnapCompare, store: PipelineStore,
                    keys: tuple[str, ...]) -> None:
    """Hints, pipeline, forecast and trend on the left, rates on the right; then the end."""
    app = create_app(store, today=lambda: TODAY, db_label="board.db")
    assert snap_compare(app, terminal_size=(140, 40), run_before=open_stats(*keys))
