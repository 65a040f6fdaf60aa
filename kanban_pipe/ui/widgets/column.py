"""A stage column as a virtual list: only the cards on screen are loaded and drawn."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from datetime import date
from typing import Self

from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.containers import Vertical
from textual.content import Content
from textual.geometry import Region, Size
from textual.message import Message
from textual.strip import Strip
from textual.widget import Widget

from kanban_pipe.domain.models import Deal, Stage
from kanban_pipe.ui.textual_internals import SteadyScrollView
from kanban_pipe.ui.widgets.card import CARD_HEIGHT, CardStyles, render_card

DealLoader = Callable[[Sequence[int]], Mapping[int, Deal]]

_PREFETCH = 12  # cards loaded beyond the visible ones, so scrolling rarely waits
_CACHE_CARDS = 400


class CardPalette(Widget):
    """The cards' colours, from its component classes; every column draws with them.

    One hidden widget holds them for all columns: as component classes of each column
    they cost thirteen stylesheet passes per column whenever it was styled (mounting,
    the screen's first resume, a hover), and each column worked out the same styles.
    """

    COMPONENT_CLASSES = {
        "card--base", "card--cursor", "card--title", "card--muted", "card--overdue",
        "card--missing", "card--stale", "card--closing", "card--unqualified", "card--today",
        "card--won", "card--hint", "card--cursor-active",
    }

    DEFAULT_CSS = """
    CardPalette { display: none; }
    CardPalette > .card--base { color: $text; }
    CardPalette > .card--cursor { background: $surface-lighten-2; }
    CardPalette > .card--cursor-active { background: $primary 35%; }
    CardPalette > .card--title { text-style: bold; }
    CardPalette > .card--muted { color: $text-muted; }
    CardPalette > .card--overdue { color: $text-error; }
    CardPalette > .card--missing { color: $text-warning; }
    CardPalette > .card--stale { color: $primary-lighten-3; }
    CardPalette > .card--closing { color: $text-success; }
    CardPalette > .card--unqualified { color: $error-lighten-3; }
    CardPalette > .card--today { color: $text-warning; }
    CardPalette > .card--won { color: $text-success; }
    CardPalette > .card--hint { color: $text-muted; text-style: italic; }
    """

    _styles: CardStyles | None = None

    def notify_style_update(self) -> None:
        """Theme changed: the styles are worked out again (columns redraw their cards)."""
        super().notify_style_update()
        self._styles = None

    def card_styles(self) -> CardStyles:
        """The styles of each part of a card (a new object whenever the theme changed)."""
        if self._styles is None:
            get = self.get_component_rich_style

            # Full styles blend translucent theme colours with the background (a partial
            # style would drop the alpha); keep only the part each role needs.
            def colour(name: str) -> Style:
                full = get(name)
                return Style(color=full.color, bold=full.bold, italic=full.italic)

            base = get("card--base")
            self._styles = CardStyles(
                base=base,
                cursor=Style(bgcolor=get("card--cursor").bgcolor),
                cursor_active=Style(bgcolor=get("card--cursor-active").bgcolor),
                title=colour("card--title") + Style(bold=True),
                muted=colour("card--muted"),
                overdue=colour("card--overdue"),
                missing=colour("card--missing"),
                stale=colour("card--stale"),
                closing=colour("card--closing"),
                unqualified=colour("card--unqualified"),
                due_today=colour("card--today"),
                won=colour("card--won"),
                hint=base + Style(color=get("card--hint").color, italic=True),
            )
        return self._styles


class StageColumn(SteadyScrollView, can_focus=False):
    """One stage's cards, drawn with the Line API from a list of deal ids.

    It never takes the focus: the board's keys act on it, and a focus change would
    restyle it and redraw it. Its colours come from the board's CardPalette.
    """

    DEFAULT_CSS = """
    StageColumn {
        height: 1fr;
        scrollbar-size-vertical: 1;
        scrollbar-size-horizontal: 0;
        overflow-x: hidden;
    }
    """

    class CardClicked(Message):
        """The user clicked a card (chain 2 for a double click)."""

        def __init__(self, stage_key: str, index: int, chain: int) -> None:
            super().__init__()
            self.stage_key = stage_key
            self.index = index
            self.chain = chain

    def __init__(
        self, stage: Stage, loader: DealLoader, *, today: Callable[[], date],
        palette: CardPalette, empty_hint: str = "", id: str | None = None,
    ) -> None:
        super().__init__(id=id)
        self.stage = stage
        self._loader = loader
        self._palette = palette
        self._today = today
        self.empty_hint = empty_hint
        self.deal_ids: list[int] = []
        self.cursor = 0
        self.active = False
        self._deals: OrderedDict[int, Deal] = OrderedDict()
        self._strips: dict[int, tuple[int, int, int, list[Strip]]] = {}
        self._styles: CardStyles | None = None
        self._width_key: tuple[object, bool] | None = None
        self._width = 0

    # -- data in -------------------------------------------------------------------

    def show(self, deal_ids: list[int], *, changed: Sequence[int] = (),
             cursor_index: int | None = None) -> None:
        """Show these deals in this order; `changed` ones are reloaded from the loader."""
        self.deal_ids = deal_ids
        for deal_id in changed:
            self._deals.pop(deal_id, None)
            self._strips.pop(deal_id, None)
        if cursor_index is not None:
            self.cursor = cursor_index
        self.cursor = max(0, min(self.cursor, len(deal_ids) - 1))
        height = max(len(deal_ids) * CARD_HEIGHT, 1)
        self.update_virtual_size(Size(self.size.width, height))
        self.refresh()
        if cursor_index is not None:
            self.scroll_to_cursor()

    def preload(self, deals: Mapping[int, Deal]) -> None:
        """Take deals read ahead (the first frame's), so drawing them reads nothing."""
        self._deals.update(deals)

    def forget(self) -> None:
        """Drop every cached deal (after an undo or a change seen from elsewhere)."""
        self._deals.clear()
        self._strips.clear()

    @property
    def current_deal_id(self) -> int | None:
        """The id of the card under the cursor, if any."""
        return self.deal_ids[self.cursor] if self.deal_ids else None

    def current_deal(self) -> Deal | None:
        """The deal under the cursor, loading it if needed."""
        deal_id = self.current_deal_id
        return None if deal_id is None else self._deal_at(self.cursor)

    # -- cursor ---------------------------------------------------------------------

    def move_cursor(self, index: int) -> None:
        """Put the cursor on card `index`, redrawing only the two cards involved."""
        if not self.deal_ids:
            return
        index = max(0, min(index, len(self.deal_ids) - 1))
        old, self.cursor = self.cursor, index
        self.refresh_lines(old * CARD_HEIGHT, CARD_HEIGHT)
        self.refresh_lines(index * CARD_HEIGHT, CARD_HEIGHT)
        self.scroll_to_cursor()

    def scroll_to_cursor(self) -> None:
        """Scroll just enough to keep the cursor's card visible."""
        region = Region(0, self.cursor * CARD_HEIGHT, max(self.size.width, 1), CARD_HEIGHT)
        self.scroll_to_region(region, animate=False, immediate=True)

    def set_active(self, active: bool) -> None:
        """Mark this column as the one the keys act on (its cursor shows brighter).

        A flag read while drawing, not a CSS class: a class would restyle the widget
        and redraw every card on each move between columns.
        """
        if active != self.active:
            self.active = active
            self.refresh_lines(self.cursor * CARD_HEIGHT, CARD_HEIGHT)

    # -- drawing --------------------------------------------------------------------

    def _card_styles(self) -> CardStyles:
        styles = self._palette.card_styles()
        if styles is not self._styles:  # the theme changed: cards are drawn again
            self._styles = styles
            self._strips.clear()
        return styles

    def _deal_at(self, index: int) -> Deal | None:
        deal_id = self.deal_ids[index]
        deal = self._deals.get(deal_id)
        if deal is None:
            first = max(0, self.scroll_offset.y // CARD_HEIGHT - _PREFETCH)
            last = (self.scroll_offset.y + self.size.height) // CARD_HEIGHT + _PREFETCH
            window = {i for i in self.deal_ids[first:last + 1] if i not in self._deals}
            window.add(deal_id)
            self._deals.update(self._loader(sorted(window)))
            while len(self._deals) > _CACHE_CARDS:
                evicted, _ = self._deals.popitem(last=False)
                self._strips.pop(evicted, None)
            deal = self._deals.get(deal_id)
        return deal

    def _line_width(self) -> int:
        # The width of scrollable_content_region, worked out once per size and scrollbar
        # change: it (like `size`) looks the widget up in the screen's map on every access,
        # and this runs for every line drawn.
        key = (self.outer_size, self.show_vertical_scrollbar)
        if key != self._width_key:
            self._width_key = key
            self._width = (self.outer_size.width - self.styles.gutter.width
                           - self.scrollbar_size_vertical)
        return self._width

    def render_line(self, y: int) -> Strip:
        """Draw one line of the column from the card it belongs to."""
        width = self._line_width()
        styles = self._card_styles()
        line_y = y + self.scroll_offset.y
        index, row = divmod(line_y, CARD_HEIGHT)
        if not self.deal_ids:
            hint_lines = self.empty_hint.splitlines()
            if 1 <= y <= len(hint_lines):
                hint = Segment(f" {hint_lines[y - 1]}", styles.hint)
                return Strip([hint]).adjust_cell_length(width, styles.base)
            return Strip.blank(width, styles.base)
        if index >= len(self.deal_ids):
            return Strip.blank(width, styles.base)
        deal = self._deal_at(index)
        if deal is None:  # deleted by someone else since the ids were loaded
            return Strip.blank(width, styles.base)
        # 0: plain, 1: cursor in another column, 2: cursor in the active column.
        look = (2 if self.active else 1) if index == self.cursor else 0
        cached = self._strips.get(deal.id)
        if cached and cached[:3] == (deal.version, look, width):
            strips = cached[3]
        else:
            cursor = styles.cursor_active if look == 2 else styles.cursor
            strips = render_card(deal, self.stage, self._today(), width, styles,
                                 focused=look > 0, cursor=cursor)
            self._strips[deal.id] = (deal.version, look, width, strips)
        return strips[row] if row < len(strips) else Strip.blank(width)

    def on_resize(self, event: events.Resize) -> None:
        """Cards are drawn to the width (cached strips are keyed by it); fit the scrollbar."""
        self.update_virtual_size(Size(event.size.width, max(len(self.deal_ids) * CARD_HEIGHT, 1)))

    def on_click(self, event: events.Click) -> None:
        """Tell the board which card was clicked (a double click opens it)."""
        index = (event.y + self.scroll_offset.y) // CARD_HEIGHT
        if 0 <= index < len(self.deal_ids):
            self.post_message(self.CardClicked(self.stage.key, index, event.chain))


class ColumnBox(Vertical):
    """A stage's box around its header and cards, with the stage name in the top border."""

    _title_line_only = False

    def show_title(self, title: Content) -> None:
        """Put `title` in the top border, drawing again only that line.

        Setting border_title repaints the whole box (every line of its border and
        background), though only the top line shows the title.
        """
        self._title_line_only = True
        try:
            self.border_title = title
        finally:
            self._title_line_only = False

    def refresh(self, *regions: Region, repaint: bool = True, layout: bool = False,
                recompose: bool = False) -> Self:
        """Refresh; while the title alone changes, only the top border line."""
        if self._title_line_only and not regions and not layout and not recompose:
            # Regions are given in content coordinates: the border row sits above them.
            gutter = self.styles.gutter
            regions = (Region(-gutter.left, -gutter.top, self.outer_size.width, 1),)
        return super().refresh(*regions, repaint=repaint, layout=layout, recompose=recompose)
