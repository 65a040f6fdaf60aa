"""Each deal action and the activity row it commits with it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest

from kanban_pipe.domain.errors import InvalidInputError, InvalidStageError, NotFoundError
from kanban_pipe.domain.models import ActivityKind, DealStatus, NextStep, QualificationFact
from kanban_pipe.store import CardOrder, PipelineStore

T0 = "2026-11-25T10:00:00+00:00"
T1 = "2026-11-27T10:00:00+00:00"  # two days on
TODAY = date(2026, 11, 25)


def only_new_activity(raw, deal_id: int, before: int) -> dict[str, Any]:
    """The single activity row the action added (fails if it added none or several)."""
    rows = raw.activities(deal_id)
    assert len(rows) == before + 1, [r["kind"] for r in rows]
    return rows[-1]


def test_add_deal_writes_the_deal_and_a_created_activity(store: PipelineStore, raw):
    deal = store.add_deal(
        "  Acme renewal  ", organization="Acme AB", contact="Eva Ek", value=1_250_000,
        source="referral", expected_close=date(2026, 12, 20),
        next_step=NextStep("Call Eva", "", date(2026, 11, 27)),
    )
    assert deal.title == "Acme renewal"
    assert deal.stage == "lead" and deal.status is DealStatus.OPEN
    row = raw.deal(deal.id)
    assert {k: row[k] for k in (
        "title", "organization", "contact", "value", "currency", "stage", "status", "owner",
        "source", "expected_close", "next_action", "next_owner", "next_due", "position",
        "version", "created_at", "updated_at", "stage_entered_at", "last_activity_at",
        "closed_at", "deleted_at", "decision_maker", "need_confirmed", "timeline_confirmed",
    )} == {
        "title": "Acme renewal", "organization": "Acme AB", "contact": "Eva Ek",
        "value": 1_250_000, "currency": "EUR", "stage": "lead", "status": "open",
        "owner": "anna", "source": "referral", "expected_close": "2026-12-20",
        "next_action": "Call Eva", "next_owner": "anna", "next_due": "2026-11-27",
        "position": 1, "version": 1, "created_at": T0, "updated_at": T0,
        "stage_entered_at": T0, "last_activity_at": T0, "closed_at": None,
        "deleted_at": None, "decision_maker": 0, "need_confirmed": 0,
        "timeline_confirmed": 0,
    }
    [activity] = raw.activities(deal.id)
    assert activity["kind"] == "created"
    assert activity["actor"] == "anna"
    assert activity["detail"] == "created in Lead"
    assert activity["at"] == T0
    assert activity["version"] == 1
    assert activity["changes"] == {"deleted_at": [T0, None]}


def test_add_deal_in_a_stage_takes_the_next_position(store: PipelineStore, raw):
    first = store.add_deal("One", stage="proposal")
    second = store.add_deal("Two", stage="Proposal", owner="erik", currency="sek")
    assert (first.position, second.position) == (1, 2)
    assert raw.deal(second.id)["owner"] == "erik"
    assert raw.deal(second.id)["currency"] == "SEK"
    assert raw.activities(second.id)[0]["detail"] == "created in Proposal"


def test_add_deal_into_won_is_closed_won(store: PipelineStore, raw):
    deal = store.add_deal("Signed already", stage="won")
    assert deal.status is DealStatus.WON
    assert raw.deal(deal.id)["closed_at"] == T0


@pytest.mark.parametrize(
    ("kwargs", "error", "words"),
    [
        ({"title": "   "}, InvalidInputError, "title is required"),
        ({"title": "x" * 201}, InvalidInputError, "title is too long"),
        ({"title": "A", "value": -5}, InvalidInputError, "non-negative"),
        ({"title": "A", "value": 12.5}, InvalidInputError, "whole"),
        ({"title": "A", "currency": "euro"}, InvalidInputError, "three-letter code"),
        ({"title": "A", "stage": "negotiation"}, InvalidStageError, "no stage 'negotiation'"),
        ({"title": "A", "owner": "two\nlines"}, InvalidInputError, "one line"),
    ],
)
def test_add_deal_refuses_bad_input_and_writes_nothing(store: PipelineStore, raw,
                                                       kwargs, error, words):
    kwargs = dict(kwargs)  # parametrized once, run on each engine: not to be changed
    title = kwargs.pop("title")
    with pytest.raises(error, match=words):
        store.add_deal(title, **kwargs)
    assert raw.count("deals") == 0
    assert raw.count("activities") == 0


def test_edit_deal_changes_fields_but_not_last_activity(store: PipelineStore, raw, clock):
    deal = store.add_deal("Acme", value=100)
    clock.advance(days=2)
    edited = store.edit_deal(deal.id, title="Acme Corp", value=250, organization="Acme")
    assert (edited.title, edited.value, edited.version) == ("Acme Corp", 250, 2)
    row = raw.deal(deal.id)
    assert row["last_activity_at"] == T0
    assert row["updated_at"] == T1
    assert row["stage_entered_at"] == T0
    activity = only_new_activity(raw, deal.id, 1)
    assert activity["kind"] == "edited"
    assert activity["actor"] == "anna"
    assert activity["detail"] == "changed title, value, organization"
    assert activity["changes"] == {
        "title": ["Acme", "Acme Corp"], "value": [100, 250], "organization": ["", "Acme"],
    }
    assert activity["version"] == row["version"] == 2
    assert activity["at"] == T1


def test_edit_deal_refuses_unknown_fields(store: PipelineStore, raw):
    deal = store.add_deal("Acme")
    with pytest.raises(InvalidInputError, match="cannot edit stage"):
        store.edit_deal(deal.id, stage="won")
    with pytest.raises(InvalidInputError, match="title is required"):
        store.edit_deal(deal.id, title="")
    assert raw.count("activities") == 1
    assert raw.deal(deal.id)["version"] == 1


def test_move_forward_records_the_milestone_and_sets_the_fact(store: PipelineStore, raw,
                                                             clock):
    store.add_deal("Already in qualified", stage="qualified")
    deal = store.add_deal("Acme")
    clock.advance(days=2)
    moved = store.move_deal(deal.id, "qualified")
    assert moved.stage == "qualified"
    assert moved.qualification.decision_maker is True
    assert moved.qualification.need is False
    row = raw.deal(deal.id)
    assert row["stage_entered_at"] == row["last_activity_at"] == T1
    assert row["position"] == 2
    activity = only_new_activity(raw, deal.id, 1)
    assert activity["kind"] == "moved"
    assert activity["detail"] == "Lead → Qualified; confirmed: Decision maker involved"
    assert activity["changes"]["stage"] == ["lead", "qualified"]
    assert activity["changes"]["decision_maker"] == [0, 1]
    assert activity["version"] == row["version"] == 2


def test_move_back_records_no_milestone(store: PipelineStore, raw):
    deal = store.add_deal("Acme", stage="proposal")
    back = store.move_deal(deal.id, "qualified")
    assert back.stage == "qualified"
    assert back.qualification == deal.qualification
    activity = only_new_activity(raw, deal.id, 1)
    assert activity["kind"] == "moved"
    assert activity["detail"] == "Proposal → Qualified"
    assert "confirmed" not in activity["detail"]


def test_jump_over_two_stages_claims_both_milestones(store: PipelineStore, raw):
    deal = store.add_deal("Acme")
    moved = store.move_deal(deal.id, "3")
    assert moved.stage == "proposal"
    assert (moved.qualification.decision_maker, moved.qualification.need,
            moved.qualification.timeline) == (True, True, False)
    activity = only_new_activity(raw, deal.id, 1)
    assert activity["detail"] == (
        "Lead → Proposal; confirmed: Decision maker involved; Need and goals confirmed"
    )


def test_move_into_won_closes_the_deal(store: PipelineStore, raw, clock):
    deal = store.add_deal("Acme", stage="commitment")
    clock.advance(days=2)
    won = store.move_deal(deal.id, "won")
    assert won.status is DealStatus.WON
    assert won.closed_at is not None
    row = raw.deal(deal.id)
    assert (row["stage"], row["status"], row["closed_at"]) == ("won", "won", T1)
    activity = only_new_activity(raw, deal.id, 1)
    assert activity["kind"] == "won"
    assert activity["detail"] == "Commitment → Won; confirmed: Contract signed"


def test_moving_a_won_deal_back_reopens_it(store: PipelineStore, raw):
    deal = store.add_deal("Acme", stage="commitment")
    store.mark_won(deal.id)
    reopened = store.move_deal(deal.id, "commitment")
    assert reopened.status is DealStatus.OPEN
    assert reopened.closed_at is None


def test_move_to_the_same_stage_is_refused(store: PipelineStore, raw):
    deal = store.add_deal("Acme")
    with pytest.raises(InvalidStageError, match="already in Lead"):
        store.move_deal(deal.id, "lead")
    with pytest.raises(InvalidStageError, match="no stage 'later'"):
        store.move_deal(deal.id, "later")
    assert raw.count("activities") == 1
    assert raw.deal(deal.id)["version"] == 1


def test_set_next_step_is_logged_but_not_movement(store: PipelineStore, raw, clock):
    deal = store.add_deal("Acme")
    clock.advance(days=2)
    updated = store.set_next_step(deal.id, "Send proposal", due=date(2026, 12, 1),
                                  owner="erik")
    assert updated.next_step == NextStep("Send proposal", "erik", date(2026, 12, 1))
    row = raw.deal(deal.id)
    assert (row["next_action"], row["next_owner"], row["next_due"]) == (
        "Send proposal", "erik", "2026-12-01")
    assert row["last_activity_at"] == T0
    activity = only_new_activity(raw, deal.id, 1)
    assert activity["kind"] == "next_step_set"
    assert activity["detail"] == "Send proposal (erik, due 2026-12-01)"
    assert activity["changes"] == {
        "next_action": [None, "Send proposal"], "next_owner": [None, "erik"],
        "next_due": [None, "2026-12-01"],
    }


def test_set_next_step_defaults_owner_and_refuses_empty_action(store: PipelineStore, raw):
    deal = store.add_deal("Acme")
    assert store.set_next_step(deal.id, "Call").next_step == NextStep("Call", "anna", None)
    assert raw.activities(deal.id)[-1]["detail"] == "Call (anna)"
    with pytest.raises(InvalidInputError, match="next step is required"):
        store.set_next_step(deal.id, "  ")
    assert raw.count("activities") == 2


def test_complete_next_step_clears_logs_and_counts_as_activity(store: PipelineStore, raw,
                                                              clock):
    deal = store.add_deal("Acme", next_step=NextStep("Call Eva", "anna", TODAY))
    clock.advance(days=2)
    done = store.complete_next_step(deal.id)
    assert done.next_step is None
    row = raw.deal(deal.id)
    assert (row["next_action"], row["next_owner"], row["next_due"]) == (None, None, None)
    assert row["last_activity_at"] == T1
    activity = only_new_activity(raw, deal.id, 1)
    assert activity["kind"] == "next_step_done"
    assert activity["detail"] == "Call Eva"
    with pytest.raises(InvalidInputError, match="no next step to mark done"):
        store.complete_next_step(deal.id)
    assert len(raw.activities(deal.id)) == 2


@pytest.mark.parametrize("kind", ["call", "email", "meeting", "note", ActivityKind.CALL])
def test_log_activity_each_touch_kind(store: PipelineStore, raw, clock, kind):
    deal = store.add_deal("Acme")
    clock.advance(days=2)
    logged = store.log_activity(deal.id, kind, "  Spoke to Eva about budget ")
    assert logged.last_activity_at.isoformat() == T1
    activity = only_new_activity(raw, deal.id, 1)
    assert activity["kind"] == str(kind)
    assert activity["detail"] == "Spoke to Eva about budget"
    assert activity["actor"] == "anna"
    assert raw.deal(deal.id)["last_activity_at"] == T1


@pytest.mark.parametrize(
    ("kind", "text", "words"),
    [
        ("lunch", "x", "not one of call, email, meeting, note"),
        ("created", "x", "not one of call, email, meeting, note"),
        ("won", "x", "not one of"),
        ("call", "   ", "text is required"),
    ],
)
def test_log_activity_refuses_other_kinds(store: PipelineStore, raw, kind, text, words):
    deal = store.add_deal("Acme")
    with pytest.raises(InvalidInputError, match=words):
        store.log_activity(deal.id, kind, text)
    assert raw.count("activities") == 1


def test_mark_won(store: PipelineStore, raw):
    deal = store.add_deal("Acme", stage="proposal")
    won = store.mark_won(deal.id)
    assert (won.stage, won.status) == ("won", DealStatus.WON)
    activity = only_new_activity(raw, deal.id, 1)
    assert activity["kind"] == "won"
    assert activity["detail"] == (
        "Proposal → Won; confirmed: Customer confirmed timeline; Contract signed"
    )
    with pytest.raises(InvalidStageError, match="already in Won"):
        store.mark_won(deal.id)


def test_mark_lost_needs_a_reason(store: PipelineStore, raw, clock):
    deal = store.add_deal("Acme", stage="proposal")
    with pytest.raises(InvalidInputError, match="lost reason is required"):
        store.mark_lost(deal.id, "  ")
    assert raw.count("activities") == 1
    clock.advance(days=2)
    lost = store.mark_lost(deal.id, "Went with a competitor")
    assert lost.status is DealStatus.LOST
    row = raw.deal(deal.id)
    assert (row["status"], row["lost_reason"], row["closed_at"], row["stage"]) == (
        "lost", "Went with a competitor", T1, "proposal")
    activity = only_new_activity(raw, deal.id, 1)
    assert (activity["kind"], activity["detail"]) == ("lost", "Went with a competitor")
    with pytest.raises(InvalidInputError, match="already lost"):
        store.mark_lost(deal.id, "again")


@pytest.mark.parametrize("until", [date(2026, 11, 25), date(2026, 11, 1)])
def test_pause_needs_a_future_date(store: PipelineStore, raw, until):
    deal = store.add_deal("Acme")
    with pytest.raises(InvalidInputError, match="must be after today"):
        store.pause_deal(deal.id, until)
    assert raw.deal(deal.id)["status"] == "open"
    assert raw.count("activities") == 1


def test_pause_and_resume(store: PipelineStore, raw):
    deal = store.add_deal("Acme")
    paused = store.pause_deal(deal.id, date(2026, 12, 10))
    assert (paused.status, paused.paused_until) == (DealStatus.PAUSED, date(2026, 12, 10))
    activity = only_new_activity(raw, deal.id, 1)
    assert (activity["kind"], activity["detail"]) == ("paused", "until 2026-12-10")
    resumed = store.resume_deal(deal.id)
    assert (resumed.status, resumed.paused_until) == (DealStatus.OPEN, None)
    activity = only_new_activity(raw, deal.id, 2)
    assert activity["kind"] == "resumed"
    assert activity["changes"]["status"] == ["paused", "open"]
    with pytest.raises(InvalidInputError, match="is not paused"):
        store.resume_deal(deal.id)


def test_a_closed_deal_cannot_be_paused(store: PipelineStore, raw):
    deal = store.add_deal("Acme")
    store.mark_lost(deal.id, "no budget")
    with pytest.raises(InvalidInputError, match="closed"):
        store.pause_deal(deal.id, date(2026, 12, 10))
    assert raw.deal(deal.id)["status"] == "lost"


def test_qualify_deal_sets_and_clears_facts(store: PipelineStore, raw):
    deal = store.add_deal("Acme")
    facts = store.qualify_deal(deal.id, {QualificationFact.DECISION_MAKER: True,
                                         QualificationFact.TIMELINE: True})
    assert (facts.qualification.decision_maker, facts.qualification.need,
            facts.qualification.timeline) == (True, False, True)
    activity = only_new_activity(raw, deal.id, 1)
    assert activity["kind"] == "qualified"
    assert activity["detail"] == "decision maker confirmed, timeline confirmed"
    cleared = store.qualify_deal(deal.id, {QualificationFact.TIMELINE: False})
    assert cleared.qualification.timeline is False
    assert raw.activities(deal.id)[-1]["detail"] == "timeline cleared"
    assert raw.deal(deal.id)["timeline_confirmed"] == 0
    with pytest.raises(InvalidInputError, match="say which facts"):
        store.qualify_deal(deal.id, {})


def test_delete_deal_hides_it_and_keeps_history(store: PipelineStore, raw):
    keep = store.add_deal("Keep")
    gone = store.add_deal("Duplicate")
    store.log_activity(gone.id, "note", "typed twice")
    deleted = store.delete_deal(gone.id)
    assert deleted.id == gone.id
    statuses = list(DealStatus)
    assert [d.id for d in store.list_deals(statuses=statuses)] == [keep.id]
    assert store.column_deal_ids("lead", today=TODAY) == [keep.id]
    with pytest.raises(NotFoundError, match="deleted"):
        store.get_deal(gone.id)
    with pytest.raises(NotFoundError, match="deleted"):
        store.log_activity(gone.id, "note", "too late")
    assert raw.deal(gone.id)["deleted_at"] == T0
    assert [a["kind"] for a in raw.activities(gone.id)] == ["created", "note", "deleted"]
    assert [a.kind for a in store.activities(gone.id)] == [
        ActivityKind.DELETED, ActivityKind.NOTE, ActivityKind.CREATED]


def test_unknown_deal_is_not_found(store: PipelineStore, raw):
    with pytest.raises(NotFoundError, match="no deal #999"):
        store.get_deal(999)
    with pytest.raises(NotFoundError, match="no deal #999"):
        store.move_deal(999, "qualified")
    assert raw.count("activities") == 0


def test_reorder_deal_swaps_neighbours(store: PipelineStore, raw):
    ids = [store.add_deal(f"Deal {n}").id for n in range(3)]
    manual = {"order": CardOrder.MANUAL, "today": TODAY}
    assert store.column_deal_ids("lead", **manual) == ids
    store.reorder_deal(ids[2], -1)
    assert store.column_deal_ids("lead", **manual) == [ids[0], ids[2], ids[1]]
    store.reorder_deal(ids[0], -1)  # already first: stays
    assert store.column_deal_ids("lead", **manual) == [ids[0], ids[2], ids[1]]
    store.reorder_deal(ids[0], 1)
    assert store.column_deal_ids("lead", **manual) == [ids[2], ids[0], ids[1]]
    with pytest.raises(InvalidInputError, match="one place at a time"):
        store.reorder_deal(ids[0], 2)
    assert raw.deal(ids[0])["last_activity_at"] == T0


def test_reorder_with_equal_positions_still_moves(store: PipelineStore, raw):
    ids = [store.add_deal(f"Deal {n}").id for n in range(2)]
    conn = raw.connect()
    conn.execute("UPDATE deals SET position = 7")
    conn.close()
    store.reorder_deal(ids[1], -1)
    assert store.column_deal_ids("lead", order=CardOrder.MANUAL, today=TODAY) == [
        ids[1], ids[0]]


ACTIONS: dict[str, Callable[[PipelineStore, int], Any]] = {
    "edit": lambda s, d: s.edit_deal(d, contact="Eva"),
    "move": lambda s, d: s.move_deal(d, "proposal"),
    "next step": lambda s, d: s.set_next_step(d, "Call", due=date(2026, 12, 1)),
    "done": lambda s, d: s.complete_next_step(d),
    "log": lambda s, d: s.log_activity(d, "email", "sent deck"),
    "won": lambda s, d: s.mark_won(d),
    "lost": lambda s, d: s.mark_lost(d, "budget"),
    "pause": lambda s, d: s.pause_deal(d, date(2027, 1, 5)),
    "qualify": lambda s, d: s.qualify_deal(d, {QualificationFact.NEED: True}),
    "delete": lambda s, d: s.delete_deal(d),
}


@pytest.mark.parametrize("action", ACTIONS)
def test_every_action_commits_exactly_one_matching_activity(store: PipelineStore, raw,
                                                            clock, action):
    deal = store.add_deal("Acme", next_step=NextStep("Call", "anna", TODAY))
    clock.advance(hours=3)
    ACTIONS[action](store, deal.id)
    row = raw.deal(deal.id)
    activity = only_new_activity(raw, deal.id, 1)
    assert activity["actor"] == "anna"
    assert activity["version"] == row["version"] == 2
    assert activity["at"] == row["updated_at"] == "2026-11-25T13:00:00+00:00"
    for column, (old, new) in activity["changes"].items():
        assert row[column] == new, column
        assert old != new, column
