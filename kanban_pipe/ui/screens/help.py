"""The help modal: every key with its action, and the legend of the card highlights."""

from __future__ import annotations

import re
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Static

from kanban_pipe.ui.text import plain, safe_text

_CLASS_NAME = re.compile(r"[A-Za-z_-][A-Za-z0-9_-]*")

# The theme colour of each card highlight class, as the board's columns colour them.
HIGHLIGHT_STYLES: dict[str, str] = {
    "overdue": "$error",
    "missing": "$warning",
    "stale": "$primary-lighten-3",
    "closing": "$success",
    "unqualified": "$error-lighten-3",
    "slipping": "$accent",
    "muted": "$text-muted",
    "paused": "$text-muted",
}


def highlight_style(colour: str, theme_names: set[str]) -> str | None:
    """The Content style for a legend colour: a theme variable, or a known highlight class."""
    name = colour.removeprefix("$")
    if name in HIGHLIGHT_STYLES:
        return HIGHLIGHT_STYLES[name]
    if name in theme_names:
        return f"${name}"
    return None


class HelpScreen(ModalScreen[None]):
    """Keys and highlight legend, both handed in by the board so they match its bindings.

    `keys` is a list of (key, action); `legend` a list of (marker text, colour, meaning)
    where the colour is a theme variable name (`warning` or `$warning`) or a CSS class
    that the app's stylesheet colours.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,question_mark", "close", "Close", id="help.close"),
    ]

    DEFAULT_CSS = """
    HelpScreen {
        align: center middle;
    }
    HelpScreen .help-dialog {
        width: 100;
        max-width: 100%;
        height: 90%;
        border: thick $primary;
        background: $surface;
        padding: 0 1;
    }
    HelpScreen .help-title {
        text-style: bold;
        color: $primary;
    }
    HelpScreen .help-section {
        text-style: bold;
        background: $panel;
        margin-top: 1;
    }
    HelpScreen .legend-row {
        height: auto;
    }
    HelpScreen .legend-marker {
        width: 14;
        text-style: bold;
    }
    HelpScreen .legend-meaning {
        width: 1fr;
    }
    HelpScreen .help-hint {
        color: $text-muted;
        dock: bottom;
    }
    """

    def __init__(self, *, keys: list[tuple[str, str]], legend: list[tuple[str, str, str]]) -> None:
        super().__init__()
        self._keys = keys
        self._legend = legend

    def compose(self) -> ComposeResult:
        """Title, the key table and the legend in one scrollable panel."""
        with Vertical(classes="help-dialog"):
            yield Static(Content("kanban-pipe: keys"), classes="help-title")
            with VerticalScroll(id="help-body"):
                yield Static(Content("Keys"), classes="help-section")
                yield Static(self._key_lines(), id="help-keys")
                yield Static(Content("Highlights"), classes="help-section")
                theme_names = set(self.app.get_css_variables())
                for marker, colour, meaning in self._legend:
                    with Horizontal(classes="legend-row"):
                        yield self._marker(marker, colour, theme_names)
                        yield Static(plain(meaning), classes="legend-meaning")
            yield Static(Content("esc / q / ? close · ↑↓ pgup pgdn scroll"), classes="help-hint")

    def _key_lines(self) -> Content:
        """One 'key  action' line per binding, keys aligned."""
        width = max((len(safe_text(key)) for key, _action in self._keys), default=0) + 2
        return Content("\n").join(
            Content.assemble((safe_text(key).ljust(width), "bold $accent"), plain(action))
            for key, action in self._keys
        )

    @staticmethod
    def _marker(marker: str, colour: str, theme_names: set[str]) -> Static:
        """The marker in its theme colour, also tagged with the colour as a CSS class."""
        name = colour.removeprefix("$")
        style = highlight_style(colour, theme_names)
        text = Content.styled(safe_text(marker), style) if style else plain(marker)
        classes = "legend-marker"
        # A class that is not a valid identifier would raise; it is only a styling hook.
        if _CLASS_NAME.fullmatch(name):
            classes += f" {name}"
        return Static(text, classes=classes)

    def action_close(self) -> None:
        """Back to the board."""
        self.dismiss(None)
