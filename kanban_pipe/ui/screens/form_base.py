"""Shared machinery of the form modals: literal inputs, live echo, checked save, cancel."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import ClassVar, TypeVar

from rich.highlighter import Highlighter
from rich.text import Text
from textual import on
from textual.actions import SkipAction
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.suggester import Suggester
from textual.widget import Widget
from textual.widgets import Button, Input, Label, Static

from kanban_pipe.domain.dates import relative_words
from kanban_pipe.domain.errors import InvalidInputError
from kanban_pipe.ui.text import plain, safe_text
from kanban_pipe.ui.widgets.safe_input import SafeInput

FormResult = TypeVar("FormResult")

# Fixed English names: strftime("%a") follows the process locale, the rest of the UI does not.
_WEEKDAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")

NOTHING = Content("")


class ControlPictures(Highlighter):
    """Shows control characters in an Input as visible stand-ins (ESC as ␛)."""

    def highlight(self, text: Text) -> None:
        """Replace control characters in place; one character each, so offsets stay valid."""
        # Rich drops only BEL/BS/VT/FF/CR itself; ESC would otherwise reach the terminal.
        text.plain = safe_text(text.plain)


CONTROL_PICTURES = ControlPictures()


def echo(text: str) -> Content:
    """A parsed value read back to the user, in the success colour."""
    return Content.styled(safe_text(text), "$success")


def warning(text: str) -> Content:
    """Advice that does not block saving, in the warning colour."""
    return Content.styled(safe_text(text), "$warning")


def date_echo(day: date, today: date) -> Content:
    """'= Fri 2026-11-27 (in 2d)': the parsed date with its weekday and distance."""
    return echo(
        f"= {_WEEKDAY_NAMES[day.weekday()]} {day.isoformat()} ({relative_words(day, today)})"
    )


@dataclass(frozen=True, slots=True)
class FieldSpec:
    """One labelled one-line input of a form, with its starting text."""

    name: str
    label: str
    value: str = ""
    placeholder: str = ""
    max_length: int = 0
    restrict: str | None = None
    suggester: Suggester | None = None
    # The starting text is selected when the field takes the focus, so typing replaces it
    # (the next step: a new one is far more common than an edit of the old one).
    select_on_focus: bool = False


class FormScreen(ModalScreen[FormResult]):
    """A modal of labelled inputs, each checked live, that saves only when all are valid.

    Subclasses describe their fields with FieldSpec, check one field's text in
    `check_field` (return an echo, raise InvalidInputError) and build the typed
    result in `build_result`, which runs only after every field has passed.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="form.cancel"),
        Binding("ctrl+s", "save", "Save", id="form.save"),
        # Priority: handled as the key arrives, in turn with the keys around it. Left to
        # the Input (submit, a message bubbling up to here) the next field took the focus
        # only after the characters typed next had gone into this one.
        Binding("enter", "field_enter", show=False, priority=True),
    ]

    DEFAULT_CSS = """
    FormScreen {
        align: center middle;
    }
    FormScreen .form-dialog {
        width: 84;
        max-width: 100%;
        height: auto;
        max-height: 100%;
        border: thick $primary;
        background: $surface;
        padding: 0 1;
    }
    FormScreen .form-title {
        dock: top;
        text-style: bold;
        color: $primary;
        padding-bottom: 1;
    }
    FormScreen .form-fields {
        height: auto;
    }
    FormScreen .form-footer {
        dock: bottom;
        height: auto;
    }
    FormScreen .form-row {
        height: auto;
    }
    FormScreen .form-label {
        width: 16;
        color: $text-muted;
    }
    FormScreen .form-cell {
        width: 1fr;
        height: auto;
    }
    FormScreen .form-cell Input {
        background: $boost;
    }
    FormScreen .form-cell Input:focus {
        background: $primary 20%;
    }
    FormScreen .form-cell Input.-bad {
        background: $error 30%;
    }
    FormScreen .form-echo {
        height: auto;
        min-height: 1;
    }
    FormScreen .form-error {
        color: $error;
        height: auto;
    }
    FormScreen .form-buttons {
        height: auto;
        margin-top: 1;
        align-horizontal: right;
    }
    FormScreen .form-buttons Button {
        margin-left: 2;
    }
    FormScreen .form-hint {
        color: $text-muted;
    }
    """

    def __init__(
        self,
        *,
        heading: Content,
        fields: list[FieldSpec],
        error: str = "",
        hint: str = "",
    ) -> None:
        super().__init__()
        self._heading = heading
        self._fields = fields
        self._error = error
        self._hint = hint or "ctrl+s save · enter next field (saves in the last) · esc cancel"

    # -- what subclasses provide -------------------------------------------------------

    def check_field(self, name: str, text: str) -> Content:
        """The echo for one field's text; raise InvalidInputError to explain what is wrong."""
        return NOTHING

    def related_fields(self, name: str) -> tuple[str, ...]:
        """Fields whose check reads `name` and must be re-checked when it changes."""
        return ()

    def build_result(self) -> FormResult:
        """The typed result; called only when every field has passed its check."""
        raise NotImplementedError

    def saves_on_enter(self, name: str) -> bool:
        """Whether enter in field `name` saves the form (else it moves to the next field)."""
        return bool(self._fields) and name == self._fields[-1].name

    def compose_extra(self) -> Iterable[Widget]:
        """Widgets shown above the text fields (e.g. a kind picker)."""
        return ()

    # -- layout ------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        """Heading, the fields with their echo lines, the form error, buttons and hint."""
        with Vertical(classes="form-dialog"):
            yield Static(self._heading, classes="form-title")
            # Not focusable itself: focus starts in the first field, and tab walks fields.
            with VerticalScroll(classes="form-fields", can_focus=False):
                yield from self.compose_extra()
                for spec in self._fields:
                    with Horizontal(classes="form-row"):
                        yield Label(spec.label, classes="form-label")
                        with Vertical(classes="form-cell"):
                            yield SafeInput(
                                spec.value,
                                placeholder=spec.placeholder,
                                highlighter=CONTROL_PICTURES,
                                max_length=spec.max_length,
                                restrict=spec.restrict,
                                suggester=spec.suggester,
                                # Selecting on focus makes the next key wipe a prefilled
                                # value: only where that is what the user wants.
                                select_on_focus=spec.select_on_focus,
                                compact=True,
                                id=spec.name,
                            )
                            yield Static(NOTHING, id=f"{spec.name}-echo", classes="form-echo")
            # After the fields so focus starts in them; docked so that on a short
            # terminal the fields scroll while the buttons stay in view.
            with Vertical(classes="form-footer"):
                # Errors can quote what the user typed or what the store said: never markup.
                yield Static(plain(self._error), id="form-error", classes="form-error")
                with Horizontal(classes="form-buttons"):
                    yield Button("Save (ctrl+s)", id="form-save", variant="primary", compact=True)
                    yield Button("Cancel (esc)", id="form-cancel", compact=True)
                yield Static(Content(self._hint), classes="form-hint")

    def on_mount(self) -> None:
        """Echo prefilled values; a reopened draft shows its problems at once."""
        for spec in self._fields:
            if spec.value:
                self.refresh_field(spec.name)

    # -- reading and checking ----------------------------------------------------------

    def field_text(self, name: str) -> str:
        """The current text of a field, as typed."""
        return self.query_one(f"#{name}", Input).value

    def refresh_field(self, name: str) -> bool:
        """Re-check one field, update its echo line and mark; True when it is valid."""
        field_input = self.query_one(f"#{name}", Input)
        echo_line = self.query_one(f"#{name}-echo", Static)
        try:
            shown = self.check_field(name, field_input.value)
        except InvalidInputError as error:
            field_input.add_class("-bad")
            echo_line.update(Content.styled(safe_text(str(error)), "$error"))
            return False
        field_input.remove_class("-bad")
        echo_line.update(shown)
        return True

    @on(Input.Changed)
    def _field_changed(self, event: Input.Changed) -> None:
        """Check the field as it is typed, and the fields that depend on it."""
        name = event.input.id
        if name is None:
            return
        self.refresh_field(name)
        for related in self.related_fields(name):
            self.refresh_field(related)

    def action_field_enter(self) -> None:
        """Enter in a field moves to the next field, and saves from the last one."""
        focused = self.focused
        names = {spec.name for spec in self._fields}
        if not isinstance(focused, Input) or focused.id not in names:
            raise SkipAction()  # a button or a picker has the focus: enter is theirs
        self._enter_in(focused.id)

    @on(Input.Submitted)
    def _field_submitted(self, event: Input.Submitted) -> None:
        """An Input submitted some other way acts as enter in it."""
        event.stop()
        if event.input.id is not None:
            self._enter_in(event.input.id)

    def _enter_in(self, name: str) -> None:
        if self.saves_on_enter(name):
            self.action_save()
        else:
            self.focus_next()

    @on(Button.Pressed, "#form-save")
    def _save_pressed(self) -> None:
        self.action_save()

    @on(Button.Pressed, "#form-cancel")
    def _cancel_pressed(self) -> None:
        self.action_cancel()

    # -- actions -----------------------------------------------------------------------

    def action_save(self) -> None:
        """Save when every field is valid; otherwise say so and focus the first bad field."""
        bad = [spec.name for spec in self._fields if not self.refresh_field(spec.name)]
        form_error = self.query_one("#form-error", Static)
        if bad:
            # Nothing is cleared: the user fixes the marked field and saves again.
            count = "field" if len(bad) == 1 else f"{len(bad)} fields"
            form_error.update(Content.styled(f"Not saved: fix the marked {count} first.", "$error"))
            self.query_one(f"#{bad[0]}", Input).focus()
            return
        self.dismiss(self.build_result())

    def action_cancel(self) -> None:
        """Close without a result."""
        self.dismiss(None)
