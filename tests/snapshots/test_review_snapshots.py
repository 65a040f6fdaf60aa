"""SVG snapshots of review mode: the opening page, a deal, the qualify form and the summary.

Fixed data and clock (tests/ui's seeded pipeline). Regenerate after an intended UI change
with `pytest tests/snapshots --snapshot-update` and look at the new SVGs before committing.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot

from kanban_pipe.domain.models import QualificationFact
from kanban_pipe.store import PipelineStore, open_store
from kanban_pipe.ui.app import PipelineApp, create_app
from kanban_pipe.ui.screens.qualify import QualifyForm
from kanban_pipe.ui.screens.review import ReviewScreen
from tests.ui.conftest import NOW, TODAY, Clock, seed
from tests.ui.pilot import press, settle

SnapCompare = Callable[..., bool]
WIDE = (140, 40)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[PipelineStore]:
    """The seeded pipeline with Dune's next step after its close: Dune is closing soon."""
    clock = Clock(NOW)
    pipeline = open_store(str(tmp_path / "board.db"), user="anna", clock=clock)
    seed(pipeline, clock, dune_step_in=8)
    yield pipeline
    pipeline.close()


def review_app(store: PipelineStore) -> PipelineApp:
    """The app as `kanban-pipe review` builds it, with a fixed day and database label."""
    return create_app(store, today=lambda: TODAY, db_label="board.db", start_in_review=True)


def keys_then(*keys: str, check: Callable[[PipelineApp], None]
              ) -> Callable[[Pilot[Any]], Awaitable[None]]:
    """Press keys, wait for workers, drop the toasts (they time out), then check."""

    async def run_before(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        for key in keys:
            await press(pilot, key)
        pilot.app.clear_notifications()
        await pilot.pause()
        check(pilot.app)  # type: ignore[arg-type]

    return run_before


def phase(name: str, title: str | None = None) -> Callable[[PipelineApp], None]:
    """A check that review mode is in `name`, showing the deal `title`."""

    def check(app: PipelineApp) -> None:
        screen = app.screen
        assert isinstance(screen, ReviewScreen) and screen.phase == name, screen
        deal = screen.current_deal()
        assert (deal.title if deal else None) == title

    return check


def test_review_opening(snap_compare: SnapCompare, store: PipelineStore) -> None:
    """What changed in the last 7 days, then the five queues' sizes."""
    assert snap_compare(review_app(store), terminal_size=WIDE,
                        run_before=keys_then(check=phase("intro")))


def test_review_closing_soon_deal(snap_compare: SnapCompare, store: PipelineStore) -> None:
    """space: Dune, closing in 5 days — reason, card, what is missing, last activities."""
    assert snap_compare(review_app(store), terminal_size=WIDE,
                        run_before=keys_then("space", check=phase("deal", "Dune expansion")))


def test_review_unqualified_deal(snap_compare: SnapCompare, store: PipelineStore) -> None:
    """Four skips on: Ember, in Proposal without any qualification fact."""
    assert snap_compare(review_app(store), terminal_size=WIDE,
                        run_before=keys_then(*["space"] * 5,
                                             check=phase("deal", "Ember support")))


def test_review_qualify_form(snap_compare: SnapCompare, store: PipelineStore) -> None:
    """Q on Ember with the need toggled."""

    def check(app: PipelineApp) -> None:
        assert isinstance(app.screen, QualifyForm)
        assert app.screen.chosen() == {QualificationFact.NEED: True}

    assert snap_compare(review_app(store), terminal_size=WIDE,
                        run_before=keys_then(*["space"] * 5, "Q", "n", check=check))


def test_review_summary(snap_compare: SnapCompare, store: PipelineStore) -> None:
    """Win Dune, skip Cobalt, lose Acme, then q: what was decided, recorded."""
    keys = ("space", "w", "space", "x", *"price", "ctrl+s", "q")
    assert snap_compare(review_app(store), terminal_size=WIDE,
                        run_before=keys_then(*keys, check=phase("summary")))


def test_review_summary_recorded(snap_compare: SnapCompare, store: PipelineStore) -> None:
    """The same summary after r: recorded, the next review's changes start here."""
    keys = ("space", "w", "space", "x", *"price", "ctrl+s", "q", "r")
    assert snap_compare(review_app(store), terminal_size=WIDE,
                        run_before=keys_then(*keys, check=phase("summary")))


def test_review_unqualified_deal_at_80x24(snap_compare: SnapCompare,
                                          store: PipelineStore) -> None:
    """At 80x24: the card, 'What is missing' and the footer's Q Qualify and esc End."""
    assert snap_compare(review_app(store), terminal_size=(80, 24),
                        run_before=keys_then(*["space"] * 5,
                                             check=phase("deal", "Ember support")))
