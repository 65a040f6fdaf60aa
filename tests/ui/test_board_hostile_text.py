"""Hostile deal text on the real board: shown literally, never markup, links or terminal codes.

Every string is stored through the store as a deal's title, organization, owner, next-step
action, activity note and (on a second, lost deal) lost reason, then looked at wherever the
board shows it. What reaches the terminal is read from the compositor's strips: exactly the
segments Textual writes. One app run covers all strings of a surface, to keep this fast.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from textual import events
from textual.command import CommandList, CommandPalette
from textual.geometry import Region
from textual.pilot import Pilot
from textual.widget import Widget
from textual.widgets import Input

from kanban_pipe.domain.models import ActivityKind, DealStatus, NextStep
from kanban_pipe.store import PipelineStore, open_store
from kanban_pipe.ui.app import PipelineApp, create_app
from kanban_pipe.ui.screens.board import BoardScreen
from kanban_pipe.ui.screens.detail import DealDetailScreen
from kanban_pipe.ui.screens.forms import DealForm
from kanban_pipe.ui.widgets.card import CARD_HEIGHT
from tests.ui.conftest import NOW, TODAY, Clock
from tests.ui.pilot import board_screen, notices, press, session, settle
from tests.ui.screen_text import screen_lines, screen_text

SIZE = (140, 40)
# For the cards: 40-cell columns show a whole hostile title, 80 rows all nine cards.
BOARD_SIZE = (200, 80)

# (case, what is stored, what the screen must show). Control characters show as Unicode
# control pictures (ESC as ␛, BEL as ␇); C1 controls and bidi overrides, which have no
# picture, as the replacement character.
HOSTILE = [
    ("click", "[@click=app.quit]x", "[@click=app.quit]x"),
    ("close-tag", "[/bold]", "[/bold]"),
    ("link", "[link='file:///etc/passwd']x", "[link='file:///etc/passwd']x"),
    ("bold", "[b]bold[/b]", "[b]bold[/b]"),
    ("osc52", "\x1b]52;c;aGk=\x07", "␛]52;c;aGk=␇"),
    ("clear", "\x1b[2J", "␛[2J"),
    ("osc8", "\x1b]8;;http://evil\x07link\x1b]8;;\x07", "␛]8;;http://evil␇link␛]8;;␇"),
    ("c1-csi", "\x9b31mred", "\ufffd31mred"),
    ("bidi", "invoice\u202egpj.exe", "invoice\ufffdgpj.exe"),
]
MARKUP = [case for case in HOSTILE if case[1] == case[2]]
CONTROL = [case for case in HOSTILE if case[1] != case[2]]
WITH_BEL = [case for case in HOSTILE if "\x07" in case[1]]
WITHOUT_BEL = [case for case in HOSTILE if "\x07" not in case[1]]

_BIDI_CONTROLS = {"LRE", "RLE", "LRO", "RLO", "PDF", "LRI", "RLI", "FSI", "PDI"}


def is_forbidden(char: str) -> bool:
    """A character that must never reach the terminal from data: C0, DEL, C1 or bidi."""
    code = ord(char)
    return (code < 0x20 or 0x7F <= code < 0xA0
            or unicodedata.bidirectional(char) in _BIDI_CONTROLS)


def leaks(app: PipelineApp, *, skip: Region | None = None) -> list[tuple[int, str]]:
    """Segments of the composed screen with a link, a click action or a control character."""
    found = []
    for y, strip in enumerate(app.screen._compositor.render_strips()):
        if skip is not None and skip.y <= y < skip.bottom:
            continue
        for segment in strip:
            style = segment.style
            meta = style.meta if style is not None else {}
            if style is not None and (style.link or any(key.startswith("@click")
                                                        for key in meta)):
                found.append((y, f"link or action on {segment.text!r}"))
            if any(is_forbidden(char) for char in segment.text):
                found.append((y, f"control character in {segment.text!r}"))
    return found


def shown_in(app: PipelineApp, widget: Widget) -> str:
    """The text the screen shows in a widget's content area (one-cell characters only)."""
    region = widget.content_region
    lines = screen_lines(app)
    return "\n".join(lines[y][region.x:region.right].rstrip()
                     for y in range(region.y, region.bottom))


@pytest.fixture
def store(tmp_path: Path) -> Iterator[PipelineStore]:
    """An empty pipeline opened as anna, with the fixed clock."""
    pipeline = open_store(str(tmp_path / "board.db"), user="anna", clock=Clock(NOW))
    yield pipeline
    pipeline.close()


def add_hostile(store: PipelineStore, cases: list[tuple[str, str, str]]) -> dict[str, int]:
    """Per case a Lead deal carrying the string in every free-text field, and a lost one."""
    ids: dict[str, int] = {}
    for case, raw, _shown in cases:
        deal = store.add_deal(raw, organization=raw, owner=raw, stage="lead", value=100_000,
                              next_step=NextStep(raw, raw, TODAY + timedelta(days=1)))
        store.log_activity(deal.id, ActivityKind.NOTE, raw)
        lost = store.add_deal(f"lost {raw}", organization=raw, owner=raw, stage="lead")
        store.mark_lost(lost.id, raw)
        ids[case], ids[f"lost {case}"] = deal.id, lost.id
    return ids


def make_app(store: PipelineStore) -> PipelineApp:
    """The app as the CLI builds it, on the fixed day."""
    return create_app(store, today=lambda: TODAY, db_label="board.db")


async def focus_card(pilot: Pilot[None], deal_id: int) -> None:
    """Put the cursor on a Lead card with the keys: back to the first column, then j / k."""
    board = board_screen(pilot.app)  # type: ignore[arg-type]
    column = board.column("lead")
    steps = column.deal_ids.index(deal_id) - column.cursor
    await pilot.press(*["h"] * board.active, *(["j"] * steps if steps > 0 else ["k"] * -steps))
    assert board.current_deal().id == deal_id  # type: ignore[union-attr]


def in_column_order(app: PipelineApp, ids: dict[str, int],
                    cases: list[tuple[str, str, str]]) -> list[tuple[str, str, str]]:
    """The cases in the order their cards stand in Lead, so the cursor moves one card at a time."""
    order = board_screen(app).column("lead").deal_ids
    return sorted(cases, key=lambda case: order.index(ids[case[0]]))


async def test_cards_show_each_string_literally_and_a_click_runs_nothing(
        store: PipelineStore) -> None:
    ids = add_hostile(store, HOSTILE)
    app = make_app(store)
    async with session(app, size=BOARD_SIZE) as pilot:
        board = board_screen(app)
        column = board.column("lead")
        assert sorted(column.deal_ids) == sorted(ids[case] for case, _, _ in HOSTILE)
        text = screen_text(app)
        for case, _raw, shown in HOSTILE:
            assert f"#{ids[case]} {shown}" in text, case  # the title line
            # Owner and next-step action, as far as a 40-cell card has room for them.
            assert f"1k EUR · {shown[:20]}" in text, case
            assert f"in 1d: {shown[:20]}" in text, case
        assert leaks(app) == []
        for case, _raw, _shown in HOSTILE:
            # Click on the title's first cell: were it markup, an action would sit there.
            index = column.deal_ids.index(ids[case])
            await pilot.click("#col-lead",
                              offset=(len(f"▌ #{ids[case]} "), index * CARD_HEIGHT))
            await pilot.pause()
            assert app.is_running and app.screen is board, case
            assert board.current_deal().id == ids[case], case  # type: ignore[union-attr]
        assert leaks(app) == []
    assert app.return_code is None  # nothing asked the app to quit
    assert [store.get_deal(ids[case]).title for case, _, _ in HOSTILE] == [
        raw for _, raw, _ in HOSTILE]


async def test_detail_shows_every_field_literally(store: PipelineStore) -> None:
    ids = add_hostile(store, HOSTILE)
    app = make_app(store)
    async with session(app, size=SIZE) as pilot:
        board = board_screen(app)
        for case, _raw, shown in in_column_order(app, ids, HOSTILE):
            await focus_card(pilot, ids[case])
            await pilot.press("enter")
            await pilot.pause()
            assert isinstance(app.screen, DealDetailScreen), case
            lines = screen_lines(app)
            text = "\n".join(lines)
            assert f"{shown}  #{ids[case]}" in text, case
            assert f"Organization     {shown}" in text, case
            assert f"Owner            {shown}" in text, case
            assert f"Next step        {shown}  owner {shown}  due 2026-11-26" in text, case
            [note] = [line for line in lines if "  note " in line]
            assert f"  note            {shown} " in note, case
            assert leaks(app) == [], case
            await pilot.press("escape")
            await pilot.pause()
        # A lost deal is off the board; its detail shows the reason.
        for case, _raw, shown in HOSTILE:
            lost_id = ids[f"lost {case}"]
            await app.push_screen(DealDetailScreen(
                deal=store.get_deal(lost_id), stage=board.stages[0], stages=board.stages,
                activities=store.activities(lost_id), today=TODAY))
            await pilot.pause()
            text = screen_text(app)
            assert f"lost {shown}  #{lost_id}" in text, case
            assert f"Lost reason      {shown}" in text, case
            assert leaks(app) == [], case
            await app.pop_screen()
        assert app.is_running and app.screen is board


async def check_forms(pilot: Pilot[None], ids: dict[str, int],
                      cases: list[tuple[str, str, str]]) -> None:
    """e on each deal: the inputs keep the exact text and show it literally."""
    app: PipelineApp = pilot.app  # type: ignore[assignment]
    for case, raw, shown in in_column_order(app, ids, cases):
        await focus_card(pilot, ids[case])
        await pilot.press("e")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, DealForm), case
        for name in ("title", "organization", "owner"):
            field = form.query_one(f"#{name}", Input)
            assert field.value == raw, (case, name)  # nothing typed or stored is altered
            assert shown_in(app, field) == shown, (case, name)
        assert leaks(app) == [], case
        await pilot.press("escape")
        await pilot.pause()


@pytest.mark.parametrize("cases", [WITHOUT_BEL, WITH_BEL], ids=["literal", "bel-as-picture"])
async def test_edit_form_shows_the_text_literally(store: PipelineStore, cases) -> None:
    # With BEL: form inputs show it as a control picture, never ring it.
    ids = add_hostile(store, cases)
    app = make_app(store)
    async with session(app, size=SIZE) as pilot:
        await check_forms(pilot, ids, cases)


async def test_won_notification_quotes_the_title_literally(store: PipelineStore) -> None:
    ids = add_hostile(store, HOSTILE)
    app = make_app(store)
    async with session(app, size=SIZE, notifications=True) as pilot:
        for case, _raw, shown in in_column_order(app, ids, HOSTILE):
            await focus_card(pilot, ids[case])
            await press(pilot, "w")
            assert store.get_deal(ids[case]).status is DealStatus.WON, case
            assert notices(app)[-1] == f"Won '{shown}'! (u undoes)", case
            assert leaks(app) == [], case
        assert app.is_running


async def test_forward_move_question_quotes_the_title_literally(store: PipelineStore) -> None:
    ids = add_hostile(store, HOSTILE)
    app = make_app(store)
    async with session(app, size=BOARD_SIZE) as pilot:
        for case, _raw, shown in in_column_order(app, ids, HOSTILE):
            await focus_card(pilot, ids[case])
            await press(pilot, "greater_than_sign")
            assert f"Move '{shown}' Lead → Qualified?" in screen_text(app), case
            assert leaks(app) == [], case
            await press(pilot, "n")
        assert app.is_running
    assert {store.get_deal(ids[case]).stage for case, _, _ in HOSTILE} == {"lead"}


@pytest.mark.parametrize(
    "cases",
    [
        pytest.param(MARKUP, id="markup"),
        pytest.param(CONTROL, id="control"),
    ],
)
async def test_undo_notification_quotes_the_title_literally(
        store: PipelineStore, cases: list[tuple[str, str, str]]) -> None:
    ids = add_hostile(store, cases)
    app = make_app(store)
    async with session(app, size=SIZE, notifications=True) as pilot:
        for case, _raw, shown in in_column_order(app, ids, cases):
            await focus_card(pilot, ids[case])
            await press(pilot, "w")
            await press(pilot, "u")
            assert store.get_deal(ids[case]).status is DealStatus.OPEN, case
            undone = notices(app)[-1]
            assert undone.startswith("Undid won") and undone.endswith(f" on '{shown}'"), case
            assert leaks(app) == [], case


async def type_filter(pilot: Pilot[None], text: str) -> Input:
    """Open the filter line and put `text` in it, as typing or pasting would."""
    await pilot.press("slash")
    field = pilot.app.screen.query_one("#filter", Input)
    assert pilot.app.focused is field
    field.value = text
    await settle(pilot)
    return field


async def test_filter_header_quotes_the_filter_literally(store: PipelineStore) -> None:
    ids = add_hostile(store, HOSTILE)
    app = make_app(store)
    async with session(app, size=SIZE) as pilot:
        board = board_screen(app)
        for case, raw, shown in HOSTILE:
            field = await type_filter(pilot, raw)
            assert board.text_filter == raw, case
            assert board.column("lead").deal_ids == [ids[case]], case
            assert f"filter “{shown}”" in screen_lines(app)[0], case
            # The input line itself is covered by the test below.
            assert leaks(app, skip=field.region) == [], case


async def test_filter_input_never_draws_control_characters(
        store: PipelineStore) -> None:
    add_hostile(store, CONTROL)
    app = make_app(store)
    async with session(app, size=SIZE) as pilot:
        for case, raw, shown in CONTROL:
            field = await type_filter(pilot, raw)
            assert shown_in(app, field) == shown, case
            assert leaks(app) == [], case


async def test_command_palette_offers_actions_and_shows_no_deal_text(
        store: PipelineStore) -> None:
    add_hostile(store, HOSTILE)
    app = make_app(store)
    async with session(app, size=SIZE) as pilot:
        await press(pilot, "ctrl+p")
        assert isinstance(app.screen, CommandPalette)
        commands = shown_in(app, app.screen.query_one(CommandList))
        for action in ("Card down (J)", "Close date (c)", "Done (d)", "Edit (e)"):
            assert action in commands, action
        assert "␛" not in commands and "[" not in commands  # deals are not commands
        assert leaks(app) == []
        await press(pilot, *"log")  # further down the list than the palette shows at once
        assert "Log (a)" in shown_in(app, app.screen.query_one(CommandList))
        await press(pilot, "backspace", "backspace", "backspace")
        await press(pilot, *"ne")
        commands = shown_in(app, app.screen.query_one(CommandList))
        assert "New (n)" in commands and "Next step (s)" in commands
        assert leaks(app) == []
        await press(pilot, "escape")
        assert isinstance(app.screen, BoardScreen) and app.is_running


async def test_command_palette_never_draws_pasted_control_characters(
        store: PipelineStore) -> None:
    app = make_app(store)
    async with session(app, size=SIZE) as pilot:
        await press(pilot, "ctrl+p")
        assert isinstance(app.screen, CommandPalette)
        app.post_message(events.Paste("\x1b[2J"))  # as the driver delivers a paste
        await settle(pilot)
        assert leaks(app) == []
