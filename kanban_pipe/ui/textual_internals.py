"""The Textual internals kanban-pipe relies on: each use here, why, and since which version.

Everything else in kanban_pipe.ui keeps to Textual's public API. The uses below have no
public equivalent; each is pinned by a test in tests/ui/test_textual_internals.py, and
pyproject.toml keeps Textual below its next major release, so a Textual that changes one
of them fails a test here rather than a user's board. Each was checked against the
sources of Textual 7.0.0 to 8.2.8; this package allows Textual 8.x.
"""

from __future__ import annotations

from collections import deque
from time import monotonic
from typing import Any

from rich.segment import Segment
from textual import events
from textual.app import App, ScreenStackError
from textual.dom import DOMNode
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.scrollbar import ScrollBar
from textual.timer import Timer


class UncaughtErrorApp(App[None]):
    """An app that is offered every exception nothing caught, before Textual reports it."""

    def uncaught_error(self, error: Exception) -> bool:
        """Deal with an exception that escaped a handler, a callback or a worker.

        Return True when it is dealt with: Textual then neither prints its traceback nor
        exits on its own account. The default leaves every exception to Textual.
        """
        return False

    # Internal: `App._handle_exception(error)`. Every exception that escapes a message
    # handler, a callback, a layout pass or a worker (as WorkerFailed) arrives here, and
    # Textual has no public hook for it. Unchanged from Textual 7.0.0 to 8.2.8.
    def _handle_exception(self, error: Exception) -> None:
        if not self.uncaught_error(error):
            super()._handle_exception(error)


class KeysInTurnApp(UncaughtErrorApp):
    """An app that hands on the terminal's keys one at a time, each once the last is dealt with.

    Textual forwards a key to the focused widget's queue and moves on to the next one at
    once. A key the widget does not take itself (tab, enter, a board key such as `s`)
    bubbles up queue by queue to the app, where its binding runs; by then the characters
    after it have already gone to the widget that was focused before. So a burst (a paste,
    a fast typist, `tmux send-keys`) of `s`, `Call CFO`, tab, `fri` landed the date in the
    action, or the text on the board. Here a key waits until the one before has passed
    every queue on its way up, and until a screen it opened is mounted (its focus is set
    while it mounts): a burst then acts exactly like the same keys typed slowly.
    """

    # Should a key's way up ever be cut (a widget removed with the marker in its queue),
    # the keys after it go on after this long instead of waiting for ever.
    KEY_TURN_TIMEOUT = 1.0
    # Keys held for work under way (keys_wait) go on after this long, should it hang: a
    # save over a slow network or the statistics of a large pipeline on a slow machine
    # take more than a second, and keys going on meanwhile reach the wrong screen.
    KEY_HOLD_TIMEOUT = 5.0

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._waiting_keys: deque[events.Key] = deque()
        self._key_turn = 0  # which key is on its way; 0 when none is
        self._turns = 0
        self._held_since = 0.0
        self._turn_timer: Timer | None = None
        # When the last key came from the terminal (time.monotonic): how long the user has
        # left the app alone (the board reads the statistics ahead when idle).
        self.last_key_at = 0.0

    def keys_wait(self) -> bool:
        """Whether the next key should wait (e.g. for a save that may open a form)."""
        return False

    async def on_event(self, event: events.Event) -> None:
        """A key from the terminal queues behind one still on its way."""
        # Internal: `Message.is_forwarded`. A key read from the terminal arrives here
        # unforwarded; one bubbling back up from a widget arrives forwarded and is the
        # app's to handle (its bindings) as usual. Unchanged from Textual 7.0.0 to 8.2.8.
        if isinstance(event, events.Key) and not event.is_forwarded:
            self.last_key_at = monotonic()
            self._waiting_keys.append(event)
            if not self._key_turn:
                await self._next_key()
            return
        await super().on_event(event)

    async def _next_key(self) -> None:
        """Hand on the next waiting key, if the screen is ready for it."""
        self._key_turn = 0
        if not self._waiting_keys:
            return
        try:
            screen = self.screen
        except ScreenStackError:  # no screen yet, or no longer: Textual's own handling
            await super().on_event(self._waiting_keys.popleft())
            self.call_later(self._next_key)
            return
        self._turns += 1
        self._key_turn = turn = self._turns
        self._start_turn_timer(turn)
        if self.keys_wait():
            # Held for as long as the work runs, but never longer than the timeout.
            now = monotonic()
            self._held_since = self._held_since or now
            if now - self._held_since < self.KEY_HOLD_TIMEOUT:
                self.set_timer(0.01, lambda: self.call_later(self._end_turn, turn))
                return
        self._held_since = 0.0
        if not screen.is_mounted:
            # A screen just pushed: its focus is set as it mounts; try again after that
            # (its queue's first messages, Compose and Mount, are handled before this).
            self._after(screen, turn)
            return
        key = self._waiting_keys.popleft()
        # Where Textual sends the key (App.on_event): the focused widget, else the screen.
        target: DOMNode = self.focused or screen
        await super().on_event(key)
        if self._key_turn == turn:
            self._after(target, turn)

    def _after(self, node: DOMNode, turn: int) -> None:
        """Follow the key's way up: go on once `node`, then each parent, has handled it."""
        if node is self or node.parent is None or not node.is_attached:
            self.call_later(self._end_turn, turn)
        elif not node.call_later(self._after, node.parent, turn):
            self.call_later(self._end_turn, turn)

    async def _end_turn(self, turn: int) -> None:
        """The key of `turn` has been dealt with: the next one may go."""
        if turn != self._key_turn:
            return  # ended already (by the timeout)
        if self._turn_timer is not None:
            self._turn_timer.stop()
            self._turn_timer = None
        await self._next_key()

    def _start_turn_timer(self, turn: int) -> None:
        if self._turn_timer is not None:
            self._turn_timer.stop()
        # The timer runs its callback in a task of its own: the turn ends on the app's.
        self._turn_timer = self.set_timer(self.KEY_TURN_TIMEOUT,
                                          lambda: self.call_later(self._end_turn, turn))


class SteadyScrollView(ScrollView):
    """A ScrollView that alone decides its virtual size, and so when its scrollbar repaints.

    A Line API widget with thousands of rows (a stage column) sets its virtual size often
    (a card more or less); Textual's own way, assigning `virtual_size`, lays out and
    repaints the whole screen each time, and every layout pass anywhere on the screen
    repaints this widget's scrollbar too.
    """

    def update_virtual_size(self, virtual_size: Size) -> None:
        """Take a new virtual size; repaint the scrollbar only if it would look different.

        With thousands of rows, a row more or less seldom moves the thumb by a visible
        eighth of a cell: then the scrollbar only learns the new size.
        """
        old = self.virtual_size
        if virtual_size == old:
            return
        # Public: set_reactive sets the value without the layout pass a plain assignment runs.
        self.set_reactive(ScrollView.virtual_size, virtual_size)
        height = self.container_size.height
        if (self.show_vertical_scrollbar and min(old.height, virtual_size.height) > height
                and self.thumb(old.height) == self.thumb(virtual_size.height)):
            bar = self.vertical_scrollbar
            bar.set_reactive(ScrollBar.window_virtual_size, virtual_size.height)
            self.scroll_y = self.validate_scroll_y(self.scroll_y)  # fewer rows: clamp
            return
        # Internal: `Widget._scroll_update(virtual_size)` shows or hides the scrollbars for
        # the new size, gives them the new window sizes, repaints them and clamps the
        # scroll position, all without a layout pass. Its public counterpart is assigning
        # `virtual_size`, which lays out the whole screen (and, with _size_updated below,
        # would not even re-fit the scrollbar). In this form since Textual 8.0.0 (which
        # added the checks of scrollbar-size); unchanged to 8.2.8.
        self._scroll_update(virtual_size)

    def thumb(self, virtual_height: int) -> list[Segment]:
        """The vertical scrollbar as Textual would draw it for this virtual height."""
        bar = self.vertical_scrollbar
        # Semi-public: ScrollBarRender is documented as the class a ScrollBar draws with
        # (ScrollBar.renderer), but Textual calls render_bar itself; here it is called
        # directly to compare two thumbs. Its keyword arguments unchanged from Textual
        # 7.0.0 to 8.2.8.
        return list(bar.renderer.render_bar(
            size=bar.size.height, virtual_size=virtual_height, window_size=bar.window_size,
            position=bar.position, thickness=bar.thickness, vertical=True).segments)

    # Internal: `ScrollView._size_updated(size, virtual_size, container_size, layout)`.
    # Each layout pass calls it with the compositor's idea of the virtual size: for a
    # ScrollView without children that is its viewport, never the size set above, so
    # Textual re-fitted and repainted this scrollbar on every layout pass anywhere on the
    # screen (the milestone bar showing, a toast). Only a new size matters here. Unchanged
    # from Textual 7.0.0 to 8.2.8.
    def _size_updated(self, size: Size, virtual_size: Size, container_size: Size,
                      layout: bool = True) -> bool:
        if size == self.outer_size and container_size == self.container_size:
            return False
        return super()._size_updated(size, virtual_size, container_size, layout)
