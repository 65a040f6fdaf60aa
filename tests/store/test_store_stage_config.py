"""Configuring stages: add, rename, move, set, remove; with the checks that keep deals safe."""

from __future__ import annotations

from datetime import date

import pytest

from kanban_pipe.domain.errors import InvalidInputError, InvalidStageError
from kanban_pipe.domain.models import QualificationFact
from kanban_pipe.store import PipelineStore


def order(raw) -> list[tuple[str, int]]:
    return [(r["key"], r["position"]) for r in raw.rows(
        "SELECT key, position FROM stages ORDER BY position")]


def test_add_stage_goes_before_won_by_default(store: PipelineStore, raw):
    stage = store.add_stage("Demo done", probability=60, stale_after_days=9,
                            milestone="Customer saw the demo")
    assert (stage.key, stage.name, stage.position) == ("demo_done", "Demo done", 5)
    assert (stage.probability, stage.stale_after_days, stage.milestone) == (
        60, 9, "Customer saw the demo")
    assert order(raw) == [("lead", 1), ("qualified", 2), ("proposal", 3), ("commitment", 4),
                          ("demo_done", 5), ("won", 6)]
    assert [s.key for s in store.stages()][-1] == "won"


def test_add_stage_at_a_position(store: PipelineStore, raw):
    store.add_stage("Discovery", key="disc", position=2)
    assert order(raw) == [("lead", 1), ("disc", 2), ("qualified", 3), ("proposal", 4),
                          ("commitment", 5), ("won", 6)]


@pytest.mark.parametrize(
    ("kwargs", "error", "words"),
    [
        ({"name": "Lead"}, InvalidStageError, "already exists"),
        ({"name": "Other", "key": "won"}, InvalidStageError, "already exists"),
        ({"name": "  "}, InvalidInputError, "stage name is required"),
        ({"name": "X", "probability": 101}, InvalidInputError, "between 0 and 100"),
        ({"name": "X", "probability": -1}, InvalidInputError, "between 0 and 100"),
        ({"name": "X", "stale_after_days": -3}, InvalidInputError, "can't be negative"),
        ({"name": "X", "key": "Bad Key"}, InvalidInputError, "not valid"),
    ],
)
def test_add_stage_refusals(store: PipelineStore, raw, kwargs, error, words):
    before = raw.rows("SELECT * FROM stages ORDER BY key")
    kwargs = dict(kwargs)  # parametrized once, run on each engine: not to be changed
    name = kwargs.pop("name")
    with pytest.raises(error, match=words):
        store.add_stage(name, **kwargs)
    assert raw.rows("SELECT * FROM stages ORDER BY key") == before


def test_rename_keeps_the_key_and_the_deals(store: PipelineStore, raw):
    deal = store.add_deal("Acme", stage="proposal")
    renamed = store.rename_stage("proposal", "Offer sent")
    assert (renamed.key, renamed.name, renamed.position) == ("proposal", "Offer sent", 3)
    assert store.get_deal(deal.id).stage == "proposal"
    other = store.add_deal("Beta")
    assert store.move_deal(other.id, "offer sent").stage == "proposal"
    assert raw.scalar("SELECT name FROM stages WHERE key = 'proposal'") == "Offer sent"
    with pytest.raises(InvalidInputError, match="stage name is required"):
        store.rename_stage("proposal", "")
    with pytest.raises(InvalidStageError, match="a stage 'lead' already exists"):
        store.rename_stage("proposal", "lead")
    assert raw.scalar("SELECT name FROM stages WHERE key = 'proposal'") == "Offer sent"
    assert store.rename_stage("proposal", "OFFER SENT").name == "OFFER SENT"


def test_move_stage(store: PipelineStore, raw):
    moved = store.move_stage("proposal", 1)
    assert moved.position == 1
    assert order(raw) == [("proposal", 1), ("lead", 2), ("qualified", 3), ("commitment", 4),
                          ("won", 5)]
    store.move_stage("proposal", 3)
    assert order(raw) == [("lead", 1), ("qualified", 2), ("proposal", 3), ("commitment", 4),
                          ("won", 5)]
    with pytest.raises(InvalidInputError, match="between 1 and 5"):
        store.move_stage("lead", 6)
    with pytest.raises(InvalidStageError, match="no stage 'nope'"):
        store.move_stage("nope", 1)


def test_set_stage(store: PipelineStore, raw):
    stage = store.set_stage("qualified", probability=30, stale_after_days=21,
                            milestone="Budget confirmed", qualifies=QualificationFact.TIMELINE,
                            requires_qualification=True)
    assert (stage.probability, stage.stale_after_days, stage.milestone, stage.qualifies,
            stage.requires_qualification) == (
        30, 21, "Budget confirmed", QualificationFact.TIMELINE, True)
    assert raw.rows("SELECT probability, stale_after_days, milestone, qualifies,"
                    " requires_qualification FROM stages WHERE key = 'qualified'") == [
        {"probability": 30, "stale_after_days": 21, "milestone": "Budget confirmed",
         "qualifies": "timeline", "requires_qualification": 1}]
    assert store.set_stage("qualified", qualifies=None).qualifies is None


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"probability": 150}, "between 0 and 100"),
        ({"probability": -10}, "between 0 and 100"),
        ({"stale_after_days": -1}, "can't be negative"),
        ({}, "nothing to set"),
    ],
)
def test_set_stage_refusals(store: PipelineStore, raw, kwargs, words):
    before = raw.rows("SELECT * FROM stages ORDER BY key")
    with pytest.raises(InvalidInputError, match=words):
        store.set_stage("lead", **kwargs)
    assert raw.rows("SELECT * FROM stages ORDER BY key") == before


def test_remove_an_empty_stage(store: PipelineStore, raw):
    store.add_stage("Discovery", position=2)
    store.remove_stage("discovery")
    assert order(raw) == [("lead", 1), ("qualified", 2), ("proposal", 3), ("commitment", 4),
                          ("won", 5)]


@pytest.mark.parametrize("close", [None, "lost", "paused", "deleted"])
def test_remove_refused_while_the_stage_holds_deals(store: PipelineStore, raw, close):
    deal = store.add_deal("Acme", stage="qualified")
    if close == "lost":
        store.mark_lost(deal.id, "no budget")
    elif close == "paused":
        store.pause_deal(deal.id, date(2027, 1, 1))
    elif close == "deleted":
        store.delete_deal(deal.id)
    before = order(raw)
    with pytest.raises(InvalidStageError, match="holds 1 deal"):
        store.remove_stage("qualified")
    assert order(raw) == before


def test_remove_won_stage_is_refused(store: PipelineStore, raw):
    with pytest.raises(InvalidStageError, match="won stage cannot be removed"):
        store.remove_stage("won")
    assert raw.count("stages") == 5
