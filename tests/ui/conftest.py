"""A fixed pipeline and clock for board tests: every highlight appears exactly once."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from kanban_pipe.domain.models import NextStep, QualificationFact
from kanban_pipe.store import PipelineStore, open_store
from kanban_pipe.ui.app import PipelineApp, create_app

NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
TODAY = date(2026, 11, 25)


class Clock:
    """A clock tests can move: deals are created in the past, the board looks at NOW."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@dataclass
class Board:
    """The seeded store, its clock and the ids of the named deals."""

    store: PipelineStore
    clock: Clock
    ids: dict[str, int]
    path: Path

    def app(self, **kwargs: object) -> PipelineApp:
        """The app exactly as the CLI builds it, with the fixed day."""
        return create_app(self.store, today=lambda: TODAY, db_label="board.db", **kwargs)


def seed(store: PipelineStore, clock: Clock, *, dune_step_in: int = 3) -> dict[str, int]:
    """Deals covering each highlight; returns their ids by short name.

    Dune closes in 5 days; its next step falls due in `dune_step_in` days. Review tests
    put it after the close, so that Dune is in the closing-soon queue (a step due by the
    close takes it out).
    """
    ids: dict[str, int] = {}
    full = {QualificationFact.DECISION_MAKER: True, QualificationFact.NEED: True,
            QualificationFact.TIMELINE: True}

    clock.now = NOW - timedelta(days=3)
    ids["acme"] = store.add_deal(
        "Acme fleet renewal", organization="Acme AB", value=1_200_000, stage="lead",
        next_step=NextStep("Call the CFO", "anna", TODAY - timedelta(days=2))).id
    ids["borealis"] = store.add_deal(
        "Borealis pilot", organization="Borealis Oy", value=450_000, stage="lead").id
    clock.now = NOW - timedelta(days=30)
    ids["cobalt"] = store.add_deal(
        "Cobalt licences", organization="Cobalt GmbH", value=2_500_000, stage="qualified",
        next_step=NextStep("Send case study", "anna", TODAY + timedelta(days=6))).id
    clock.now = NOW - timedelta(days=2)
    ids["dune"] = store.add_deal(
        "Dune expansion", organization="Dune Ltd", value=8_000_000, stage="proposal",
        expected_close=TODAY + timedelta(days=5),
        next_step=NextStep("Review contract", "anna", TODAY + timedelta(days=dune_step_in))).id
    store.qualify_deal(ids["dune"], full)
    ids["ember"] = store.add_deal(
        "Ember support", organization="Ember SA", value=900_000, stage="proposal",
        next_step=NextStep("Demo for IT", "anna", TODAY + timedelta(days=8))).id
    ids["fjord"] = store.add_deal(
        "Fjord upgrade", organization="Fjord AS", value=3_000_000, stage="commitment",
        owner="erik", next_step=NextStep("Sign", "erik", TODAY)).id
    store.qualify_deal(ids["fjord"], full)
    ids["granite"] = store.add_deal(
        "Granite deal", organization="Granite Inc", value=5_000_000, stage="commitment",
        next_step=NextStep("Kick-off", "anna", TODAY + timedelta(days=1))).id
    store.qualify_deal(ids["granite"], full)
    store.mark_won(ids["granite"])
    ids["harbor"] = store.add_deal("Harbor lost one", stage="qualified").id
    store.mark_lost(ids["harbor"], "price")
    ids["iris"] = store.add_deal("Iris paused", stage="qualified").id
    store.pause_deal(ids["iris"], TODAY + timedelta(days=10))
    clock.now = NOW
    return ids


@pytest.fixture(autouse=True)
def utc_local_time(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Day boundaries and shown times as on a machine in UTC, wherever the tests run."""
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def seeded_board(tmp_path: Path, **options: int) -> Iterator[Board]:
    """A fresh seeded pipeline, opened as user anna (seed's options)."""
    clock = Clock(NOW)
    path = tmp_path / "board.db"
    store = open_store(str(path), user="anna", clock=clock)
    ids = seed(store, clock, **options)
    yield Board(store, clock, ids, path)
    store.close()


@pytest.fixture
def board(tmp_path: Path) -> Iterator[Board]:
    """A fresh seeded pipeline per test, opened as user anna."""
    yield from seeded_board(tmp_path)


async def settle(pilot: object) -> None:
    """Wait for store workers and the frames they cause."""
    app = pilot.app  # type: ignore[attr-defined]
    await pilot.pause()  # type: ignore[attr-defined]
    await app.workers.wait_for_complete()
    await pilot.pause()  # type: ignore[attr-defined]
    await app.workers.wait_for_complete()
    await pilot.pause()  # type: ignore[attr-defined]
