"""SVG snapshots of the board's screen states, on fixed demo data and a fixed clock.

Regenerate after an intended UI change with
`pytest tests/snapshots --snapshot-update` and look at the new SVGs before committing.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Input

from kanban_pipe.store import PipelineStore
from kanban_pipe.ui.app import PipelineApp, create_app
from kanban_pipe.ui.screens.board import BoardScreen
from kanban_pipe.ui.screens.detail import DealDetailScreen
from kanban_pipe.ui.screens.forms import DealForm
from kanban_pipe.ui.screens.help import HelpScreen
from kanban_pipe.ui.widgets.card import card_markers
from tests.ui.conftest import TODAY
from tests.ui.pilot import press, settle

SnapCompare = Callable[..., bool]
RunBefore = Callable[[Pilot[Any]], Awaitable[None]]

WIDE = (140, 40)
NARROW = (80, 24)


def make_app(store: PipelineStore) -> PipelineApp:
    """The app as the CLI builds it, with a fixed day and database label."""
    return create_app(store, today=lambda: TODAY, db_label="board.db")


def keys_then_settle(*keys: str, check: Callable[[PipelineApp], None] | None = None) -> RunBefore:
    """Press keys, wait for the store workers and their frames, then check the state."""

    async def run_before(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        await press(pilot, *keys)
        # A blinking Input cursor would make a snapshot depend on timing.
        for field in pilot.app.screen.query(Input):
            field.cursor_blink = False
        await pilot.pause()
        if check is not None:
            check(pilot.app)  # type: ignore[arg-type]

    return run_before


def on_screen(kind: type) -> Callable[[PipelineApp], None]:
    """A check that the snapshot shows the expected screen."""

    def check(app: PipelineApp) -> None:
        assert isinstance(app.screen, kind), app.screen

    return check


def focused_marker(marker: str) -> Callable[[PipelineApp], None]:
    """A check that the card under the cursor raises the highlight `marker`."""

    def check(app: PipelineApp) -> None:
        screen = app.screen
        assert isinstance(screen, BoardScreen)
        deal = screen.current_deal()
        assert deal is not None
        stage = screen.stages[screen.active]
        assert any(m.startswith(marker) for m in card_markers(deal, stage, TODAY)), deal

    return check


def test_board(snap_compare: SnapCompare, store: PipelineStore) -> None:
    """Every open stage with its cards, sums, header and footer at 140x40."""
    assert snap_compare(make_app(store), terminal_size=WIDE,
                        run_before=keys_then_settle(check=on_screen(BoardScreen)))


def test_board_filtered(snap_compare: SnapCompare, store: PipelineStore) -> None:
    """`/acme` enter: only Acme's deal, the filter named in the header and kept below."""

    def only_acme(app: PipelineApp) -> None:
        screen = app.screen
        assert isinstance(screen, BoardScreen) and screen.text_filter == "acme"
        assert [len(c.deal_ids) for c in screen.columns()] == [1, 0, 0, 0, 0]
        assert screen.current_deal().title == "Acme fleet renewal"  # type: ignore[union-attr]

    assert snap_compare(make_app(store), terminal_size=WIDE,
                        run_before=keys_then_settle("slash", *"acme", "enter", check=only_acme))


def test_board_milestone_bar(snap_compare: SnapCompare, store: PipelineStore) -> None:
    """`4` on a Lead deal: the bar over the board's foot lists every milestone it skips."""
    assert snap_compare(make_app(store), terminal_size=WIDE,
                        run_before=keys_then_settle("4", check=on_screen(BoardScreen)))


@pytest.mark.parametrize(
    ("marker", "keys"),
    [
        ("LATE", ()),  # Lead: Acme, next step two days overdue
        ("NO STEP", ("j",)),  # Lead: Borealis
        ("STALE", ("l",)),  # Qualified: Cobalt, 30 days without activity
        ("CLOSE", ("l", "l")),  # Proposal: Dune, closing in 5 days
        ("UNQUAL", ("l", "l", "j")),  # Proposal: Ember, no qualification facts
    ],
    ids=["late", "no-step", "stale", "close", "unqual"],
)
def test_highlight_focused(snap_compare: SnapCompare, store: PipelineStore, marker: str,
                           keys: tuple[str, ...]) -> None:
    """The cursor on the card that raises each highlight."""
    assert snap_compare(make_app(store), terminal_size=WIDE,
                        run_before=keys_then_settle(*keys, check=focused_marker(marker)))


def test_deal_detail(snap_compare: SnapCompare, store: PipelineStore) -> None:
    """Enter on Acme: every field, the LATE highlight and the history, newest first."""
    assert snap_compare(make_app(store), terminal_size=WIDE,
                        run_before=keys_then_settle("enter", check=on_screen(DealDetailScreen)))


def test_new_deal_form_with_invalid_date(snap_compare: SnapCompare,
                                         store: PipelineStore) -> None:
    """n, a title, tab to Expected close (8th field) and a date that does not exist."""

    def explained(app: PipelineApp) -> None:
        screen = app.screen
        assert isinstance(screen, DealForm)
        assert screen.query_one("#title", Input).value == "Kestrel rollout"
        close = screen.query_one("#expected_close", Input)
        assert close.value == "2026-02-30" and close.has_focus and close.has_class("-bad")

    # Title, organization, contact, value, currency, owner, source, expected close.
    keys = ("n", *"Kestrel rollout", *["tab"] * 7, *"2026-02-30")
    assert snap_compare(make_app(store), terminal_size=WIDE,
                        run_before=keys_then_settle(*keys, check=explained))


def test_help(snap_compare: SnapCompare, store: PipelineStore) -> None:
    """? : every key and the highlight legend."""
    assert snap_compare(make_app(store), terminal_size=WIDE,
                        run_before=keys_then_settle("question_mark", check=on_screen(HelpScreen)))


def test_help_legend(snap_compare: SnapCompare, store: PipelineStore) -> None:
    """? then end: the highlight legend at the bottom of the help."""

    def legend_shown(app: PipelineApp) -> None:
        assert isinstance(app.screen, HelpScreen)
        body = app.screen.query_one("#help-body")
        assert body.scroll_y == body.max_scroll_y > 0

    assert snap_compare(make_app(store), terminal_size=WIDE,
                        run_before=keys_then_settle("question_mark", "end", check=legend_shown))


def column_in_view(stage_key: str) -> Callable[[PipelineApp], None]:
    """A check that the focused column is `stage_key` and wholly on screen."""

    def check(app: PipelineApp) -> None:
        screen = app.screen
        assert isinstance(screen, BoardScreen)
        assert screen.stages[screen.active].key == stage_key
        box = screen.active_column.parent
        assert screen.region.contains_region(box.region), box.region  # type: ignore[union-attr]

    return check


def test_board_narrow(snap_compare: SnapCompare, store: PipelineStore) -> None:
    """The board at 80x24."""
    assert snap_compare(make_app(store), terminal_size=NARROW,
                        run_before=keys_then_settle(check=column_in_view("lead")))


def test_board_narrow_scrolled(snap_compare: SnapCompare, store: PipelineStore) -> None:
    """At 80x24, l l scrolls sideways so the focused Proposal column is in view."""
    assert snap_compare(make_app(store), terminal_size=NARROW,
                        run_before=keys_then_settle("l", "l", check=column_in_view("proposal")))


def unconverted(store: PipelineStore) -> PipelineStore:
    """The issue's Lead column (#16 item 6): a 250k USD deal with no exchange rate to
    EUR, and a deal without a value (shown —, in no sum)."""
    store.add_deal("Yankee fleet", organization="Yankee Inc", value=25_000_000,
                   currency="USD", stage="lead")
    store.add_deal("Size unknown", organization="Quarry AB", value=None, stage="lead")
    return store


def has_rate_banner(app: PipelineApp) -> None:
    """The snapshot shows the board with its no-rate line."""
    assert isinstance(app.screen, BoardScreen)
    assert app.screen.query_one("#rate-banner").display


@pytest.mark.parametrize("size", [(160, 45), (80, 24)], ids=["160x45", "80x24"])
def test_board_unconverted_currency(snap_compare: SnapCompare, store: PipelineStore,
                                    size: tuple[int, int]) -> None:
    """Amounts without an exchange rate per currency in the heads and header (never a 0
    EUR total), the NO RATE line with `kanban-pipe currency set`, and a — card."""
    assert snap_compare(make_app(unconverted(store)), terminal_size=size,
                        run_before=keys_then_settle(check=has_rate_banner))


def test_board_narrow_after_the_wheel(snap_compare: SnapCompare, store: PipelineStore) -> None:
    """At 80x24, a column scrolled by the wheel then focused shows its focused card."""
    for number in range(8):
        store.add_deal(f"Extra {number}", stage="qualified", value=1000 * number)

    async def wheel_then_l(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        screen = pilot.app.screen
        assert isinstance(screen, BoardScreen)
        screen.column("qualified").scroll_to(y=30, animate=False, immediate=True)
        await press(pilot, "l")

    assert snap_compare(make_app(store), terminal_size=NARROW, run_before=wheel_then_l)
