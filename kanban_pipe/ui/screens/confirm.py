"""Yes/no modals: the exit-milestone confirmation of a forward move, and a generic question."""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from kanban_pipe.ui.text import plain
from kanban_pipe.ui.widgets.milestone_bar import milestone_question

__all__ = ["ConfirmDialog", "MilestoneConfirm", "milestone_question"]


class ConfirmDialog(ModalScreen[bool]):
    """Ask one question: y or enter answers yes (True), n or esc answers no (False).

    A plain `str` question is shown literally (it usually quotes a deal title); pass
    Content to style parts of it.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "confirm", "Yes", id="confirm.yes"),
        # Enter on a focused button presses that button first; this covers the rest.
        Binding("enter", "confirm", "Yes", show=False, id="confirm.enter"),
        Binding("n,escape", "cancel", "No", id="confirm.no"),
    ]

    DEFAULT_CSS = """
    ConfirmDialog {
        align: center middle;
        /* Opaque: a see-through backdrop makes every frame re-render the whole board
           behind it (Textual's BackgroundScreen), which is most of a confirmed move. */
        background: $background;
    }
    ConfirmDialog .confirm-dialog {
        width: 72;
        max-width: 100%;
        height: auto;
        max-height: 100%;
        border: thick $primary;
        background: $surface;
        padding: 0 1;
    }
    ConfirmDialog .confirm-dialog.-danger {
        border: thick $error;
    }
    ConfirmDialog .confirm-title {
        text-style: bold;
        color: $primary;
        padding-bottom: 1;
    }
    ConfirmDialog .confirm-question {
        height: auto;
        padding-bottom: 1;
    }
    ConfirmDialog .confirm-buttons {
        height: auto;
        align-horizontal: right;
    }
    ConfirmDialog .confirm-buttons Button {
        margin-left: 1;
    }
    """

    def __init__(
        self,
        *,
        question: str | Content,
        title: str = "Please confirm",
        yes_label: str = "Yes (y)",
        no_label: str = "No (n)",
        danger: bool = False,
    ) -> None:
        super().__init__()
        self._question = question if isinstance(question, Content) else plain(question)
        self._title = title
        self._yes_label = yes_label
        self._no_label = no_label
        self._danger = danger

    def compose(self) -> ComposeResult:
        """Title, question and the two answers, yes first so enter confirms."""
        with Vertical(classes="confirm-dialog -danger" if self._danger else "confirm-dialog"):
            yield Static(Content(self._title), classes="confirm-title")
            yield Static(self._question, id="question", classes="confirm-question")
            with Horizontal(classes="confirm-buttons"):
                yield Button(
                    Content(self._yes_label),
                    id="yes",
                    variant="error" if self._danger else "primary",
                )
                yield Button(Content(self._no_label), id="no")

    @on(Button.Pressed, "#yes")
    def action_confirm(self) -> None:
        """Answer yes."""
        self.dismiss(True)

    @on(Button.Pressed, "#no")
    def action_cancel(self) -> None:
        """Answer no."""
        self.dismiss(False)


class MilestoneConfirm(ConfirmDialog):
    """Confirm the exit milestones a forward move claims; True records them, False cancels."""

    def __init__(
        self, *, deal_title: str, from_stage: str, to_stage: str, milestones: list[str]
    ) -> None:
        super().__init__(
            question=milestone_question(deal_title, from_stage, to_stage, milestones),
            title="Move forward",
            yes_label="Confirm (y)",
            no_label="Cancel (n)",
        )
