"""The Textual internals kanban-pipe relies on: each use here, why, and since which version.

Everything else in kanban_pipe.ui keeps to Textual's public API. The uses below have no
public equivalent; each is pinned by a test in tests/ui/test_textual_internals.py, and
pyproject.toml keeps Textual below its next major release, so a Textual that changes one
of them fails a test here rather than a user's board. Each was checked against the
sources of Textual 7.0.0 to 8.2.8; this package allows Textual 8.x.
"""

from __future__ import annotations

from rich.segment import Segment
from textual.app import App
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.scrollbar import ScrollBar


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
