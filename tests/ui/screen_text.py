"""Read what the terminal shows: the composed screen as plain text lines."""

from __future__ import annotations

from textual.app import App


def screen_lines(app: App) -> list[str]:
    """Every row of the current screen, as the terminal would show it."""
    strips = app.screen._compositor.render_strips()
    return ["".join(segment.text for segment in strip) for strip in strips]


def screen_text(app: App) -> str:
    """The whole screen as one string."""
    return "\n".join(screen_lines(app))
