"""What kanban_pipe.ui.textual_internals relies on in Textual, pinned: one test per behaviour.

A Textual release that changes one of them fails here, naming it, instead of leaving a
board that repaints too much, keeps a stale scrollbar or prints a traceback.
"""

from __future__ import annotations

import pytest
from textual import events
from textual.app import App, ComposeResult
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.widgets import Static

from kanban_pipe.ui.textual_internals import SteadyScrollView, UncaughtErrorApp

VIEW_HEIGHT = 10


class Boom(Exception):
    """An error nothing in the app catches."""


class Rows(ScrollView):
    """A plain Line API list of blank rows."""

    def render_line(self, y: int) -> Strip:
        return Strip.blank(self.size.width)


class SteadyRows(SteadyScrollView):
    """The same list, as a SteadyScrollView."""

    def render_line(self, y: int) -> Strip:
        return Strip.blank(self.size.width)


class RowsApp(App[None]):
    """A list of rows above a line whose height changes (a layout pass elsewhere)."""

    CSS = f"""
    #rows {{ height: {VIEW_HEIGHT}; scrollbar-size-vertical: 1; }}
    #other {{ height: 1; }}
    """

    def __init__(self, rows: ScrollView) -> None:
        super().__init__()
        self.rows = rows
        rows.id = "rows"

    def compose(self) -> ComposeResult:
        yield self.rows
        yield Static("elsewhere", id="other")


def count_refreshes(widget: object) -> list[int]:
    """Count the calls of `widget.refresh` from now on (the list's length)."""
    calls: list[int] = []
    original = widget.refresh  # type: ignore[attr-defined]

    def counted(*args: object, **kwargs: object) -> object:
        calls.append(1)
        return original(*args, **kwargs)

    widget.refresh = counted  # type: ignore[attr-defined]
    return calls


async def test_a_layout_pass_offers_a_scroll_view_its_viewport_as_virtual_size() -> None:
    # Why SteadyScrollView overrides _size_updated: Textual calls it on every layout pass
    # with the viewport as the virtual size, whatever the widget's own virtual size is.
    offered: list[tuple[Size, Size]] = []

    class Recording(Rows):
        def _size_updated(self, size: Size, virtual_size: Size, container_size: Size,
                          layout: bool = True) -> bool:
            offered.append((size, virtual_size))
            return super()._size_updated(size, virtual_size, container_size, layout)

    rows = Recording()
    app = RowsApp(rows)
    async with app.run_test(size=(40, 20)) as pilot:
        rows.virtual_size = Size(39, 100)
        await pilot.pause()
        offered.clear()
        app.query_one("#other").styles.height = 2  # a layout pass, elsewhere
        await pilot.pause()
        assert offered, "no layout pass reached the scroll view"
        size, virtual_size = offered[-1]
        assert size == Size(40, VIEW_HEIGHT)
        assert virtual_size != rows.virtual_size
        assert virtual_size.height == VIEW_HEIGHT


@pytest.mark.parametrize(("rows", "repaints"), [(Rows, True), (SteadyRows, False)])
async def test_only_a_steady_scroll_views_scrollbar_ignores_layouts_elsewhere(
        rows: type[ScrollView], repaints: bool) -> None:
    widget = rows()
    app = RowsApp(widget)
    async with app.run_test(size=(40, 20)) as pilot:
        if isinstance(widget, SteadyScrollView):
            widget.update_virtual_size(Size(39, 100))
        else:
            widget.virtual_size = Size(39, 100)
        await pilot.pause()
        assert widget.show_vertical_scrollbar
        refreshed = count_refreshes(widget.vertical_scrollbar)
        app.query_one("#other").styles.height = 2
        await pilot.pause()
        assert bool(refreshed) is repaints


async def test_scroll_update_fits_the_scrollbar_to_a_new_virtual_size() -> None:
    # update_virtual_size relies on Widget._scroll_update for what a layout pass would do.
    rows = SteadyRows()
    app = RowsApp(rows)
    async with app.run_test(size=(40, 20)) as pilot:
        rows.update_virtual_size(Size(39, 5))
        await pilot.pause()
        assert not rows.show_vertical_scrollbar
        rows.update_virtual_size(Size(39, 100))  # more rows than fit: a scrollbar appears
        await pilot.pause()
        bar = rows.vertical_scrollbar
        assert rows.show_vertical_scrollbar
        assert (bar.window_virtual_size, bar.window_size) == (100, VIEW_HEIGHT)
        rows.scroll_to(y=90, animate=False, immediate=True)
        rows.update_virtual_size(Size(39, 50))  # fewer rows: the scroll position is clamped
        await pilot.pause()
        assert rows.scroll_y == 50 - VIEW_HEIGHT
        assert bar.window_virtual_size == 50
        rows.update_virtual_size(Size(39, 3))  # all rows fit: the scrollbar goes
        await pilot.pause()
        assert not rows.show_vertical_scrollbar
        assert rows.scroll_y == 0


async def test_the_thumb_compared_is_the_thumb_drawn() -> None:
    # update_virtual_size skips the repaint when thumb() is the same for both heights:
    # that must mean the scrollbar, drawn by Textual, looks the same.
    rows = SteadyRows()
    app = RowsApp(rows)
    heights = [11, 12, 13, 20, 80, 81, 100, 101, 400]
    drawn: dict[int, list[tuple[str, object]]] = {}
    thumbs: dict[int, list[object]] = {}
    async with app.run_test(size=(40, 20)) as pilot:
        for height in heights:
            rows.update_virtual_size(Size(39, height))
            rows.vertical_scrollbar.refresh()  # drawn afresh, whatever update_virtual_size did
            await pilot.pause()
            region = rows.vertical_scrollbar.region
            strips = app.screen._compositor.render_strips()  # what the terminal is sent
            drawn[height] = [(seg.text, seg.style) for y in range(region.y, region.bottom)
                             for seg in strips[y].crop(region.x, region.right)]
            thumbs[height] = rows.thumb(height)
    assert len({str(d) for d in drawn.values()}) > 1, "some heights should move the thumb"
    assert any(thumbs[a] == thumbs[b] for a in heights for b in heights if a != b), \
        "some heights should leave it as it is"
    for first in heights:
        for second in heights:
            same_thumb = thumbs[first] == thumbs[second]
            assert same_thumb is (drawn[first] == drawn[second]), (first, second)


class Failing(Static, can_focus=True):
    """Raises from a key handler, or while drawing once told to."""

    def __init__(self) -> None:
        super().__init__("ok", id="failing")
        self.fail_drawing = False

    def on_key(self, event: events.Key) -> None:
        raise Boom("from a handler")

    def render_line(self, y: int) -> Strip:
        if self.fail_drawing:
            raise Boom("while drawing")
        return super().render_line(y)


class HookApp(UncaughtErrorApp):
    """Records what reaches uncaught_error; keeps it from Textual when told to."""

    def __init__(self, *, handled: bool) -> None:
        super().__init__()
        self.handled = handled
        self.offered: list[Exception] = []

    def compose(self) -> ComposeResult:
        yield Failing()

    def on_mount(self) -> None:
        self.query_one(Failing).focus()

    def uncaught_error(self, error: Exception) -> bool:
        self.offered.append(error)
        if self.handled:
            self.exit(return_code=3)
        return self.handled


async def test_an_error_from_a_handler_reaches_uncaught_error_first() -> None:
    app = HookApp(handled=True)
    async with app.run_test() as pilot:
        await pilot.press("x")
        await pilot.pause()
    assert [str(error) for error in app.offered] == ["from a handler"]
    assert app.return_code == 3  # ours: Textual's own handling was skipped


async def test_an_error_while_drawing_reaches_uncaught_error_first() -> None:
    app = HookApp(handled=True)
    async with app.run_test() as pilot:
        widget = app.query_one(Failing)
        widget.fail_drawing = True
        widget.refresh()
        await pilot.pause()
    assert [str(error) for error in app.offered] == ["while drawing"]
    assert app.return_code == 3


async def test_an_error_left_to_textual_is_reported_by_textual() -> None:
    app = HookApp(handled=False)
    with pytest.raises(Boom):
        async with app.run_test() as pilot:
            await pilot.press("x")
            await pilot.pause()
    assert len(app.offered) == 1
    assert app.return_code == 1
