"""A stage column as a virtual list: only the cards on screen are drawn, from deals handed down."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping
from datetime import date

from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.geometry import Region, Size
from textual.message import Message
from textual.strip import Strip
from textual.widget import Widget

from kanban_pipe.domain.models import Deal, Stage
from kanban_pipe.domain.rules import Slip
from kanban_pipe.ui.textual_internals import SteadyScrollView
from kanban_pipe.ui.widgets.card import CARD_HEIGHT, CardStyles, render_card

# Cards kept read beyond those on screen, either way: when one of them is missing the
# column asks for twice as many, so a cursor moving down finds its cards already read.
PREFETCH = 12
_CACHE_CARDS = 400


class CardPalette(Widget):
    """The cards' colours, from its component classes; every column draws with them.

    One hidden widget holds them for all columns: as component classes of each column
    they cost thirteen stylesheet passes per column whenever it was styled (mounting,
    the screen's first resume, a hover), and each column worked out the same styles.
    """

    COMPONENT_CLASSES = {
        "card--base", "card--cursor", "card--title", "card--muted", "card--overdue",
        "card--missing", "card--stale", "card--closing", "card--unqualified", "card--slipping",
        "card--today",
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
    CardPalette > .card--slipping { color: $text-accent; }
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
                slipping=colour("card--slipping"),
                due_today=colour("card--today"),
                won=colour("card--won"),
                hint=base + Style(color=get("card--hint").color, italic=True),
            )
        return self._styles


class StageColumn(SteadyScrollView, can_focus=False):
    """One stage's cards, drawn with the Line API from a list of deal ids.

    It reads nothing itself: its screen hands it the ids to show and the deals behind them,
    and it asks (DealsWanted) for the deals of cards coming into view that it does not
    have, drawing a placeholder until they come. It never takes the focus: the board's
    keys act on it, and a focus change would restyle it and redraw it. Its colours come
    from the board's CardPalette.
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

    class DealsWanted(Message):
        """The column needs these deals to draw its cards: read them, then add_deals."""

        def __init__(self, column: StageColumn, deal_ids: list[int]) -> None:
            super().__init__()
            self.column = column
            self.deal_ids = deal_ids

    def __init__(
        self, stage: Stage, *, today: Callable[[], date], palette: CardPalette,
        empty_hint: str = "", id: str | None = None,
    ) -> None:
        super().__init__(id=id)
        self.stage = stage
        self._palette = palette
        self._today = today
        self.empty_hint = empty_hint
        self.deal_ids: list[int] = []
        self.cursor = 0
        self.active = False
        self._deals: OrderedDict[int, Deal] = OrderedDict()
        self._slips: dict[int, Slip] = {}  # the slipping deals among those read
        self._gone: set[int] = set()  # read, and no longer on file (deleted elsewhere)
        self._doubtful: set[int] = set()  # held from before forget(): drawn, asked again
        self._asked: set[int] = set()  # asked for and not handed down yet
        self._asking_soon = False  # an ask for the cards near the screen, after this frame
        self._strips: dict[int, tuple[int, int, int, list[Strip]]] = {}
        self._styles: CardStyles | None = None
        self._width_key: tuple[object, bool] | None = None
        self._width = 0

    # -- data in -------------------------------------------------------------------

    def show(self, deal_ids: list[int], *, changed: Iterable[Deal] = (),
             cursor_index: int | None = None) -> None:
        """Show these deals in this order; `changed` are new versions of some of them."""
        self.deal_ids = deal_ids
        fresh = {deal.id: deal for deal in changed}
        for deal_id in fresh:
            self._strips.pop(deal_id, None)
        self._take(fresh)
        if cursor_index is not None:
            self.cursor = cursor_index
        self.cursor = max(0, min(self.cursor, len(deal_ids) - 1))
        height = max(len(deal_ids) * CARD_HEIGHT, 1)
        self.update_virtual_size(Size(self.size.width, height))
        self.refresh()
        if cursor_index is not None:
            self.scroll_to_cursor()
        self._keep_ahead()

    def add_deals(self, deals: Mapping[int, Deal | None],
                  slips: Mapping[int, Slip] | None = None) -> None:
        """Take deals read for this column (None: no longer on file); redraw those on screen.

        `slips`: which of them the read found slipping (the others are not); None keeps
        what an earlier read said.
        """
        if slips is not None:
            for deal_id in deals:
                slip = slips.get(deal_id)
                if self._slips.get(deal_id) != slip:
                    self._strips.pop(deal_id, None)
                    if slip is None:
                        del self._slips[deal_id]
                    else:
                        self._slips[deal_id] = slip
        self._take(deals)
        on_screen = self.deal_ids[slice(*self._on_screen())]
        if not deals.keys().isdisjoint(on_screen):
            self.refresh()

    def _take(self, deals: Mapping[int, Deal | None]) -> None:
        for deal_id, deal in deals.items():
            self._asked.discard(deal_id)
            held = self._deals.get(deal_id)
            if deal is None:
                # Gone, unless this process has a version of its own that is not in doubt
                # (a read under way while an undo brought the deal back).
                if held is None or deal_id in self._doubtful:
                    self._deals.pop(deal_id, None)
                    self._gone.add(deal_id)
                    self._doubtful.discard(deal_id)
            elif held is None or deal.version >= held.version:
                # Never an older version: a read under way while this process saved the
                # deal brings the version from before.
                self._deals[deal_id] = deal
                self._deals.move_to_end(deal_id)
                self._gone.discard(deal_id)
                self._doubtful.discard(deal_id)
        while len(self._deals) > _CACHE_CARDS:
            evicted, _ = self._deals.popitem(last=False)
            self._strips.pop(evicted, None)
            self._slips.pop(evicted, None)
            self._doubtful.discard(evicted)

    def forget(self) -> None:
        """Hold every deal here in doubt (after an undo or a change seen from elsewhere).

        They are still drawn until read again, but current_deal() no longer hands them
        out, and they are asked for again as they are shown.
        """
        self._doubtful = set(self._deals)
        self._gone.clear()
        self._asked.clear()
        self._strips.clear()

    def card_window(self) -> range:
        """The indexes of the cards on screen and PREFETCH either side: the ones to have."""
        first, stop = self._on_screen()
        return range(max(0, first - PREFETCH), min(len(self.deal_ids), stop + PREFETCH))

    @property
    def cards_on_screen(self) -> int:
        """How many cards the column's height shows at once (at least partly)."""
        return self.container_size.height // CARD_HEIGHT + 2

    def _on_screen(self) -> tuple[int, int]:
        top = int(self.scroll_offset.y)
        return (top // CARD_HEIGHT,
                min(len(self.deal_ids), (top + self.container_size.height) // CARD_HEIGHT + 1))

    def _have(self, deal_id: int) -> bool:
        return (deal_id in self._asked or deal_id in self._gone
                or (deal_id in self._deals and deal_id not in self._doubtful))

    def _keep_ahead(self) -> None:
        """Ask for the cards near the screen that are not here: at once if some are on it,
        else once the frame is drawn (their read then does not compete with drawing it)."""
        first, stop = self._on_screen()
        if not all(map(self._have, self.deal_ids[first:stop])):
            self._ask_for_missing()
        elif not self._asking_soon:
            self._asking_soon = True
            self.call_after_refresh(self._ask_for_missing)

    def _ask_for_missing(self) -> None:
        """Ask for the deals of the cards near the screen that are not here (or in doubt)."""
        self._asking_soon = False
        if not self.deal_ids:
            return
        near = self.card_window()
        have = self._have
        ids = self.deal_ids
        if all(have(ids[index]) for index in near):
            return
        first, stop = self._on_screen()
        ahead = ids[max(0, first - 2 * PREFETCH):stop + 2 * PREFETCH]
        wanted = [deal_id for deal_id in ahead if not have(deal_id)]
        self._asked.update(wanted)
        self.post_message(self.DealsWanted(self, wanted))

    @property
    def current_deal_id(self) -> int | None:
        """The id of the card under the cursor, if any."""
        return self.deal_ids[self.cursor] if self.deal_ids else None

    def slip(self, deal_id: int) -> Slip | None:
        """Why a deal read for this column is slipping (None: it is not, or not read)."""
        return self._slips.get(deal_id)

    def current_deal(self) -> Deal | None:
        """The deal under the cursor, if it is here and not in doubt (else: read it)."""
        deal_id = self.current_deal_id
        if deal_id is None or deal_id in self._doubtful:
            return None
        return self._deals.get(deal_id)

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

    def cursor_into_view(self) -> None:
        """Keep the focused card on screen when the column becomes the active one.

        The wheel scrolls a column without moving its cursor, and a reload can move the
        cursor's card: the cursor then goes to the first card wholly in view (where the
        user was looking), or the column scrolls to it if no card fits whole.
        """
        if not self.deal_ids:
            return
        top, height = int(self.scroll_offset.y), self.container_size.height
        card_top = self.cursor * CARD_HEIGHT
        # The blank line that ends a card may be cut off; its five lines of text may not.
        if top <= card_top and card_top + CARD_HEIGHT - 1 <= top + height:
            return
        first = -(-top // CARD_HEIGHT)
        if height >= CARD_HEIGHT - 1 and first < len(self.deal_ids):
            self.move_cursor(first)
        else:
            self.scroll_to_cursor()

    def scroll_to_cursor(self) -> None:
        """Scroll just enough to keep the cursor's card visible."""
        region = Region(0, self.cursor * CARD_HEIGHT, max(self.size.width, 1), CARD_HEIGHT)
        self.scroll_to_region(region, animate=False, immediate=True)

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        """Scrolled (by the cursor, the wheel or the scrollbar): ask for the cards coming."""
        super().watch_scroll_y(old_value, new_value)
        self._keep_ahead()

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
        # 0: plain, 1: cursor in another column, 2: cursor in the active column.
        look = (2 if self.active else 1) if index == self.cursor else 0
        deal_id = self.deal_ids[index]
        deal = self._deals.get(deal_id)
        if deal is None:
            if deal_id in self._gone:  # deleted by someone else since the ids were read
                return Strip.blank(width, styles.base)
            if deal_id not in self._asked:
                self._ask_for_missing()
            return self._placeholder(deal_id, row, look, width, styles)
        cached = self._strips.get(deal_id)
        if cached and cached[:3] == (deal.version, look, width):
            strips = cached[3]
        else:
            cursor = styles.cursor_active if look == 2 else styles.cursor
            strips = render_card(deal, self.stage, self._today(), width, styles,
                                 focused=look > 0, cursor=cursor,
                                 slip=self._slips.get(deal_id))
            self._strips[deal_id] = (deal.version, look, width, strips)
        return strips[row] if row < len(strips) else Strip.blank(width)

    def _placeholder(self, deal_id: int, row: int, look: int, width: int,
                     styles: CardStyles) -> Strip:
        """A card whose deal is on its way: its number, dimmed (no card bar, no title)."""
        base = styles.base + (styles.cursor_active if look == 2 else styles.cursor) \
            if look else styles.base
        if row != 0:
            return Strip.blank(width, base if row < CARD_HEIGHT - 1 else styles.base)
        return Strip([Segment(f"  #{deal_id} …", base + styles.muted)]).adjust_cell_length(
            width, base)

    def on_resize(self, event: events.Resize) -> None:
        """Cards are drawn to the width (cached strips are keyed by it); fit the scrollbar."""
        self.update_virtual_size(Size(event.size.width,
                                      max(len(self.deal_ids) * CARD_HEIGHT, 1)))
        self._keep_ahead()

    def on_click(self, event: events.Click) -> None:
        """Tell the board which card was clicked (a double click opens it)."""
        index = (event.y + self.scroll_offset.y) // CARD_HEIGHT
        if 0 <= index < len(self.deal_ids):
            self.post_message(self.CardClicked(self.stage.key, index, event.chain))
