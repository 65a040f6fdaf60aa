"""Undo: a compensating change plus an `undo` entry; per user; refuses to clobber others."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest

from kanban_pipe.domain.errors import ConflictError, NotFoundError, NothingToUndoError
from kanban_pipe.domain.models import DealStatus, NextStep, QualificationFact
from kanban_pipe.store import PipelineStore
from kanban_pipe.store.base import UNDOABLE_COLUMNS


def restorable(row: dict[str, Any]) -> dict[str, Any]:
    """The columns undo is responsible for."""
    return {column: row[column] for column in sorted(UNDOABLE_COLUMNS)}


Action = Callable[[PipelineStore, int], Any]
CASES: dict[str, tuple[Action | None, Action, str]] = {
    # name: (prepare, action, undo detail starts with)
    "edit": (None, lambda s, d: s.edit_deal(d, title="Renamed", value=10, source="web"),
             "undid edited: changed title, value, source"),
    "move forward": (None, lambda s, d: s.move_deal(d, "commitment"),
                     "undid moved: Qualified → Commitment"),
    "move back": (None, lambda s, d: s.move_deal(d, "lead"), "undid moved: Qualified → Lead"),
    "won": (None, lambda s, d: s.mark_won(d), "undid won: Qualified → Won"),
    "lost": (None, lambda s, d: s.mark_lost(d, "budget cut"), "undid lost: budget cut"),
    "next step": (None, lambda s, d: s.set_next_step(d, "Demo", due=date(2026, 12, 2)),
                  "undid next step set: Demo (anna, due 2026-12-02)"),
    "done": (None, lambda s, d: s.complete_next_step(d), "undid next step done: Call Eva"),
    "log": (None, lambda s, d: s.log_activity(d, "meeting", "on site"),
            "undid meeting: on site"),
    "pause": (None, lambda s, d: s.pause_deal(d, date(2027, 2, 1)),
              "undid paused: until 2027-02-01"),
    "resume": (lambda s, d: s.pause_deal(d, date(2027, 2, 1)), lambda s, d: s.resume_deal(d),
               "undid resumed"),
    "qualify": (None, lambda s, d: s.qualify_deal(d, {QualificationFact.TIMELINE: True,
                                                      QualificationFact.NEED: False}),
                "undid qualified: timeline confirmed, need cleared"),
    "delete": (None, lambda s, d: s.delete_deal(d), "undid deleted"),
}


@pytest.fixture
def deal_id(store: PipelineStore, clock) -> int:
    """A qualified deal with a value, an expected close and a next step, made a day ago."""
    deal = store.add_deal("Acme", organization="Acme AB", value=50_000, stage="qualified",
                          expected_close=date(2027, 1, 15),
                          next_step=NextStep("Call Eva", "anna", date(2026, 11, 26)))
    store.qualify_deal(deal.id, {QualificationFact.NEED: True})
    clock.advance(days=1)
    return deal.id


@pytest.mark.parametrize("case", CASES)
def test_undo_restores_previous_values(store: PipelineStore, raw, clock, deal_id, case):
    prepare, action, detail = CASES[case]
    if prepare:
        prepare(store, deal_id)
        clock.advance(hours=1)
    before = raw.deal(deal_id)
    action(store, deal_id)
    action_activity = raw.activities(deal_id)[-1]
    assert restorable(raw.deal(deal_id)) != restorable(before)
    clock.advance(hours=2)

    deal, message = store.undo()

    after = raw.deal(deal_id)
    assert restorable(after) == restorable(before)
    assert after["version"] == before["version"] + 2
    undo_activity = raw.activities(deal_id)[-1]
    assert undo_activity["kind"] == "undo"
    assert undo_activity["undoes"] == action_activity["id"]
    assert undo_activity["actor"] == "anna"
    assert undo_activity["detail"].startswith(detail)
    assert message == f"{undo_activity['detail']} on 'Acme'"
    assert deal.id == deal_id
    # The original entry is still there: history is never rewritten.
    assert raw.activities(deal_id)[-2] == action_activity


def test_undo_of_delete_brings_the_deal_back(store: PipelineStore, deal_id):
    store.delete_deal(deal_id)
    with pytest.raises(NotFoundError):
        store.get_deal(deal_id)
    store.undo()
    assert store.get_deal(deal_id).title == "Acme"
    assert [d.id for d in store.list_deals()] == [deal_id]


def test_undo_of_add_deletes_the_deal(store: PipelineStore, raw, clock):
    deal = store.add_deal("Typo deal")
    clock.advance(minutes=5)
    undone, message = store.undo()
    assert message == "undid created: created in Lead on 'Typo deal'"
    assert undone.id == deal.id
    assert raw.deal(deal.id)["deleted_at"] == "2026-11-25T10:05:00+00:00"
    with pytest.raises(NotFoundError, match="deleted"):
        store.get_deal(deal.id)
    assert store.list_deals() == []
    assert [a["kind"] for a in raw.activities(deal.id)] == ["created", "undo"]


def test_repeated_undo_walks_back(store: PipelineStore, raw, clock):
    deal = store.add_deal("Acme")
    clock.advance(minutes=1)
    store.move_deal(deal.id, "qualified")
    clock.advance(minutes=1)
    store.set_next_step(deal.id, "Demo")
    clock.advance(minutes=1)
    other = store.add_deal("Other")
    clock.advance(minutes=1)

    assert store.undo()[1] == "undid created: created in Lead on 'Other'"
    assert store.undo()[1] == "undid next step set: Demo (anna) on 'Acme'"
    assert store.get_deal(deal.id).next_step is None
    assert store.undo()[1].startswith("undid moved: Lead → Qualified")
    back = store.get_deal(deal.id)
    assert (back.stage, back.qualification.decision_maker) == ("lead", False)
    assert store.undo()[1] == "undid created: created in Lead on 'Acme'"
    with pytest.raises(NothingToUndoError, match="nothing to undo for anna"):
        store.undo()
    undone = [a["undoes"] for a in raw.activities() if a["kind"] == "undo"]
    originals = [a["id"] for a in raw.activities() if a["kind"] != "undo"]
    assert undone == list(reversed(originals))
    assert raw.deal(other.id)["deleted_at"] is not None


def test_an_undo_refused_names_the_change_in_plain_words(open_as, clock):
    anna, erik = open_as("anna"), open_as("erik")
    deal = anna.add_deal("Acme")
    clock.advance(minutes=1)
    anna.edit_deal(deal.id, title="Acme AB")
    clock.advance(minutes=1)
    erik.edit_deal(deal.id, title="Acme Group")
    with pytest.raises(ConflictError) as caught:
        anna.undo()
    assert str(caught.value) == (
        "can't undo your edit of 'Acme Group': erik (edited) changed it since; "
        "nothing was undone")


def test_undo_refuses_when_someone_else_changed_the_same_fields(open_as, raw, clock):
    anna, erik = open_as("anna"), open_as("erik")
    deal = anna.add_deal("Acme")
    clock.advance(minutes=1)
    anna.set_next_step(deal.id, "Call Eva")
    clock.advance(minutes=1)
    erik.set_next_step(deal.id, "Erik's plan")
    row = raw.deal(deal.id)
    activities = raw.activities()

    with pytest.raises(ConflictError) as caught:
        anna.undo()
    assert str(caught.value) == (
        "can't undo your next step of 'Acme': erik (next step set) changed it since;"
        " nothing was undone"
    )
    assert raw.deal(deal.id) == row
    assert raw.activities() == activities


def test_undo_goes_ahead_when_others_changed_other_fields(open_as, raw, clock):
    anna, erik = open_as("anna"), open_as("erik")
    deal = anna.add_deal("Acme")
    anna.set_next_step(deal.id, "Call Eva")
    clock.advance(minutes=1)
    erik.edit_deal(deal.id, title="Acme Group")
    anna.undo()
    row = raw.deal(deal.id)
    assert (row["title"], row["next_action"]) == ("Acme Group", None)


def test_undo_is_per_user(open_as, raw, clock):
    anna, erik = open_as("anna"), open_as("erik")
    first = anna.add_deal("First")
    second = anna.add_deal("Second")
    clock.advance(minutes=1)
    anna.edit_deal(first.id, title="First (anna)")
    clock.advance(minutes=1)
    erik.edit_deal(second.id, title="Second (erik)")
    clock.advance(minutes=1)

    undone, _message = erik.undo()
    assert undone.id == second.id
    assert raw.deal(second.id)["title"] == "Second"
    assert raw.deal(first.id)["title"] == "First (anna)"
    with pytest.raises(NothingToUndoError, match="nothing to undo for erik"):
        erik.undo()

    undone, _message = anna.undo()
    assert undone.id == first.id
    assert raw.deal(first.id)["title"] == "First"
    assert [a["actor"] for a in raw.activities() if a["kind"] == "undo"] == ["erik", "anna"]


def test_undo_reaches_a_change_made_from_another_session(open_as, raw):
    board = open_as("anna")
    deal = board.add_deal("Acme")
    board.mark_lost(deal.id, "too pricey")
    command_line = open_as("anna")
    command_line.undo()
    assert board.get_deal(deal.id).status is DealStatus.OPEN
    assert raw.deal(deal.id)["lost_reason"] == ""


def test_nothing_to_undo_on_a_new_pipeline(store: PipelineStore, raw):
    with pytest.raises(NothingToUndoError, match="nothing to undo for anna"):
        store.undo()
    assert raw.count("activities") == 0


def test_reordering_a_card_does_not_block_undo_of_its_move(store: PipelineStore, raw):
    waiting = store.add_deal("Already there", stage="qualified")
    deal = store.add_deal("Acme")
    store.move_deal(deal.id, "qualified")
    store.reorder_deal(deal.id, -1)  # no activity: only the manual order changes
    assert raw.deal(deal.id)["position"] < raw.deal(waiting.id)["position"]
    _undone, message = store.undo()
    assert message.startswith("undid moved: Lead → Qualified")
    assert raw.deal(deal.id)["stage"] == "lead"


def test_undo_of_a_change_to_a_deal_someone_else_deleted(open_as, raw, clock):
    anna, erik = open_as("anna"), open_as("erik")
    first = anna.add_deal("First")
    deal = anna.add_deal("Acme")
    anna.edit_deal(deal.id, title="Acme Group")
    clock.advance(minutes=1)
    erik.delete_deal(deal.id)

    undone, message = anna.undo()
    assert message == "undid edited: changed title on 'Acme'"
    assert undone.title == "Acme"
    row = raw.deal(deal.id)
    assert (row["title"], row["deleted_at"]) == ("Acme", "2026-11-25T10:01:00+00:00")
    # Undoing the creation clashes with erik's delete, and says so (not "anna (undo)").
    with pytest.raises(ConflictError) as caught:
        anna.undo()
    assert str(caught.value) == (
        "can't undo your creation of 'Acme': erik (deleted) changed it since;"
        " nothing was undone"
    )
    assert raw.deal(first.id)["deleted_at"] is None
