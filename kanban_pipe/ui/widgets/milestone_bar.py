"""The board's inline confirmation of a forward move: the milestones it claims, y or n."""

from __future__ import annotations

from collections.abc import Callable

from textual import events
from textual.content import Content
from textual.widgets import Static

from kanban_pipe.ui.text import plain, safe_text

YES_LABEL = "Confirm (y)"
NO_LABEL = "Cancel (n)"
_GAP = "   "  # between the two answers


def milestone_question(
    deal_title: str, from_stage: str, to_stage: str, milestones: list[str]
) -> Content:
    """The milestone question ("Move 'X' Lead → Proposal? Confirm that ...") as literal text."""
    parts: list[str | Content | tuple[str, str]] = [
        "Move '",
        (safe_text(deal_title), "bold"),
        "' ",
        plain(from_stage),
        " → ",
        (safe_text(to_stage), "bold"),
        "?",
    ]
    if milestones:
        parts.append("\n\nConfirm that the customer has:")
        for milestone in milestones:
            parts += ["\n  • ", plain(milestone)]
    return Content.assemble(*parts)


class MilestoneBar(Static):
    """A question shown in place over the foot of the board, with its two answers.

    Not a modal screen: pushing and popping one restyles and repaints the whole board
    behind it, which made a confirmed move ~150 ms. The bar sits on a layer of its own,
    so showing it moves nothing. It never takes the focus (a focus change repaints the
    whole screen): the board's screen binds the answer keys and hands them to answer().
    """

    DEFAULT_CSS = """
    MilestoneBar {
        layer: confirm;
        dock: bottom;
        display: none;
        height: auto;
        width: 100%;
        margin-bottom: 1;
        padding: 0 1;
        border: thick $primary;
        border-title-color: $primary;
        border-title-style: bold;
        background: $surface;
    }
    MilestoneBar.-shown { display: block; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.border_title = "Move forward"
        # While it asks: what a confirmation runs, and whether that is under way.
        self._then: Callable[[bool | None], None] | None = None
        self._saving = False

    @property
    def asking(self) -> bool:
        """True from ask() to close(): the board's other keys wait meanwhile."""
        return self._then is not None

    def ask(self, question: Content, then: Callable[[bool | None], None]) -> None:
        """Show `question` (literal text, see milestone_question) with the two answers.

        A confirmation runs `then(True)`; a cancel just closes the bar.
        """
        self._then, self._saving = then, False
        self.update(Content.assemble(
            question, "\n\n", (YES_LABEL, "bold $accent"), _GAP, (NO_LABEL, "bold")))
        self.add_class("-shown")

    def answer(self, confirmed: bool) -> None:
        """Confirm (y, enter, a click on Confirm) or cancel (n, esc, a click on Cancel).

        A confirmed bar stays up, its keys still waiting, until the caller closes it once
        the move is saved: the bar closing and the moved card then make one frame.
        """
        if self._then is None or self._saving:
            return
        if not confirmed:
            self.close()
            return
        self._saving = True
        self._then(True)

    def on_click(self, event: events.Click) -> None:
        """A click on an answer (the last line) answers as its key would."""
        offset = event.get_content_offset(self)
        if offset is None or offset.y != self.content_region.height - 1:
            return
        no_start = len(YES_LABEL) + len(_GAP)
        if offset.x < len(YES_LABEL):
            self.answer(True)
        elif no_start <= offset.x < no_start + len(NO_LABEL):
            self.answer(False)

    def close(self) -> None:
        """Hide the bar (if it asks) and forget its question."""
        if self._then is not None:
            self._then, self._saving = None, False
            self.remove_class("-shown")
