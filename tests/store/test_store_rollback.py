"""A failed action leaves nothing behind: the deal row and the log stay as they were."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest

from kanban_pipe.domain.errors import StorageError
from kanban_pipe.domain.models import NextStep, QualificationFact
from kanban_pipe.store import PipelineStore

ACTIONS: dict[str, Callable[[PipelineStore, int], Any]] = {
    "edit": lambda s, d: s.edit_deal(d, title="Renamed", value=999),
    "move": lambda s, d: s.move_deal(d, "proposal"),
    "won": lambda s, d: s.mark_won(d),
    "lost": lambda s, d: s.mark_lost(d, "budget"),
    "next step": lambda s, d: s.set_next_step(d, "Send deck", due=date(2026, 12, 1)),
    "done": lambda s, d: s.complete_next_step(d),
    "log": lambda s, d: s.log_activity(d, "call", "talked"),
    "pause": lambda s, d: s.pause_deal(d, date(2027, 1, 5)),
    "qualify": lambda s, d: s.qualify_deal(d, {QualificationFact.NEED: True}),
    "delete": lambda s, d: s.delete_deal(d),
    "undo": lambda s, d: s.undo(),
}


class Boom(Exception):
    """Raised by the sabotaged activity insert."""


def sabotage_after_insert(store: PipelineStore, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Make the activity insert run and then fail, after the deal UPDATE has run."""
    original = store._append_activity
    reached: list[int] = []

    def failing(deal_id: int, *args: Any, **kwargs: Any) -> int:
        reached.append(original(deal_id, *args, **kwargs))
        raise Boom("disk went away")

    monkeypatch.setattr(store, "_append_activity", failing)
    return reached


@pytest.mark.parametrize("action", ACTIONS)
def test_failed_activity_insert_rolls_back_the_deal_change(store: PipelineStore, raw, clock,
                                                          monkeypatch, action):
    deal = store.add_deal("Acme", value=100, next_step=NextStep("Call", "anna", None))
    store.edit_deal(deal.id, contact="Eva")  # something for undo to undo
    clock.advance(days=1)
    row_before = raw.deal(deal.id)
    activities_before = raw.activities()

    reached = sabotage_after_insert(store, monkeypatch)
    with pytest.raises(Boom):
        ACTIONS[action](store, deal.id)
    assert reached, "the sabotage must fire after the deal was updated"

    assert raw.deal(deal.id) == row_before
    assert raw.activities() == activities_before
    assert not store.conn.in_transaction
    # The store still works afterwards.
    monkeypatch.undo()
    assert ACTIONS[action](store, deal.id) is not None
    assert len(raw.activities()) == len(activities_before) + 1


def test_failed_add_leaves_no_deal(store: PipelineStore, raw, monkeypatch):
    sabotage_after_insert(store, monkeypatch)
    with pytest.raises(Boom):
        store.add_deal("Never saved")
    assert raw.count("deals") == 0
    assert raw.count("activities") == 0


def test_integrity_error_inside_the_transaction_rolls_back(store: PipelineStore, raw,
                                                          monkeypatch):
    deal = store.add_deal("Acme", value=100)
    row_before = raw.deal(deal.id)

    def bad_insert(deal_id: int, *args: Any, **kwargs: Any) -> int:
        # The kind CHECK constraint refuses this: a real integrity error from the engine.
        store.conn.execute(
            "INSERT INTO activities (deal_id, at, actor, kind) VALUES (?, 'x', 'anna', 'bogus')",
            (deal_id,),
        )
        return 0

    monkeypatch.setattr(store, "_append_activity", bad_insert)
    with pytest.raises(StorageError,
                       match=r"CHECK constraint failed|violates check constraint") as caught:
        store.move_deal(deal.id, "qualified")
    assert isinstance(caught.value.__cause__, store.engine.errors)
    assert "\n" not in str(caught.value)
    assert raw.deal(deal.id) == row_before
    assert raw.count("activities") == 1


def test_stage_removed_by_another_process_gives_a_clear_error(store: PipelineStore, raw,
                                                             open_as, monkeypatch):
    store.add_stage("Demo")
    stages_seen = store.stages()  # what this terminal saw before the other one acted
    other = open_as("erik")
    other.remove_stage("demo")
    monkeypatch.setattr(store, "stages_of", lambda pipeline: stages_seen)
    with pytest.raises(StorageError,
                       match=r"FOREIGN KEY constraint failed|violates foreign key constraint"):
        store.add_deal("Into a stage that is gone", stage="demo")
    assert raw.count("deals") == 0
    assert raw.count("activities") == 0


def test_interrupt_rolls_back_too(store: PipelineStore, raw, monkeypatch):
    deal = store.add_deal("Acme")
    row_before = raw.deal(deal.id)
    original = store._append_activity

    def interrupted(*args: Any, **kwargs: Any) -> int:
        original(*args, **kwargs)
        raise KeyboardInterrupt

    monkeypatch.setattr(store, "_append_activity", interrupted)
    with pytest.raises(KeyboardInterrupt):
        store.log_activity(deal.id, "note", "x")
    assert raw.deal(deal.id) == row_before
    assert raw.count("activities") == 1
