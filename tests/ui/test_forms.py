"""Pilot tests of the modal screens: forms, confirmations, deal detail and help."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
from textual.app import App
from textual.screen import Screen
from textual.widgets import Input, RadioSet

from kanban_pipe.domain.models import (
    Activity,
    ActivityKind,
    Deal,
    DealStatus,
    NextStep,
    Qualification,
)
from kanban_pipe.domain.stages import DEFAULT_STAGES
from kanban_pipe.ui.drafts import ActivityDraft, DealDraft
from kanban_pipe.ui.screens.confirm import ConfirmDialog, MilestoneConfirm
from kanban_pipe.ui.screens.detail import DealDetailScreen, local_time
from kanban_pipe.ui.screens.forms import (
    ActivityForm,
    DealForm,
    LostForm,
    NextStepForm,
    PauseForm,
)
from kanban_pipe.ui.screens.help import HelpScreen
from kanban_pipe.ui.text import safe_text
from kanban_pipe.ui.widgets.card import LEGEND
from tests.ui.pilot import fill, press

TODAY = date(2026, 11, 25)  # a Wednesday
SIZE = (100, 40)
STAGES = list(DEFAULT_STAGES)
LEAD, PROPOSAL = STAGES[0], STAGES[2]

HOSTILE_TITLES = [
    "[@click=app.quit]x",
    "[/bold]",
    "[link='file:///etc/passwd']x",
    "copy \x1b]52;c;aGk=\x07 me",
    "\x1b[31mred\x1b[0m alert",
]


class ModalHost(App[None]):
    """A bare app that opens one modal and records what it returns."""

    def __init__(self, modal: Screen[Any]) -> None:
        super().__init__()
        self.modal = modal
        self.results: list[Any] = []

    def on_mount(self) -> None:
        self.push_screen(self.modal, self.results.append)


def screen_text(app: App[Any]) -> str:
    """Everything the active screen shows, as plain text lines."""
    # The compositor's strips are exactly what would be written to the terminal.
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


def no_links_or_escapes(app: App[Any]) -> bool:
    """True when no rendered segment carries a link or a raw ESC character."""
    for strip in app.screen._compositor.render_strips():
        for segment in strip:
            if "\x1b" in segment.text:
                return False
            if segment.style is not None and segment.style.link:
                return False
    return True


def make_deal(**changes: Any) -> Deal:
    """A proposal-stage deal with fixed timestamps."""
    moment = datetime(2026, 11, 1, 9, 30, tzinfo=UTC)
    fields: dict[str, Any] = {
        "id": 7,
        "title": "Acme renewal",
        "stage": "proposal",
        "owner": "ann",
        "currency": "EUR",
        "created_at": moment,
        "updated_at": moment,
        "stage_entered_at": moment,
        "last_activity_at": moment,
        "value": 1_200_050,
        "organization": "Acme Oy",
        "contact": "Bob Buyer",
        "source": "referral",
        "expected_close": date(2026, 12, 1),
        "next_step": NextStep("send the proposal", "bob", date(2026, 11, 20)),
        "qualification": Qualification(decision_maker=True, need=True, timeline=False),
    }
    return Deal(**(fields | changes))


def deal_form(**changes: Any) -> DealForm:
    """A new-deal form in the Lead stage for ann, EUR."""
    options: dict[str, Any] = {
        "today": TODAY,
        "home_currency": "EUR",
        "default_owner": "ann",
        "stage_name": "Lead",
    }
    return DealForm(**(options | changes))


def value_of(app: App[Any], name: str) -> str:
    """The text of an input on the active screen."""
    return app.screen.query_one(f"#{name}", Input).value


def echo_of(app: App[Any], name: str) -> str:
    """The plain text of a field's echo line."""
    return str(app.screen.query_one(f"#{name}-echo").render())


# -- DealForm ------------------------------------------------------------------------------


async def test_new_deal_typed_by_keys_returns_parsed_draft() -> None:
    app = ModalHost(deal_form())
    async with app.run_test(size=SIZE) as pilot:
        assert "New deal in Lead" in screen_text(app)
        assert app.focused is app.screen.query_one("#title")
        await pilot.press(*"Acme renewal")
        await pilot.press("tab", "tab", "tab", *"12k")  # organization, contact, value
        await fill(pilot, expected_close="fri", next_action="call Bob", next_due="tomorrow")
        await press(pilot, "ctrl+s")
    assert app.results == [
        DealDraft(
            title="Acme renewal",
            value=1_200_000,
            currency="EUR",
            owner="ann",
            expected_close=date(2026, 11, 27),
            next_step=NextStep("call Bob", "ann", date(2026, 11, 26)),
        )
    ]


async def test_amount_and_date_are_echoed_live() -> None:
    app = ModalHost(deal_form())
    async with app.run_test(size=SIZE) as pilot:
        await fill(pilot, value="12,000.5", expected_close="fri")
        assert echo_of(app, "value") == "= 12,000.50 EUR"
        assert echo_of(app, "expected_close") == "= Fri 2026-11-27 (in 2d)"
        assert "= Fri 2026-11-27 (in 2d)" in screen_text(app)
        # The amount is re-read in the new currency as soon as the currency changes.
        await fill(pilot, currency="jpy", value="12000")
        assert echo_of(app, "value") == "= 12,000 JPY"
        await fill(pilot, value="12000.5")
        assert "JPY has no decimal places" in echo_of(app, "value")


async def test_invalid_input_is_explained_and_nothing_typed_is_lost() -> None:
    app = ModalHost(deal_form())
    async with app.run_test(size=SIZE) as pilot:
        await fill(
            pilot,
            title="Acme",
            organization="Acme Oy",
            value="12x",
            expected_close="2026-02-30",
            next_action="demo",
        )
        assert "2026-02-30 is not a real date" in screen_text(app)
        assert "can't read '12x' as an amount" in echo_of(app, "value")
        await press(pilot, "ctrl+s")
        assert app.results == []
        assert isinstance(app.screen, DealForm)
        # The first bad field gets the focus; every typed value is still there.
        assert app.focused is app.screen.query_one("#value")
        assert app.screen.query_one("#value").has_class("-bad")
        assert "Not saved: fix the marked 2 fields first." in screen_text(app)
        assert [
            value_of(app, n)
            for n in ("title", "organization", "value", "expected_close", "next_action")
        ] == ["Acme", "Acme Oy", "12x", "2026-02-30", "demo"]
        await fill(pilot, value="12 000", expected_close="31/12")
        await pilot.click("#form-save")
        await pilot.pause()
    assert len(app.results) == 1
    draft = app.results[0]
    assert (draft.value, draft.expected_close) == (1_200_000, date(2026, 12, 31))
    assert draft.next_step == NextStep("demo", "ann", None)


async def test_title_and_owner_are_required_and_title_gets_focus() -> None:
    app = ModalHost(deal_form())
    async with app.run_test(size=SIZE) as pilot:
        await fill(pilot, owner="", value="5k")
        await press(pilot, "ctrl+s")
        assert app.results == []
        assert app.focused is app.screen.query_one("#title")
        assert "title is required" in echo_of(app, "title")
        assert "owner is required" in echo_of(app, "owner")
        assert value_of(app, "value") == "5k"


async def test_due_date_without_action_is_refused() -> None:
    app = ModalHost(deal_form())
    async with app.run_test(size=SIZE) as pilot:
        await fill(pilot, title="Acme", next_due="fri")
        await press(pilot, "ctrl+s")
        assert app.results == []
        assert "a due date needs an action" in echo_of(app, "next_action")
        assert app.focused is app.screen.query_one("#next_action")


async def test_enter_walks_the_fields_and_saves_from_the_last() -> None:
    app = ModalHost(deal_form())
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press(*"Deal", "enter")
        assert app.focused is app.screen.query_one("#organization")
        app.screen.query_one("#next_due", Input).focus()
        await press(pilot, *"+3d", "enter")
        assert isinstance(app.screen, DealForm)  # refused: the due date needs an action
        await fill(pilot, next_action="call")
        app.screen.query_one("#next_due", Input).focus()
        await press(pilot, "enter")
    assert app.results[0].next_step == NextStep("call", "ann", date(2026, 11, 28))


async def test_escape_cancels_the_deal_form() -> None:
    app = ModalHost(deal_form())
    async with app.run_test(size=SIZE) as pilot:
        await fill(pilot, title="never saved")
        await press(pilot, "escape")
    assert app.results == [None]


async def test_edit_prefills_the_deal_and_keeps_its_next_step() -> None:
    deal = make_deal()
    app = ModalHost(deal_form(deal=deal, stage_name="Proposal"))
    async with app.run_test(size=SIZE) as pilot:
        assert "Edit #7" in screen_text(app)
        assert not app.screen.query("#next_action")  # the next step is edited with `s`
        assert value_of(app, "value") == "12000.50"
        assert value_of(app, "expected_close") == "2026-12-01"
        assert echo_of(app, "expected_close") == "= Tue 2026-12-01 (in 6d)"
        await fill(pilot, contact="Carol Chief")
        await press(pilot, "ctrl+s")
    assert app.results == [
        DealDraft(
            title="Acme renewal",
            organization="Acme Oy",
            contact="Carol Chief",
            value=1_200_050,
            currency="EUR",
            owner="ann",
            source="referral",
            expected_close=date(2026, 12, 1),
            next_step=deal.next_step,
        )
    ]


async def test_reopened_draft_shows_the_store_error_and_the_values() -> None:
    draft = DealDraft(
        title="Acme",
        value=990_000,
        currency="SEK",
        owner="bob",
        expected_close=date(2027, 1, 15),
        next_step=NextStep("call", "bob", date(2026, 12, 1)),
    )
    error = "[b]Someone else changed this deal[/b]; your values are kept"
    app = ModalHost(deal_form(draft=draft, error=error))
    async with app.run_test(size=SIZE) as pilot:
        assert error in screen_text(app)  # literally, brackets and all
        assert [
            value_of(app, n)
            for n in (
                "title",
                "value",
                "currency",
                "owner",
                "expected_close",
                "next_action",
                "next_due",
            )
        ] == ["Acme", "9900", "SEK", "bob", "2027-01-15", "call", "2026-12-01"]
        assert echo_of(app, "value") == "= 9,900 SEK"
        await press(pilot, "ctrl+s")
    assert app.results == [draft]


# -- NextStepForm ----------------------------------------------------------------------------


async def test_next_step_defaults_the_owner_and_echoes_the_due_date() -> None:
    app = ModalHost(NextStepForm(today=TODAY, default_owner="ann", deal_title="Acme"))
    async with app.run_test(size=SIZE) as pilot:
        assert "Next step · Acme" in screen_text(app)
        assert value_of(app, "owner") == "ann"
        assert "no due date" in echo_of(app, "due")
        await press(pilot, *"send proposal", "enter", *"fri")
        assert echo_of(app, "due") == "= Fri 2026-11-27 (in 2d)"
        await press(pilot, "enter")
    assert app.results == [NextStep("send proposal", "ann", date(2026, 11, 27))]


async def test_next_step_allows_no_due_date_but_needs_an_action() -> None:
    current = NextStep("old action", "bob", date(2026, 11, 20))
    app = ModalHost(
        NextStepForm(today=TODAY, default_owner="ann", current=current, deal_title="Acme")
    )
    async with app.run_test(size=SIZE) as pilot:
        assert [value_of(app, n) for n in ("action", "owner", "due")] == [
            "old action",
            "bob",
            "2026-11-20",
        ]
        assert echo_of(app, "due") == "= Fri 2026-11-20 (5d overdue)"
        await fill(pilot, action="  ", due="")
        await press(pilot, "ctrl+s")
        assert app.results == []
        assert "action is required" in echo_of(app, "action")
        await fill(pilot, action="call back")
        await press(pilot, "ctrl+s")
    assert app.results == [NextStep("call back", "bob", None)]


# -- ActivityForm ----------------------------------------------------------------------------


async def test_activity_kind_is_picked_by_key_then_text_typed() -> None:
    app = ModalHost(ActivityForm(deal_title="Acme"))
    async with app.run_test(size=SIZE) as pilot:
        assert app.focused is app.screen.query_one("#kind", RadioSet)
        await press(pilot, "m", *"demo done", "enter")
    assert app.results == [ActivityDraft(ActivityKind.MEETING, "demo done")]


async def test_activity_defaults_to_call_and_a_first_letter_is_not_lost() -> None:
    app = ModalHost(ActivityForm(deal_title="Acme"))
    async with app.run_test(size=SIZE) as pilot:
        await press(pilot, *"Talked budget", "enter")
    assert app.results == [ActivityDraft(ActivityKind.CALL, "Talked budget")]


async def test_activity_kind_by_arrows_and_text_required() -> None:
    app = ModalHost(ActivityForm(deal_title="Acme"))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("right", "enter", "tab")  # select email with the arrow keys
        await press(pilot, "enter")
        assert app.results == []
        assert "what happened is required" in echo_of(app, "text")
        await press(pilot, *"sent the quote", "ctrl+s")
    assert app.results == [ActivityDraft(ActivityKind.EMAIL, "sent the quote")]


# -- LostForm --------------------------------------------------------------------------------


async def test_lost_reason_completes_from_common_reasons() -> None:
    app = ModalHost(LostForm(deal_title="Acme"))
    async with app.run_test(size=SIZE) as pilot:
        assert "1 price · 2 competitor · 3 no budget · 4 no decision · 5 timing" in \
            screen_text(app)
        await press(pilot, "enter")
        assert app.results == []
        assert "reason is required" in echo_of(app, "reason")
        await press(pilot, *"co", "right", "enter")
    assert app.results == ["competitor"]


async def test_a_number_picks_one_of_the_teams_reasons() -> None:
    app = ModalHost(LostForm(deal_title="Acme", reasons=["chose a rival", "went silent"]))
    async with app.run_test(size=SIZE) as pilot:
        assert "1 chose a rival · 2 went silent" in screen_text(app)
        await press(pilot, "2")
        assert "→ went silent" in echo_of(app, "reason")
        await press(pilot, "enter")
    assert app.results == ["went silent"]


async def test_a_number_past_the_list_is_kept_as_typed() -> None:
    app = ModalHost(LostForm(deal_title="Acme", reasons=["chose a rival"]))
    async with app.run_test(size=SIZE) as pilot:
        await press(pilot, "7", "enter")
    assert app.results == ["7"]


async def test_lost_reason_is_free_text() -> None:
    app = ModalHost(LostForm(deal_title="Acme"))
    async with app.run_test(size=SIZE) as pilot:
        await press(pilot, *"merged with [b]Globex[/b]", "enter")
    assert app.results == ["merged with [b]Globex[/b]"]


# -- PauseForm -------------------------------------------------------------------------------


async def test_pause_needs_a_date_after_today() -> None:
    app = ModalHost(PauseForm(today=TODAY, deal_title="Acme"))
    async with app.run_test(size=SIZE) as pilot:
        await press(pilot, *"today", "enter", "enter")
        assert app.results == []
        assert "must be after today (2026-11-25)" in screen_text(app)
        assert "reason is required" in screen_text(app)
        assert value_of(app, "resume") == "today"
        await fill(pilot, resume="+2w")
        assert echo_of(app, "resume") == "= Wed 2026-12-09 (in 14d)"
        await press(pilot, "tab", *"no budget yet", "enter")
    assert app.results == [(date(2026, 12, 9), "no budget yet")]


async def test_pause_escape_returns_none() -> None:
    app = ModalHost(PauseForm(today=TODAY, deal_title="Acme", current=date(2027, 1, 4)))
    async with app.run_test(size=SIZE) as pilot:
        assert value_of(app, "resume") == "2027-01-04"
        await press(pilot, "escape")
    assert app.results == [None]


# -- Confirmations ---------------------------------------------------------------------------


def milestone_confirm(title: str = "Acme") -> MilestoneConfirm:
    return MilestoneConfirm(
        deal_title=title,
        from_stage="Lead",
        to_stage="Proposal",
        milestones=["Decision maker involved", "Need and goals confirmed"],
    )


@pytest.mark.parametrize(
    ("keys", "answer"),
    [
        (["y"], True),
        (["enter"], True),
        (["n"], False),
        (["escape"], False),
        (["tab", "enter"], False),
    ],
)
async def test_milestone_confirm_answers(keys: list[str], answer: bool) -> None:
    app = ModalHost(milestone_confirm())
    async with app.run_test(size=SIZE) as pilot:
        text = screen_text(app)
        assert "Move 'Acme' Lead → Proposal?" in text
        assert "Confirm that the customer has:" in text
        assert "• Decision maker involved" in text
        assert "• Need and goals confirmed" in text
        await press(pilot, *keys)
    assert app.results == [answer]


async def test_confirm_dialog_shows_the_question_literally() -> None:
    question = "Delete '[@click=app.quit]x'? It disappears everywhere; u (undo) brings it back."
    app = ModalHost(ConfirmDialog(question=question, title="Delete deal", danger=True))
    async with app.run_test(size=SIZE) as pilot:
        text = screen_text(app)
        assert "Delete '[@click=app.quit]x'? It disappears everywhere;" in text
        assert "brings it back." in text  # wrapped onto the next line
        await pilot.click("#question", offset=(10, 0))
        await pilot.pause()
        assert app.is_running and isinstance(app.screen, ConfirmDialog)
        await press(pilot, "y")
    assert app.results == [True]


# -- DealDetailScreen ------------------------------------------------------------------------


def detail_screen(deal: Deal, activities: list[Activity] | None = None) -> DealDetailScreen:
    return DealDetailScreen(
        deal=deal, stage=PROPOSAL, stages=STAGES, activities=activities or [], today=TODAY
    )


async def test_detail_shows_every_field_highlights_and_history_newest_first() -> None:
    deal = make_deal(status=DealStatus.OPEN, paused_until=date(2026, 12, 24))
    older = datetime(2026, 11, 1, 9, 30, tzinfo=UTC)
    newer = datetime(2026, 11, 3, 14, 5, tzinfo=UTC)
    activities = [
        Activity(1, 7, older, "ann", ActivityKind.CREATED, "created in Lead"),
        Activity(2, 7, newer, "bob", ActivityKind.NEXT_STEP_SET, "send the proposal"),
    ]
    app = ModalHost(detail_screen(deal, activities))
    async with app.run_test(size=(160, 50)):
        text = screen_text(app)
        for expected in [
            "Acme renewal  #7",
            "Organization     Acme Oy",
            "Contact          Bob Buyer",
            "Value            12,000.50 EUR",
            "Stage            Proposal (3 of 5, 50% win probability)",
            "Status           open",
            "Owner            ann",
            "Source           referral",
            "Expected close   2026-12-01 (in 6d)",
            "send the proposal  owner bob  due 2026-11-20 (5d overdue)",
            "✓ decision maker identified   ✓ need confirmed   ✗ timeline confirmed",
            "Days in stage    24d",
            "Paused until     2026-12-24 (in 29d)",
            "Version          1",
            "LATE        next step is past its due date",
            "STALE 24d   no activity for longer than the stage allows",
            "CLOSE 6d    expected close within 14 days",
            "UNQUAL      Proposal or later without decision maker, need or timeline",
            "History (2, newest first)",
        ]:
            assert expected in text, expected
        newest = f"{local_time(newer)}  bob  next step set   send the proposal"
        oldest = f"{local_time(older)}  ann  created         created in Lead"
        assert newest in text and oldest in text
        assert text.index(newest) < text.index(oldest)


async def test_detail_without_problems_or_history() -> None:
    recent = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
    deal = make_deal(
        stage_entered_at=recent,
        last_activity_at=recent,
        expected_close=None,
        next_step=NextStep("call", "ann", date(2026, 12, 2)),
        qualification=Qualification(True, True, True),
        lost_reason="",
    )
    app = ModalHost(detail_screen(deal))
    async with app.run_test(size=SIZE):
        text = screen_text(app)
        assert "✓ nothing needs attention" in text
        assert "no activity yet" in text
        assert "Expected close   not set" in text
        assert "Paused until" not in text


@pytest.mark.parametrize("key", ["escape", "q", "enter"])
async def test_detail_closes_with(key: str) -> None:
    app = ModalHost(detail_screen(make_deal()))
    async with app.run_test(size=SIZE) as pilot:
        await press(pilot, key)
    assert app.results == [None]


# -- HelpScreen ------------------------------------------------------------------------------

HELP_KEYS = [("←/→, h/l", "focus previous/next column"), ("n", "new deal"), ("?", "help")]
HELP_LEGEND = [
    *LEGEND,
    ("◷ old", "$warning", "a theme colour given by name"),
    ("[b]x[/b]", "not a colour!", "literal [i]markup[/i]"),
]


@pytest.mark.parametrize("key", ["escape", "q", "question_mark"])
async def test_help_lists_keys_and_legend_and_closes(key: str) -> None:
    app = ModalHost(HelpScreen(keys=HELP_KEYS, legend=HELP_LEGEND))
    async with app.run_test(size=(110, 40)) as pilot:
        text = screen_text(app)
        assert "←/→, h/l  focus previous/next column" in text
        assert "n         new deal" in text
        for marker, _style, meaning in LEGEND:
            assert marker in text and meaning in text
        assert "◷ old" in text and "[b]x[/b]" in text and "literal [i]markup[/i]" in text
        # Card classes and theme names are coloured; an unknown colour is just shown.
        late = app.screen.query_one(".legend-marker.overdue")
        assert late.render().spans[0].style == "$error"
        assert app.screen.query(".legend-marker")[-2].render().spans[0].style == "$warning"
        assert not app.screen.query(".legend-marker")[-1].render().spans
        await press(pilot, key)
    assert app.results == [None]


# -- Hostile text ----------------------------------------------------------------------------


@pytest.mark.parametrize("title", HOSTILE_TITLES)
async def test_hostile_title_in_detail_is_shown_literally_and_runs_nothing(title: str) -> None:
    activity = Activity(1, 7, datetime(2026, 11, 2, tzinfo=UTC), title, ActivityKind.NOTE, title)
    deal = make_deal(title=title, organization=title, contact=title, owner=title)
    app = ModalHost(detail_screen(deal, [activity]))
    async with app.run_test(size=(120, 50)) as pilot:
        text = screen_text(app)
        assert safe_text(title) in text
        assert text.count(safe_text(title)) >= 5  # title, org, contact, owner, history
        assert no_links_or_escapes(app)
        await pilot.click("#detail-title", offset=(2, 0))
        await pilot.click("#detail-fields", offset=(20, 0))
        await pilot.pause()
        assert app.is_running and isinstance(app.screen, DealDetailScreen)
        assert app.results == []


@pytest.mark.parametrize("title", HOSTILE_TITLES)
async def test_hostile_title_in_deal_form_is_shown_and_saved_unchanged(title: str) -> None:
    deal = make_deal(title=title, organization=title)
    app = ModalHost(deal_form(deal=deal, stage_name=title))
    async with app.run_test(size=SIZE) as pilot:
        text = screen_text(app)
        # Every character is visible, BEL included (SafeInput draws it as ␇).
        assert safe_text(title) in text
        assert no_links_or_escapes(app)
        assert value_of(app, "title") == title  # the value itself is untouched data
        await pilot.click("#title", offset=(2, 0))
        await pilot.click(".form-title", offset=(2, 0))
        await pilot.pause()
        assert app.is_running and isinstance(app.screen, DealForm)
        await press(pilot, "ctrl+s")
    assert [(draft.title, draft.organization) for draft in app.results] == [(title, title)]


@pytest.mark.parametrize("title", HOSTILE_TITLES)
async def test_hostile_stage_and_deal_names_in_new_deal_form_and_confirm(title: str) -> None:
    app = ModalHost(deal_form(stage_name=title))
    async with app.run_test(size=SIZE) as pilot:
        assert f"New deal in {safe_text(title)}" in screen_text(app)
        await press(pilot, *"[@click=app.quit]typed", "ctrl+s")
    assert app.results[0].title == "[@click=app.quit]typed"

    app = ModalHost(milestone_confirm(title))
    async with app.run_test(size=SIZE) as pilot:
        assert f"Move '{safe_text(title)}' Lead → Proposal?" in screen_text(app)
        assert no_links_or_escapes(app)
        await press(pilot, "n")
    assert app.results == [False]


# -- Reopening after a store refusal ---------------------------------------------------------


@pytest.mark.parametrize(
    ("modal", "field", "typed"),
    [
        (
            NextStepForm(
                today=TODAY,
                default_owner="ann",
                current=NextStep("call [b]Bob[/b]", "ann", date(2026, 11, 27)),
                deal_title="Acme",
                error="[red]deal changed[/red] meanwhile",
            ),
            "action",
            "call [b]Bob[/b]",
        ),
        (
            ActivityForm(
                deal_title="Acme", text="typed note", error="[red]deal changed[/red] meanwhile"
            ),
            "text",
            "typed note",
        ),
        (
            LostForm(deal_title="Acme", reason="price", error="[red]deal changed[/red] meanwhile"),
            "reason",
            "price",
        ),
        (
            PauseForm(
                today=TODAY,
                deal_title="Acme",
                current=date(2027, 1, 4),
                reason="customer asked to wait",
                error="[red]deal changed[/red] meanwhile",
            ),
            "resume",
            "2027-01-04",
        ),
    ],
)
async def test_quick_forms_reopen_with_the_error_and_the_values(
    modal: Screen[Any], field: str, typed: str
) -> None:
    app = ModalHost(modal)
    async with app.run_test(size=SIZE) as pilot:
        assert "[red]deal changed[/red] meanwhile" in screen_text(app)
        assert value_of(app, field) == typed
        await press(pilot, "ctrl+s")
    assert len(app.results) == 1 and app.results[0] is not None
