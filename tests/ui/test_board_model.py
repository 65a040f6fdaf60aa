"""The board's in-memory columns re-place a changed deal exactly where a re-read would."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from kanban_pipe.domain.models import DealStatus, NextStep
from kanban_pipe.domain.ordering import BoardFilter, CardOrder
from kanban_pipe.ui.board_model import BoardModel
from tests.ui.conftest import TODAY, Board

STAGES = ["lead", "qualified", "proposal", "commitment", "won"]


def loaded(board: Board, order: CardOrder = CardOrder.URGENCY) -> BoardModel:
    model = BoardModel(STAGES)
    for stage in STAGES:
        model.set_column(stage, board.store.column_keys(stage, order=order, today=TODAY))
    return model


def test_a_moved_deal_lands_where_a_fresh_read_puts_it(board: Board) -> None:
    model = loaded(board)
    moved = board.store.move_deal(board.ids["acme"], "proposal")
    before = board.store.get_deal(board.ids["dune"])
    placed = model.place(moved, before=None, order=CardOrder.URGENCY,
                         board_filter=BoardFilter(), today=TODAY)
    assert placed is not None and placed.touched == {"lead", "proposal"}
    assert model.ids("proposal")[placed.index] == moved.id
    assert before.stage == "proposal"
    for stage in STAGES:
        assert model.ids(stage) == board.store.column_deal_ids(stage, today=TODAY)
    assert model.stage_of(moved.id) == "proposal"


def test_a_lost_deal_leaves_and_a_filtered_out_deal_is_not_added(board: Board) -> None:
    model = loaded(board)
    lost = board.store.mark_lost(board.ids["acme"], "price")
    placed = model.place(lost, before=None, order=CardOrder.URGENCY,
                         board_filter=BoardFilter(), today=TODAY)
    assert placed is not None and placed.touched == {"lead"} and placed.index is None
    assert board.ids["acme"] not in model.ids("lead")
    step = board.store.set_next_step(board.ids["borealis"], "Call", due=TODAY)
    placed = model.place(step, before=None, order=CardOrder.URGENCY,
                         board_filter=BoardFilter("", "erik"), today=TODAY)
    assert placed is not None and placed.touched == {"lead"}
    assert board.ids["borealis"] not in model.ids("lead")


def test_a_changed_next_step_reorders_within_the_column(board: Board) -> None:
    model = loaded(board)
    assert model.ids("lead") == [board.ids["acme"], board.ids["borealis"]]
    deal = board.store.set_next_step(board.ids["acme"], "Later", due=TODAY + timedelta(days=9))
    model.place(deal, before=None, order=CardOrder.URGENCY, board_filter=BoardFilter(),
                today=TODAY)
    assert model.ids("lead") == [board.ids["borealis"], board.ids["acme"]]


def test_place_asks_for_a_re_read_when_a_column_is_not_loaded(board: Board) -> None:
    model = BoardModel(STAGES)
    deal = board.store.get_deal(board.ids["acme"])
    assert model.place(deal, before=None, order=CardOrder.URGENCY,
                       board_filter=BoardFilter(), today=TODAY) is None
    paused = replace(deal, status=DealStatus.PAUSED, paused_until=TODAY,
                     next_step=NextStep("x", "anna", None))
    model = loaded(board)
    placed = model.place(paused, before=None, order=CardOrder.URGENCY,
                         board_filter=BoardFilter(), today=TODAY)
    assert placed is not None and placed.touched == {"lead"}
    assert board.ids["acme"] in model.ids("lead")


def test_sums_follow_a_moved_and_an_edited_deal(board: Board) -> None:
    model = loaded(board)
    model.set_sums((s.stage, s.currency, s.deals, s.value, s.no_value, s.own_value,
                    s.own_weighted) for s in board.store.board_sums(today=TODAY))
    before = board.store.get_deal(board.ids["acme"])
    moved = board.store.move_deal(before.id, "proposal")
    model.place(moved, before=before, order=CardOrder.URGENCY, board_filter=BoardFilter(),
                today=TODAY)
    edited = board.store.edit_deal(moved.id, value=2_000_000)
    model.place(edited, before=moved, order=CardOrder.URGENCY, board_filter=BoardFilter(),
                today=TODAY)
    called = board.store.edit_deal(moved.id, probability=35)
    model.place(called, before=edited, order=CardOrder.URGENCY, board_filter=BoardFilter(),
                today=TODAY)
    fresh = {(s.stage, s.currency): [s.deals, s.value, s.no_value, s.own_value, s.own_weighted]
             for s in board.store.board_sums(today=TODAY)}
    assert {k: v for k, v in model.sums.items() if v[0]} == fresh
    # The deal's own 35 % weighs its 2,000,000 in: 700,000, counted apart from the stage's.
    assert fresh[("proposal", called.currency)][3:] == [2_000_000, 700_000]
