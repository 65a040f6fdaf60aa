"""A form saved after someone else saved the same deal: keep theirs, apply mine, or re-edit."""

from __future__ import annotations

from typing import Any

from textual.pilot import Pilot
from textual.widgets import Input

from kanban_pipe.store import open_store
from kanban_pipe.ui.screens.board import BoardScreen
from kanban_pipe.ui.screens.conflict import ConflictScreen
from kanban_pipe.ui.screens.forms import DealForm, NextStepForm
from tests.ui.conftest import Board
from tests.ui.pilot import fill, notices, press, session
from tests.ui.screen_text import screen_text


def erik_saves(board: Board, **changes: object) -> None:
    erik = open_store(str(board.path), user="erik", clock=board.clock)
    erik.edit_deal(board.ids["acme"], **changes)  # type: ignore[arg-type]
    erik.close()


def anna_edits(board: Board) -> int:
    return board.store.conn.execute(
        "SELECT count(*) FROM activities WHERE actor = 'anna' AND kind = 'edited'").fetchone()[0]


async def clash_on_edit(pilot: Pilot[Any], board: Board) -> ConflictScreen:
    """Anna opens Acme's edit form, Erik saves title and organization, Anna saves a title."""
    app = pilot.app
    await press(pilot, "e")
    erik_saves(board, title="Acme (erik's title)", organization="Acme Group")
    await fill(pilot, title="Acme (anna's title)")
    await press(pilot, "ctrl+s")
    assert isinstance(app.screen, ConflictScreen)
    return app.screen


async def test_the_conflict_shows_who_and_their_values_against_yours(board: Board) -> None:
    app = board.app()
    async with session(app) as pilot:
        await clash_on_edit(pilot, board)
        lines = screen_text(app).splitlines()
        text = "\n".join(lines)
        assert "'Acme (erik's title)' was saved by erik while you were editing it:" in text
        assert "• erik edited" in text
        title_row = next(line for line in lines if "Title " in line)
        assert "Acme (erik's title)" in title_row and "Acme (anna's title)" in title_row
        assert "you both changed it" in title_row
        org_row = next(line for line in lines if "Organization" in line)
        assert "Acme Group" in org_row and "Acme AB" in org_row and "they changed it" in org_row
        assert "Keep theirs (t)" in text and "Apply mine (m)" in text
        assert "Back to editing (e)" in text


async def test_keep_theirs_saves_nothing_of_yours(board: Board) -> None:
    before = anna_edits(board)
    app = board.app()
    async with session(app) as pilot:
        await clash_on_edit(pilot, board)
        await press(pilot, "t")
        assert isinstance(app.screen, BoardScreen)
        assert "Acme (erik's title)" in screen_text(app)
    deal = board.store.get_deal(board.ids["acme"])
    assert (deal.title, deal.organization) == ("Acme (erik's title)", "Acme Group")
    assert anna_edits(board) == before


async def test_apply_mine_saves_your_fields_over_theirs_and_keeps_the_rest(board: Board) -> None:
    app = board.app()
    async with session(app) as pilot:
        await clash_on_edit(pilot, board)
        await press(pilot, "m")
        assert isinstance(app.screen, BoardScreen)
    deal = board.store.get_deal(board.ids["acme"])
    # Anna's title wins; Erik's organization, which Anna did not touch, stays.
    assert (deal.title, deal.organization) == ("Acme (anna's title)", "Acme Group")
    last = board.store.activities(deal.id)[0]
    assert (last.actor, last.kind.value) == ("anna", "edited")


async def test_back_to_editing_reopens_the_form_on_their_version(board: Board) -> None:
    app = board.app()
    async with session(app) as pilot:
        await clash_on_edit(pilot, board)
        await press(pilot, "e")
        assert isinstance(app.screen, DealForm)
        form = app.screen
        assert form.query_one("#title", Input).value == "Acme (anna's title)"  # typed: kept
        assert form.query_one("#organization", Input).value == "Acme Group"  # theirs: shown
        assert "Their changes are in the form now" in screen_text(app)
        await fill(pilot, organization="Acme Holding")
        await press(pilot, "ctrl+s")  # based on their version now: no second conflict
        assert isinstance(app.screen, BoardScreen)
    deal = board.store.get_deal(board.ids["acme"])
    assert (deal.title, deal.organization) == ("Acme (anna's title)", "Acme Holding")


async def test_next_step_conflict_apply_mine(board: Board) -> None:
    app = board.app()
    async with session(app) as pilot:
        await press(pilot, "s")
        assert isinstance(app.screen, NextStepForm)
        erik = open_store(str(board.path), user="erik", clock=board.clock)
        erik.set_next_step(board.ids["acme"], "Erik calls the CFO", owner="erik")
        erik.close()
        await fill(pilot, action="Send the offer", due="+3d")
        await press(pilot, "ctrl+s")
        assert isinstance(app.screen, ConflictScreen)
        row = next(line for line in screen_text(app).splitlines() if "Next step" in line)
        assert "Erik calls the CFO · erik" in row and "Send the offer · anna" in row
        await press(pilot, "m")
    step = board.store.get_deal(board.ids["acme"]).next_step
    assert step is not None and (step.action, step.owner) == ("Send the offer", "anna")


async def test_conflict_text_from_a_hostile_title_is_literal(board: Board) -> None:
    app = board.app()
    async with session(app) as pilot:
        await press(pilot, "e")
        erik_saves(board, title="[@click=app.quit]x[/] \x1b]52;c;aGk=\x07")
        await fill(pilot, title="Mine")
        await press(pilot, "ctrl+s")
        assert isinstance(app.screen, ConflictScreen)
        text = screen_text(app)
        assert "[@click=app.quit]x[/]" in text and "\x1b" not in text
        await pilot.click("#conflict-body")
        assert app.is_running


async def test_a_move_after_someone_else_saved_names_the_key_to_press_again(
        board: Board) -> None:
    app = board.app()
    async with session(app) as pilot:
        await press(pilot, "greater_than_sign")  # the milestone bar asks
        erik_saves(board, title="Acme (erik's title)")
        await press(pilot, "y")
        [refusal] = notices(app, "error")
        assert refusal.startswith("Press the key again (it shows as it is now): deal #")
        assert refusal.endswith("erik edited (changed title); nothing was saved")
        assert "reload" not in refusal
        assert board.store.get_deal(board.ids["acme"]).stage == "lead"
