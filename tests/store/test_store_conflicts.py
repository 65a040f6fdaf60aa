"""Two people on one file: a save based on an old version is refused, naming what changed."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest

from kanban_pipe.domain.errors import ConflictError
from kanban_pipe.domain.models import NextStep, QualificationFact
from kanban_pipe.store import PipelineStore

STALE_SAVES: dict[str, Callable[[PipelineStore, int, int], Any]] = {
    "edit": lambda s, d, v: s.edit_deal(d, title="Anna's title", expected_version=v),
    "move": lambda s, d, v: s.move_deal(d, "proposal", expected_version=v),
    "next step": lambda s, d, v: s.set_next_step(d, "Anna's step", expected_version=v),
    "done": lambda s, d, v: s.complete_next_step(d, expected_version=v),
    "won": lambda s, d, v: s.mark_won(d, expected_version=v),
    "lost": lambda s, d, v: s.mark_lost(d, "budget", expected_version=v),
    "pause": lambda s, d, v: s.pause_deal(d, date(2027, 1, 5), expected_version=v),
    "qualify": lambda s, d, v: s.qualify_deal(d, {QualificationFact.NEED: True},
                                              expected_version=v),
    "delete": lambda s, d, v: s.delete_deal(d, expected_version=v),
}


@pytest.fixture
def two(open_as) -> tuple[PipelineStore, PipelineStore]:
    return open_as("anna"), open_as("erik")


@pytest.mark.parametrize("save", STALE_SAVES)
def test_stale_version_is_refused_naming_who_and_what(two, raw, save):
    anna, erik = two
    deal = anna.add_deal("Acme", next_step=NextStep("Call", "anna", None))
    seen = anna.get_deal(deal.id)
    assert seen.version == 1

    erik.edit_deal(deal.id, title="Acme Group")
    row_after_erik = raw.deal(deal.id)
    activities_after_erik = raw.activities()

    with pytest.raises(ConflictError) as caught:
        STALE_SAVES[save](anna, deal.id, seen.version)
    message = str(caught.value)
    assert message == (
        f"deal #{deal.id} 'Acme Group' changed since you opened it: "
        "erik edited (changed title); nothing was saved"
    )
    assert raw.deal(deal.id) == row_after_erik
    assert raw.activities() == activities_after_erik


def test_conflict_message_lists_the_latest_changes(two, raw):
    anna, erik = two
    deal = anna.add_deal("Acme")
    erik.set_next_step(deal.id, "Send deck", due=date(2026, 12, 1))
    erik.move_deal(deal.id, "qualified")
    erik.log_activity(deal.id, "call", "budget ok")
    erik.qualify_deal(deal.id, {QualificationFact.NEED: True})
    with pytest.raises(ConflictError) as caught:
        anna.edit_deal(deal.id, value=5, expected_version=1)
    message = str(caught.value)
    # The three most recent changes, oldest first; the first one is left out.
    assert "erik moved (Lead → Qualified; confirmed: Decision maker involved)" in message
    assert "erik call (budget ok)" in message
    assert "erik qualified (need confirmed)" in message
    assert "Send deck" not in message
    assert raw.deal(deal.id)["value"] == 0


def test_current_version_saves(two, raw):
    anna, erik = two
    deal = anna.add_deal("Acme")
    erik.edit_deal(deal.id, title="Acme Group")
    fresh = anna.get_deal(deal.id)
    assert fresh.version == 2
    saved = anna.edit_deal(deal.id, value=700, expected_version=fresh.version)
    assert (saved.version, saved.title, saved.value) == (3, "Acme Group", 700)
    assert raw.activities(deal.id)[-1]["actor"] == "anna"


def test_version_rises_by_one_per_change(two, raw):
    anna, erik = two
    deal = anna.add_deal("Acme")
    for number, store in enumerate([erik, anna, erik], start=2):
        store.log_activity(deal.id, "note", f"note {number}")
        assert raw.deal(deal.id)["version"] == number
    assert [a["version"] for a in raw.activities(deal.id)] == [1, 2, 3, 4]
