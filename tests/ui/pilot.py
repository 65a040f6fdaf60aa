"""What the UI tests do through the Pilot: open the app, press and wait, fill forms, read.

A test asserts on the screen and the database after each key, so each key is followed by
the store workers it starts and the frames they cause (settle).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from textual import events
from textual.app import App
from textual.keys import _character_to_key
from textual.pilot import Pilot
from textual.widgets import Input

from kanban_pipe.ui.screens.board import BoardScreen
from tests.ui.conftest import settle
from tests.ui.screen_text import screen_text

__all__ = ["BOARD_SIZE", "board_screen", "burst", "fill", "notices", "press", "session",
           "settle"]

BOARD_SIZE = (140, 40)


@asynccontextmanager
async def session(app: App[Any], *, size: tuple[int, int] = BOARD_SIZE,
                  **options: Any) -> AsyncIterator[Pilot[Any]]:
    """Run `app` headless for a test, from once its first reads are shown."""
    async with app.run_test(size=size, **options) as pilot:
        await settle(pilot)
        yield pilot


async def press(pilot: Pilot[Any], *keys: str) -> str:
    """Press keys, settle, and return the screen's text."""
    await pilot.press(*keys)
    await settle(pilot)
    return screen_text(pilot.app)


# The characters the terminal sends for the named keys a burst uses.
_NAMED = {"tab": "\t", "shift+tab": None, "enter": "\r", "escape": "\x1b", "backspace": "\x7f",
          "ctrl+s": "\x13", "space": " "}


def key_event(key: str) -> events.Key:
    """The Key event a terminal produces for `key` (one character, or a named key)."""
    if key in _NAMED:
        return events.Key(key, _NAMED[key])
    assert len(key) == 1, key
    # Textual's own naming of a typed character (its terminal parser calls the same).
    return events.Key(_character_to_key(key), key)


async def burst(pilot: Pilot[Any], *keys: str) -> str:
    """Send keys the way a fast typist, a paste or `tmux send-keys` does: all queued at once,
    none waiting for the one before to be dealt with (Pilot.press waits after each key);
    then settle and return the screen's text."""
    for key in keys:
        pilot.app.post_message(key_event(key))
    await settle(pilot)
    await settle(pilot)
    return screen_text(pilot.app)


async def fill(pilot: Pilot[Any], **fields: str) -> None:
    """Type into the open form's inputs by id, and let their change handlers run."""
    for name, value in fields.items():
        pilot.app.screen.query_one(f"#{name}", Input).value = value
    await pilot.pause()


def notices(app: App[Any], severity: str | None = None) -> list[str]:
    """The notifications raised so far (of one severity, if given), oldest first."""
    return [notification.message for notification in app._notifications
            if severity is None or notification.severity == severity]


def board_screen(app: App[Any]) -> BoardScreen:
    """The board, asserting it is the screen on top."""
    screen = app.screen
    assert isinstance(screen, BoardScreen), screen
    return screen
