"""Edge cases met while using the store from the board: undo beside others' work, no-op edits."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from kanban_pipe.domain.errors import InvalidInputError
from kanban_pipe.domain.models import DealStatus, NextStep
from kanban_pipe.domain.rules import NextStepState, deal_flags
from kanban_pipe.domain.stages import DEFAULT_STAGES


def test_undo_of_a_move_survives_someone_logging_a_call_since(open_as, clock, raw) -> None:
    anna, erik = open_as("anna"), open_as("erik")
    deal = anna.add_deal("Acme")
    anna.move_deal(deal.id, "qualified")
    clock.advance(hours=1)
    called = erik.log_activity(deal.id, "call", "asked for a quote")
    deal_after, words = anna.undo()
    assert deal_after.stage == "lead"
    assert "undid moved" in words
    # erik's call still counts as the latest activity: undo does not wipe it.
    assert deal_after.last_activity_at == called.last_activity_at


def test_undo_of_a_call_restores_last_activity_when_nothing_else_happened(open_as,
                                                                          clock) -> None:
    anna = open_as("anna")
    deal = anna.add_deal("Acme")
    clock.advance(days=3)
    anna.log_activity(deal.id, "call", "hello")
    undone, _ = anna.undo()
    assert undone.last_activity_at == deal.last_activity_at


def test_saving_an_unchanged_edit_writes_nothing(store, raw) -> None:
    deal = store.add_deal("Acme", organization="Acme AB")
    before = raw.count("activities")
    same = store.edit_deal(deal.id, title="Acme", organization="Acme AB")
    assert same.version == deal.version
    assert raw.count("activities") == before


def test_text_that_is_not_valid_unicode_is_refused_cleanly(store, raw) -> None:
    with pytest.raises(InvalidInputError, match="not valid"):
        store.add_deal("broken \udcff paste")
    assert raw.count("deals") == 0


def test_a_paused_deal_back_on_the_board_shows_its_highlights(store, clock) -> None:
    deal = store.add_deal("Parked", next_step=NextStep("call", "anna", date(2026, 11, 30)))
    paused = store.pause_deal(deal.id, date(2026, 12, 1))
    assert paused.status is DealStatus.PAUSED
    lead = DEFAULT_STAGES[0]
    flags = deal_flags(paused, lead, date(2026, 12, 2))
    assert flags.next_step_state is NextStepState.OVERDUE
    assert deal_flags(paused, lead, date(2026, 11, 28)).next_step_state is \
        NextStepState.UPCOMING
    # Back on the board 40 days after the pause, with no activity since: stale.
    assert deal_flags(paused, lead, date(2026, 11, 25) + timedelta(days=40)).stale
