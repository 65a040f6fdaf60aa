"""A line or two of text, of fixed size, that is replaced now and then (headers, totals)."""

from __future__ import annotations

from collections.abc import Sequence

from textual.content import Content, Span
from textual.widgets import Static


class FixedText(Static):
    """A Static whose size never depends on its text: a new text is drawn without a layout
    pass, and the same text again is not drawn at all (a move changes two column heads)."""

    _shown: tuple[str, Sequence[Span]] | None = None

    def show(self, content: Content) -> None:
        """Show `content` (literal text: Content never runs markup), if it changed."""
        shown = (content.plain, content.spans)
        if shown == self._shown:
            return
        self._shown = shown
        self.update(content, layout=False)
