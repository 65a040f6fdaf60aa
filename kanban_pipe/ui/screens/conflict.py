"""Someone saved the deal you were editing: see their values against yours, then choose."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar, Literal

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from kanban_pipe.domain.conflicts import FieldClash
from kanban_pipe.domain.models import Activity
from kanban_pipe.ui.text import safe_text

Choice = Literal["theirs", "mine", "edit"]

MAX_CELL = 34  # two values, the label and who changed it fit a 100-column dialog
WHO_WORDS = {"both": "you both changed it", "they": "they changed it", "you": "you changed it"}


def _cell(text: str, width: int) -> str:
    text = safe_text(text)
    return text.ljust(width) if len(text) <= width else text[: width - 1] + "…"


def conflict_text(title: str, changes: Sequence[Activity], clashes: Sequence[FieldClash],
                  labels: dict[str, str]) -> Content:
    """Who changed the deal and how, then a table of their values against yours."""
    who = sorted({change.actor for change in changes}) or ["someone"]
    parts: list[str | tuple[str, str]] = [
        "'", (safe_text(title), "bold"), "' was saved by ", (safe_text(", ".join(who)), "bold"),
        " while you were editing it:",
    ]
    for change in changes[-4:]:
        detail = f" ({change.detail})" if change.detail else ""
        parts.append(f"\n  • {safe_text(change.actor)} "
                     f"{change.kind.value.replace('_', ' ')}{safe_text(detail)}")
    if clashes:
        width = min(MAX_CELL, max(len(safe_text(str(v))) for c in clashes
                                  for v in ("Theirs (saved)", c.theirs, c.yours)))
        heading = f"{_cell('Field', 15)}{_cell('Theirs (saved)', width)}  {_cell('Yours', width)}"
        parts += ["\n\n", (heading, "bold")]
        for clash in clashes:
            parts.append(f"\n{_cell(labels.get(clash.name, clash.name), 15)}"
                         f"{_cell(str(clash.theirs), width)}  {_cell(str(clash.yours), width)}  ")
            parts.append((WHO_WORDS[clash.who], "italic"))
    else:
        parts.append("\n\nNone of the fields in your form were changed by them.")
    parts.append("\n\nApply mine saves the fields you changed over their version; "
                 "what only they changed stays.")
    return Content.assemble(*parts)


class ConflictScreen(ModalScreen[Choice]):
    """Keep theirs (t), apply mine (m) or go back to editing (e / esc)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("t", "choose('theirs')", "Keep theirs", id="conflict.theirs"),
        Binding("m", "choose('mine')", "Apply mine", id="conflict.mine"),
        Binding("e,escape", "choose('edit')", "Back to editing", id="conflict.edit"),
    ]

    DEFAULT_CSS = """
    ConflictScreen { align: center middle; background: $background; }
    ConflictScreen > Vertical {
        width: 104; max-width: 100%; height: auto; max-height: 100%;
        border: thick $warning; background: $surface; padding: 0 1;
    }
    ConflictScreen #conflict-title { text-style: bold; color: $warning; padding-bottom: 1; }
    ConflictScreen #conflict-body { height: auto; padding-bottom: 1; }
    ConflictScreen Horizontal { height: auto; align-horizontal: right; }
    ConflictScreen Button { margin-left: 1; }
    """

    def __init__(self, body: Content) -> None:
        super().__init__()
        self._body = body

    def compose(self) -> ComposeResult:
        """The story, the table and the three ways out."""
        with Vertical():
            yield Static(Content("Changed by someone else"), id="conflict-title")
            yield Static(self._body, id="conflict-body")
            with Horizontal():
                yield Button(Content("Keep theirs (t)"), id="theirs")
                yield Button(Content("Apply mine (m)"), id="mine", variant="warning")
                yield Button(Content("Back to editing (e)"), id="edit", variant="primary")

    def on_mount(self) -> None:
        """Going back to editing is the safe default for enter."""
        self.query_one("#edit", Button).focus()

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self.action_choose(event.button.id or "edit")

    def action_choose(self, choice: str) -> None:
        """Leave with the user's choice."""
        self.dismiss(choice)  # type: ignore[arg-type]
