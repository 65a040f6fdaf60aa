"""Review mode: walk the stand-up queue, fix deals with board keys, database asserted each step.

The seeded queue (tests/ui/conftest.py), in walk order: Dune (closing soon), Cobalt
(stale), Acme (next step overdue), Borealis (no next step), Ember (unqualified).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from kanban_pipe.domain.models import DealStatus, QualificationFact
from kanban_pipe.domain.review_walk import Decision, ReviewSummary
from kanban_pipe.store import open_store
from kanban_pipe.store.review import record_review, reviews
from kanban_pipe.ui.app import PipelineApp
from kanban_pipe.ui.screens.board import BoardScreen
from kanban_pipe.ui.screens.confirm import MilestoneConfirm
from kanban_pipe.ui.screens.detail import DealDetailScreen
from kanban_pipe.ui.screens.forms import DealForm, NextStepForm
from kanban_pipe.ui.screens.help import HelpScreen
from kanban_pipe.ui.screens.qualify import QualifyForm
from kanban_pipe.ui.screens.review import ReviewScreen
from tests.ui.conftest import TODAY, Board, seeded_board
from tests.ui.pilot import fill, notices, press, session
from tests.ui.screen_text import screen_text


@pytest.fixture
def board(tmp_path: Path) -> Iterator[Board]:
    """The seeded pipeline with Dune's next step after its close: Dune is closing soon."""
    yield from seeded_board(tmp_path, dune_step_in=8)


def shown(app: PipelineApp) -> str | None:
    """The title of the deal review mode shows."""
    screen = app.screen
    assert isinstance(screen, ReviewScreen), screen
    deal = screen.current_deal()
    return deal.title if deal else None


async def test_walking_the_queue_and_fixing_deals(board: Board) -> None:
    app = board.app(start_in_review=True)
    store, ids = board.store, board.ids
    async with session(app) as pilot:
        text = await press(pilot)
        assert "5 deals to walk" in text and "1 Closing soon      1" in text

        text = await press(pilot, "space")  # start
        assert "5 of 5 left" in text and "CLOSING SOON" in text and shown(app) == "Dune expansion"
        assert "expected close in 5d (2026-11-30)" in text and "Review contract" in text

        text = await press(pilot, "space")  # skip Dune
        assert "4 of 5 left" in text and shown(app) == "Cobalt licences" and "STALE" in text

        await press(pilot, "a", "m")  # log a meeting: Cobalt has moved, so it leaves
        await fill(pilot, text="Met the CTO")
        text = await press(pilot, "ctrl+s")
        latest = store.activities(ids["cobalt"])[0]
        assert (latest.kind.value, latest.detail) == ("meeting", "Met the CTO")
        assert "3 of 5 left" in text and shown(app) == "Acme fleet renewal"
        assert "NEXT STEP OVERDUE" in text and "next step 2d overdue: Call the CFO" in text

        await press(pilot, "s")
        assert isinstance(app.screen, NextStepForm)
        await fill(pilot, action="Send the offer", due="+3d")
        text = await press(pilot, "ctrl+s")
        step = store.get_deal(ids["acme"]).next_step
        assert step is not None and (step.action, step.due) == ("Send the offer",
                                                               TODAY + timedelta(days=3))
        assert "2 of 5 left" in text and shown(app) == "Borealis pilot"

        await press(pilot, "greater_than_sign")
        assert isinstance(app.screen, MilestoneConfirm)
        text = await press(pilot, "y")
        assert store.get_deal(ids["borealis"]).stage == "qualified"
        # Still without a next step: it stays, now shown in its new stage.
        assert shown(app) == "Borealis pilot" and "Qualified (2 of 5)" in text
        assert "2 of 5 left" in text

        await press(pilot, "p")
        await fill(pilot, resume="+2w", reason="customer asked to wait")
        text = await press(pilot, "ctrl+s")
        paused = store.get_deal(ids["borealis"])
        assert (paused.status, paused.paused_until) == (DealStatus.PAUSED,
                                                        TODAY + timedelta(days=14))
        assert "1 of 5 left" in text and shown(app) == "Ember support"

        text = await press(pilot, "b")  # back past the fixed deals to the skipped Dune
        assert shown(app) == "Dune expansion" and "2 of 5 left" in text
        text = await press(pilot, "w")
        assert store.get_deal(ids["dune"]).status is DealStatus.WON
        assert shown(app) == "Ember support" and "1 of 5 left" in text

        await press(pilot, "x")
        await fill(pilot, reason="no budget")
        text = await press(pilot, "ctrl+s")
        assert store.get_deal(ids["ember"]).lost_reason == "no budget"
        assert "0 of 5 left" in text and "End of the queue" in text and shown(app) is None

        text = await press(pilot, "escape")
        for line in ("Next steps set            1", "Deals moved               1",
                     "Paused                    1", "Closed (won 1, lost 1)    2",
                     "Skipped                   0", "Activity logged           1",
                     "5 in the queue · 5 fixed · 0 left: 0 worked on, 0 skipped, 0 to go",
                     "Not recorded yet"):
            assert line in text
        assert reviews(store) == []  # only r on the summary records it
        text = await press(pilot, "r")
        assert "Recorded as review #1" in text
        [review] = reviews(store)
        assert (review.actor, review.owner) == ("anna", None)
        assert review.summary["decided"]["next_steps_set"] == 1
        assert review.summary["closed"] == 2 and review.summary["fixed"] == 5
        assert review.last_activity_id == max(a.id for d in ids.values()
                                              for a in store.activities(d))
        await press(pilot, "escape")
        assert not app.is_running  # opened by `kanban-pipe review`: it quits


async def test_skip_back_and_the_progress_line(board: Board) -> None:
    app = board.app(start_in_review=True)
    async with session(app) as pilot:
        await press(pilot, "enter")
        await press(pilot, "b")
        assert shown(app) == "Dune expansion"
        assert notices(app)[-1] == "This is the first deal in the queue"
        text = await press(pilot, "n", "j", "space")
        assert shown(app) == "Borealis pilot" and "2 of 5 left" in text
        assert "No next step 1 of 1" in text
        text = await press(pilot, "k")
        assert shown(app) == "Acme fleet renewal" and "3 of 5 left" in text
        await press(pilot, "enter")  # the deal's detail, as on the board
        assert isinstance(app.screen, DealDetailScreen) and "Call the CFO" in screen_text(app)
        await press(pilot, "escape", "question_mark")
        assert isinstance(app.screen, HelpScreen)
        assert "next deal (skips this one; it stays in the queue)" in screen_text(app)
        await press(pilot, "escape")
        text = await press(pilot, "q")
        # Acme (on screen) and Borealis (gone back past) are still to go, not skipped.
        assert "5 in the queue · 0 fixed · 5 left: 0 worked on, 2 skipped, 3 to go" in text
        assert "Skipped                   2" in text
        await press(pilot, "r")
        assert reviews(board.store)[0].summary["skipped"] == [board.ids["dune"],
                                                              board.ids["cobalt"]]


async def test_qualify_and_change_owner(board: Board) -> None:
    app = board.app(start_in_review=True)
    store, ids = board.store, board.ids
    async with session(app) as pilot:
        await press(pilot, "space")
        await press(pilot, "e")  # the owner is a field of the edit form
        assert isinstance(app.screen, DealForm)
        await fill(pilot, owner="erik")
        text = await press(pilot, "ctrl+s")
        assert store.get_deal(ids["dune"]).owner == "erik"
        assert shown(app) == "Dune expansion" and "erik" in text  # still closing soon

        text = await press(pilot, *["space"] * 4)
        assert shown(app) == "Ember support" and "UNQUALIFIED" in text
        assert "without decision maker, need, timeline confirmed" in text
        await press(pilot, "Q")
        assert isinstance(app.screen, QualifyForm)
        await press(pilot, "d", "n", "t")
        text = await press(pilot, "enter")
        facts = store.get_deal(ids["ember"]).qualification
        assert facts.decision_maker and facts.need and facts.timeline
        assert "End of the queue" in text
        assert store.activities(ids["ember"])[0].kind.value == "qualified"
        text = await press(pilot, "escape")
        assert "Owner changed             1" in text
        assert "Qualification updated     1" in text


async def test_r_on_the_board_opens_the_review_and_the_board_reloads_after(
        board: Board) -> None:
    app = board.app()
    async with session(app) as pilot:
        await press(pilot, "o")  # only my deals: the review follows the board's filter
        text = await press(pilot, "r")
        assert isinstance(app.screen, ReviewScreen) and app.screen.owner == "anna"
        assert "Review · anna" in text
        await press(pilot, "space", "w")
        assert board.store.get_deal(board.ids["dune"]).status is DealStatus.WON
        await press(pilot, "escape", "r")
        assert reviews(board.store)[0].owner == "anna"
        await press(pilot, "escape")
        screen = app.screen
        assert isinstance(screen, BoardScreen) and app.is_running
        assert board.ids["dune"] in screen.column("won").deal_ids
        assert board.ids["dune"] not in screen.column("proposal").deal_ids


async def test_opens_with_the_changes_since_the_last_review(board: Board) -> None:
    record_review(board.store, started_at=board.clock.now,
                  summary=ReviewSummary(None, 0, 0, 0, (), ()))
    erik = open_store(str(board.path), user="erik", clock=board.clock)
    erik.mark_lost(board.ids["fjord"], "competitor")
    erik.set_next_step(board.ids["borealis"], "Book a demo", due=TODAY + timedelta(days=1))
    erik.close()
    app = board.app(start_in_review=True)
    async with session(app) as pilot:
        text = await press(pilot)
        assert "Since the review of 2026-11-25 10:00 by anna" in text
        assert "1 lost (erik 1)" in text and "1 next steps set (erik 1)" in text
        assert "added" not in text  # the seed's deals were added before that review
        assert "erik lost #6 'Fjord upgrade': competitor" in text
        assert "4 deals to walk" in text  # Borealis has a next step now


async def test_one_reps_review_and_an_empty_queue(board: Board) -> None:
    app = board.app(start_in_review=True, review_owner="erik")
    async with session(app) as pilot:
        text = await press(pilot)
        assert "Review · erik · 0 deals to walk" in text
        assert "Nothing needs a decision" in text
        text = await press(pilot, "space")
        assert "End of the queue" in text
        await press(pilot, "escape", "r")
        assert json.loads(json.dumps(reviews(board.store)[0].summary))["owner"] == "erik"


async def test_user_text_is_shown_literally(board: Board) -> None:
    hostile = "[bold]x[/] [@click=app.quit]y[/]"
    board.store.edit_deal(board.ids["dune"], title=hostile, organization="[red]Org[/]")
    app = board.app(start_in_review=True)
    async with session(app) as pilot:
        await press(pilot)
        text = await press(pilot, "space")
        assert hostile in text and "[red]Org[/]" in text
        text = await press(pilot, "escape")
        assert app.is_running and "Review finished" in text


async def test_a_conflicting_change_is_refused_and_shown(board: Board) -> None:
    app = board.app(start_in_review=True)
    async with session(app) as pilot:
        await press(pilot, "space")
        erik = open_store(str(board.path), user="erik", clock=board.clock)
        erik.edit_deal(board.ids["dune"], title="Dune (erik)")
        erik.close()
        await press(pilot, "w")
        assert board.store.get_deal(board.ids["dune"]).status is DealStatus.OPEN
        assert "changed since you opened it" in notices(app)[-1]
        await press(pilot, "escape", "r")
        assert reviews(board.store)[0].summary["decided"][Decision.WON.value] == 0


def test_qualification_facts_cover_every_fact() -> None:
    from kanban_pipe.ui.screens.qualify import FACT_KEYS

    assert [fact for _key, fact, _words in FACT_KEYS] == list(QualificationFact)


async def test_u_undoes_a_fix_and_the_deal_is_back_in_the_queue(board: Board) -> None:
    app = board.app(start_in_review=True)
    async with session(app) as pilot:
        await press(pilot, "space", "space")  # skip Dune: Cobalt (stale) is shown
        assert shown(app) == "Cobalt licences"
        await press(pilot, "w")
        assert board.store.get_deal(board.ids["cobalt"]).status is DealStatus.WON
        text = await press(pilot, "u")
        assert board.store.get_deal(board.ids["cobalt"]).status is DealStatus.OPEN
        assert board.store.activities(board.ids["cobalt"])[0].kind.value == "undo"
        assert any(n.startswith("Undid won") for n in notices(app)), notices(app)
        assert "left" in text


async def test_opening_the_review_and_leaving_records_nothing(board: Board) -> None:
    erik = open_store(str(board.path), user="erik", clock=board.clock)
    erik.mark_lost(board.ids["fjord"], "competitor")
    erik.close()
    app = board.app()
    async with session(app) as pilot:
        await press(pilot, "r")
        text = await press(pilot, "escape")
        assert "Not recorded yet" in text and "r records" in text
        await press(pilot, "escape")
        assert isinstance(app.screen, BoardScreen) and reviews(board.store) == []
        text = await press(pilot, "r")  # the loss minutes ago is still news
        assert "erik lost #6 'Fjord upgrade': competitor" in text
        await press(pilot, "escape", "escape")
    assert reviews(board.store) == []


async def test_what_changed_since_is_chosen_on_the_opening_page(board: Board) -> None:
    record_review(board.store, started_at=board.clock.now,
                  summary=ReviewSummary(None, 0, 0, 0, (), ()))
    app = board.app(start_in_review=True)
    async with session(app) as pilot:
        text = await press(pilot)
        assert "Since the review of 2026-11-25 10:00 by anna" in text
        assert "nothing was added" in text
        await press(pilot, "S")
        await fill(pilot, since="7d")
        text = await press(pilot, "enter")
        assert "Since Wed 2026-11-18" in text and "8 added (anna 8)" in text
        await press(pilot, "S")
        await fill(pilot, since="tomorrow")
        await press(pilot, "enter")
        assert "in the future" in screen_text(app)  # the form stays open with the error
        await press(pilot, "escape")
        await press(pilot, "S")
        await fill(pilot, since="last review")
        text = await press(pilot, "enter")
        assert "Since the review of 2026-11-25 10:00 by anna" in text


async def test_review_since_from_the_command_line(board: Board) -> None:
    record_review(board.store, started_at=board.clock.now,
                  summary=ReviewSummary(None, 0, 0, 0, (), ()))
    app = board.app(start_in_review=True, review_since="monday")
    async with session(app) as pilot:
        text = await press(pilot)
        assert "Since Mon 2026-11-23" in text and "added (anna" in text


async def test_a_long_marker_keeps_a_gap_before_its_meaning(board: Board) -> None:
    board.store.edit_deal(board.ids["dune"], expected_close=TODAY - timedelta(days=4))
    app = board.app(start_in_review=True)
    async with session(app) as pilot:
        text = await press(pilot, "space")
        assert shown(app) == "Dune expansion"
        assert "CLOSE 4d ago  expected close" in text  # not 'CLOSE 4d agoexpected close'


async def test_the_reason_of_a_move_back_shows_in_review(board: Board) -> None:
    board.store.move_deal(board.ids["dune"], "qualified", reason="no timeline yet")
    app = board.app(start_in_review=True)
    async with session(app) as pilot:
        await press(pilot)
        text = await press(pilot, "space")
        assert shown(app) == "Dune expansion"
        # The history line wraps in its box: the reason is in it, from its first word.
        assert "moved  Proposal → Qualified; reason: no" in text


async def test_at_80x24_review_shows_what_is_missing_and_its_keys(board: Board) -> None:
    app = board.app(start_in_review=True)
    async with session(app, size=(80, 24)) as pilot:
        await press(pilot)
        text = await press(pilot, *["space"] * 5)
        assert shown(app) == "Ember support"
        assert "What is missing" in text and "UNQUAL" in text
        footer = text.splitlines()[-1]
        assert "Q Qualify" in footer and "esc End" in footer
