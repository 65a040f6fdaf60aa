"""An Input that draws control characters as visible stand-ins, never sends them out."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Input

from kanban_pipe.ui.text import safe_text


class SafeInput(Input):
    """Input whose value is drawn through safe_text: ESC shows as ␛, BEL as ␇.

    Textual's Input builds `Text(value)`, and Rich drops BEL/BS/VT/FF/CR there and passes
    ESC and C1 through; safe_text maps each character to exactly one, so the cursor and
    selection offsets still line up with the value, which is kept unchanged.
    """

    @property
    def _value(self) -> Text:
        if self.password:
            return super()._value
        text = Text(safe_text(self.value), no_wrap=True, overflow="ignore", end="")
        if self.highlighter is not None:
            text = self.highlighter(text)
        return text
