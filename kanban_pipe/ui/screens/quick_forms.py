"""Small form modals for one decision each: next step, activity, lost reason, pause date."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date

from textual import events
from textual.content import Content
from textual.suggester import SuggestFromList
from textual.widget import Widget
from textual.widgets import Input, RadioButton, RadioSet

from kanban_pipe.domain.dates import DATE_FORMS_HELP, format_date, parse_date
from kanban_pipe.domain.errors import InvalidInputError, InvalidStageError
from kanban_pipe.domain.models import (
    DEFAULT_LOST_REASONS,
    TOUCH_KINDS,
    ActivityKind,
    NextStep,
    Stage,
)
from kanban_pipe.domain.stages import find_stage
from kanban_pipe.domain.validation import clean_name, clean_text
from kanban_pipe.ui.drafts import ActivityDraft
from kanban_pipe.ui.screens.form_base import (
    NOTHING,
    FieldSpec,
    FormScreen,
    date_echo,
    echo,
    warning,
)
from kanban_pipe.ui.text import plain

# Why a deal goes back or waits: mostly a qualification fact that is not there.
COMMON_BACK_REASONS = ("no decision maker", "no timeline", "need not confirmed", "no budget",
                       "customer asked to wait")

# The order of the picker, and the key that picks each kind.
ACTIVITY_KINDS: tuple[tuple[str, ActivityKind], ...] = (
    ("c", ActivityKind.CALL),
    ("e", ActivityKind.EMAIL),
    ("m", ActivityKind.MEETING),
    ("n", ActivityKind.NOTE),
)


def _heading(prefix: str, deal_title: str) -> Content:
    """'Prefix · <deal title>' with the title shown literally."""
    return Content.assemble(prefix, " · ", plain(deal_title))


class NextStepForm(FormScreen[NextStep | None]):
    """Set a deal's next step: action, (strongly suggested) due date and owner.

    Setting a new step is the most common action of the day: the old step's text starts
    selected, so typing replaces it, and `s`, the action, tab, the date, enter sets it.
    A draft the user typed (a form reopened after a refusal) starts unselected.
    """

    def __init__(
        self,
        *,
        today: date,
        default_owner: str,
        current: NextStep | None = None,
        deal_title: str,
        error: str = "",
        draft: NextStep | None = None,
    ) -> None:
        self._today = today
        shown = draft or current
        replace = draft is None
        super().__init__(
            heading=_heading("Next step", deal_title),
            error=error,
            fields=[
                FieldSpec(
                    "action",
                    "Action *",
                    shown.action if shown else "",
                    placeholder="what happens next, e.g. send the proposal",
                    select_on_focus=replace,
                ),
                FieldSpec(
                    "due",
                    "Due",
                    format_date(shown.due) if shown else "",
                    placeholder=DATE_FORMS_HELP,
                    select_on_focus=replace,
                ),
                FieldSpec("owner", "Owner *", shown.owner if shown else default_owner,
                          select_on_focus=replace),
            ],
            hint="typing replaces the old step · tab due date · enter saves from the date · "
                 "esc cancel",
        )

    def saves_on_enter(self, name: str) -> bool:
        """Enter in the action goes on to the date; from the date or owner it saves."""
        return name != "action"

    def check_field(self, name: str, text: str) -> Content:
        """Action and owner are required; the due date is echoed, or its absence flagged."""
        if name == "action":
            clean_text(text, "action", required=True)
        elif name == "owner":
            clean_name(text, "owner")
        elif name == "due":
            if not text.strip():
                # Allowed, because sometimes the date is not known yet, but said out loud.
                return warning("no due date: a date makes it a commitment")
            return date_echo(parse_date(text, self._today), self._today)
        return NOTHING

    def on_mount(self) -> None:
        """Also show the missing-date advice on an empty due field."""
        super().on_mount()
        self.refresh_field("due")

    def build_result(self) -> NextStep:
        """The parsed next step."""
        due = self.field_text("due").strip()
        return NextStep(
            action=clean_text(self.field_text("action"), "action", required=True),
            owner=clean_name(self.field_text("owner"), "owner"),
            due=parse_date(due, self._today) if due else None,
        )


class ActivityForm(FormScreen[ActivityDraft | None]):
    """Log a customer touch: pick the kind (c/e/m/n or arrows), then say what happened."""

    DEFAULT_CSS = """
    ActivityForm #kind {
        layout: horizontal;
        width: 100%;
        height: auto;
        margin-bottom: 1;
        background: $boost;
    }
    """

    def __init__(
        self,
        *,
        deal_title: str,
        kind: ActivityKind = ActivityKind.CALL,
        text: str = "",
        error: str = "",
    ) -> None:
        # Only customer touches are logged by hand; anything else falls back to a call.
        self._initial_kind = kind if kind in TOUCH_KINDS else ActivityKind.CALL
        keys = " · ".join(f"{key} {kind.value}" for key, kind in ACTIVITY_KINDS)
        super().__init__(
            heading=_heading("Log activity", deal_title),
            fields=[
                FieldSpec(
                    "text", "What happened *", text, placeholder="e.g. talked budget with the CFO"
                )
            ],
            error=error,
            hint=f"{keys} · ctrl+s or enter save · esc cancel",
        )

    def compose_extra(self) -> Iterable[Widget]:
        """The kind picker, focused first so one key picks the kind."""
        yield RadioSet(
            *(
                RadioButton(f"{kind.value} ({key})", value=kind is self._initial_kind)
                for key, kind in ACTIVITY_KINDS
            ),
            id="kind",
        )

    @property
    def picked_kind(self) -> ActivityKind:
        """The kind currently picked."""
        index = self.query_one("#kind", RadioSet).pressed_index
        return ACTIVITY_KINDS[index][1] if index >= 0 else self._initial_kind

    def _pick(self, kind: ActivityKind) -> None:
        """Press the button of `kind` in the picker."""
        index = [picked for _key, picked in ACTIVITY_KINDS].index(kind)
        buttons = list(self.query_one("#kind", RadioSet).query(RadioButton))
        buttons[index].value = True

    def on_key(self, event: events.Key) -> None:
        """On the picker, c/e/m/n pick the kind; any other letter starts the text."""
        picker = self.query_one("#kind", RadioSet)
        if self.focused is not picker or event.character is None:
            return
        if not event.character.isprintable() or event.character == " ":
            return
        event.stop()
        text_input = self.query_one("#text", Input)
        for key, kind in ACTIVITY_KINDS:
            if event.character == key:
                self._pick(kind)
                text_input.focus()
                return
        # A rep who starts typing the note right away must not lose the first letter.
        text_input.focus()
        text_input.insert_text_at_cursor(event.character)

    def check_field(self, name: str, text: str) -> Content:
        """What happened is required."""
        clean_text(text, "what happened", required=True)
        return NOTHING

    def build_result(self) -> ActivityDraft:
        """The kind and the text."""
        return ActivityDraft(
            self.picked_kind, clean_text(self.field_text("text"), "text", required=True)
        )


class LostForm(FormScreen[str | None]):
    """Mark a deal lost: the reason is required; the team's reasons (`kanban-pipe
    lost-reasons`) are offered: a number picks one, and they complete as you type."""

    def __init__(self, *, deal_title: str, reason: str = "", error: str = "",
                 reasons: Sequence[str] = DEFAULT_LOST_REASONS) -> None:
        self._reasons = tuple(reasons)
        choices = " · ".join(f"{i} {reason_text}" for i, reason_text
                             in enumerate(self._reasons[:9], start=1))
        super().__init__(
            heading=_heading("Lost", deal_title),
            error=error,
            fields=[
                FieldSpec(
                    "reason",
                    "Reason *",
                    reason,
                    placeholder="a number from the list, or why the customer said no",
                    suggester=SuggestFromList(self._reasons, case_sensitive=False),
                )
            ],
            hint=(f"{choices} (a number picks, → completes) · enter save · esc cancel"
                  if choices else "enter save · esc cancel"),
        )

    def _picked(self, text: str) -> str:
        """The reason a number picks, else the text as typed (trimmed)."""
        text = text.strip()
        if text.isdigit() and 1 <= int(text) <= min(len(self._reasons), 9):
            return self._reasons[int(text) - 1]
        return text

    def check_field(self, name: str, text: str) -> Content:
        """A reason is required; a number shows the reason it picks."""
        clean_text(text, "reason", required=True)
        picked = self._picked(text)
        return Content.assemble("→ ", plain(picked)) if picked != text.strip() else NOTHING

    def build_result(self) -> str:
        """The reason (picked by number, or typed), trimmed."""
        return clean_text(self._picked(self.field_text("reason")), "reason", required=True)


class MoveBackForm(FormScreen[tuple[Stage, str] | None]):
    """Move a deal back: the stage (its number; the previous one to start with, selected, so
    `<` then a number picks it) and a short reason, kept in the history."""

    def __init__(self, *, deal_title: str, stages: list[Stage], current: Stage, target: Stage,
                 reason: str = "", error: str = "") -> None:
        self._ordered = sorted(stages, key=lambda s: s.position)
        keys = [s.key for s in self._ordered]
        self._earlier = self._ordered[:keys.index(current.key)] if current.key in keys else []
        number = keys.index(target.key) + 1 if target.key in keys else ""
        choices = " · ".join(f"{keys.index(s.key) + 1} {s.name}" for s in self._earlier)
        super().__init__(
            heading=_heading(f"Move back from {current.name}", deal_title),
            error=error,
            fields=[
                FieldSpec("stage", "Back to *", str(number), placeholder="stage number or name",
                          select_on_focus=True),
                FieldSpec("reason", "Reason *", reason,
                          placeholder="what is missing, e.g. no decision maker",
                          suggester=SuggestFromList(COMMON_BACK_REASONS, case_sensitive=False)),
            ],
            hint=f"{choices} · enter next field, saves from the reason · esc cancel",
        )

    def _target(self, text: str) -> Stage:
        try:
            stage = find_stage(self._ordered, text)
        except InvalidStageError as error:
            # A half-typed name ("1n", "x") is a field to fix, not a failure of the app.
            raise InvalidInputError(str(error)) from None
        if stage not in self._earlier:
            raise InvalidInputError(f"{stage.name} is not before the deal's stage")
        return stage

    def check_field(self, name: str, text: str) -> Content:
        """The stage must be an earlier one (echoed by name); a reason is required."""
        if name == "stage":
            return echo(f"= {self._target(text).name}")
        clean_text(text, "reason", required=True, max_length=200)
        return NOTHING

    def build_result(self) -> tuple[Stage, str]:
        """The stage and the reason."""
        return (self._target(self.field_text("stage")),
                clean_text(self.field_text("reason"), "reason", required=True, max_length=200))


class PauseForm(FormScreen[tuple[date, str] | None]):
    """Pause a deal until a resume date after today, with a short reason kept in the
    history; it leaves the board until then."""

    def __init__(
        self, *, today: date, deal_title: str, current: date | None = None, reason: str = "",
        error: str = ""
    ) -> None:
        self._today = today
        super().__init__(
            heading=_heading("Pause", deal_title),
            error=error,
            fields=[
                FieldSpec(
                    "resume", "Resume on *", format_date(current), placeholder=DATE_FORMS_HELP
                ),
                FieldSpec("reason", "Reason *", reason,
                          placeholder="why it waits, e.g. customer asked to wait",
                          suggester=SuggestFromList(COMMON_BACK_REASONS, case_sensitive=False)),
            ],
        )

    def check_field(self, name: str, text: str) -> Content:
        """The resume date is required and must be after today; so is a reason."""
        if name == "reason":
            clean_text(text, "reason", required=True, max_length=200)
            return NOTHING
        if not text.strip():
            raise InvalidInputError(f"a resume date is required: {DATE_FORMS_HELP}")
        resume = self._resume_date(text)
        return date_echo(resume, self._today)

    def _resume_date(self, text: str) -> date:
        """The parsed resume date, refused unless it is after today."""
        resume = parse_date(text, self._today)
        if resume <= self._today:
            raise InvalidInputError(
                f"the resume date must be after today ({self._today.isoformat()})"
            )
        return resume

    def build_result(self) -> tuple[date, str]:
        """The resume date and the reason."""
        return (self._resume_date(self.field_text("resume")),
                clean_text(self.field_text("reason"), "reason", required=True, max_length=200))
