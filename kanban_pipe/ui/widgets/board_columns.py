"""The board's row of stage columns: a box per stage, with its head and cards; one is active."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import date
from typing import Self

from textual.app import ComposeResult
from textual.containers import HorizontalScroll, Vertical
from textual.content import Content
from textual.geometry import Region

from kanban_pipe.domain.models import Deal, Stage
from kanban_pipe.domain.rules import Slip
from kanban_pipe.ui.text import plain
from kanban_pipe.ui.widgets.column import CardPalette, StageColumn
from kanban_pipe.ui.widgets.fixed_text import FixedText

MIN_COLUMN_WIDTH = 28


def column_widths(width: int, columns: int) -> list[int]:
    """Each column's width: an equal share, at least MIN_COLUMN_WIDTH (beyond that they
    scroll sideways); the last takes the cells the division leaves over."""
    if not columns:
        return []
    share = max(MIN_COLUMN_WIDTH, width // columns)
    spare = max(0, width - share * columns)
    return [share] * (columns - 1) + [share + spare]


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


class BoardColumns(HorizontalScroll, can_focus=False):
    """One ColumnBox per stage, side by side, scrolling sideways when they do not fit.

    The screen hands down what each column shows (ids, deals, the focus); the columns'
    messages (DealsWanted, CardClicked) go up through here to it. Nothing in it takes the
    focus: a focus change restyles the focused widget's whole subtree, every column with it.
    """

    def __init__(self, stages: Sequence[Stage], *, width: int, today: Callable[[], date],
                 palette: CardPalette, empty_hint: str, id: str | None = None) -> None:
        super().__init__(id=id)
        self.active = 0
        self._stages = list(stages)
        # Known before the first layout: set on the first Resize, they would lay out and
        # draw the whole board a second time before its first frame.
        self._widths = column_widths(width, len(self._stages))
        self._columns = [StageColumn(stage, today=today, palette=palette,
                                     id=f"col-{stage.key}", empty_hint=empty_hint)
                         for stage in self._stages]
        self._by_stage = {column.stage.key: column for column in self._columns}
        self._heads = {stage.key: FixedText(classes="column-header", id=f"head-{stage.key}")
                       for stage in self._stages}

    def compose(self) -> ComposeResult:
        """A box per stage: its name in the border, its head, its cards."""
        for column, width in zip(self._columns, self._widths, strict=True):
            key = column.stage.key
            box = ColumnBox(classes="column-box", id=f"box-{key}")
            box.styles.width = width
            box.border_title = plain(column.stage.name)  # Content: never markup
            with box:
                yield self._heads[key]
                yield column

    @property
    def columns(self) -> list[StageColumn]:
        """The stage columns, left to right."""
        return self._columns

    def column(self, stage_key: str) -> StageColumn:
        """The column of a stage."""
        return self._by_stage[stage_key]

    @property
    def active_column(self) -> StageColumn:
        """The column the keys act on."""
        return self._columns[self.active]

    def fit(self, width: int) -> None:
        """Share `width` between the columns (below MIN_COLUMN_WIDTH each, they scroll)."""
        boxes = [column.parent for column in self._columns]
        for box, share in zip(boxes, column_widths(width, len(boxes)), strict=True):
            assert isinstance(box, ColumnBox)
            if box.styles.width is None or box.styles.width.cells != share:
                box.styles.width = share

    def set_active(self, index: int) -> None:
        """Make column `index` the one the keys act on, and scroll it into view."""
        columns = self._columns
        index = max(0, min(index, len(columns) - 1))
        for i, column in enumerate(columns):
            if (i == index) != column.active:
                column.set_active(i == index)
                # The title shows which column is active: a CSS class on the box would
                # restyle it and everything in it (~15 ms) on every move between columns.
                title = plain(f" {column.stage.name} ")
                box = column.parent
                assert isinstance(box, ColumnBox)
                box.show_title(title.stylize("reverse bold") if i == index
                               else plain(column.stage.name))
        self.active = index
        self.scroll_to_widget(columns[index].parent, animate=False)  # type: ignore[arg-type]
        columns[index].cursor_into_view()

    def show(self, shown: Mapping[str, list[int]], *, changed: Sequence[Deal] = (),
             focus: tuple[str, int] | None = None) -> None:
        """Show these columns' ids; `focus` (stage, index) puts the cursor there, active."""
        for stage_key, ids in shown.items():
            cursor = focus[1] if focus and focus[0] == stage_key else None
            self._by_stage[stage_key].show(ids, changed=changed, cursor_index=cursor)
        if focus is not None:
            self.set_active(next(i for i, column in enumerate(self._columns)
                                 if column.stage.key == focus[0]))

    def add_deals(self, deals: Mapping[str, Mapping[int, Deal | None]],
                  slips: Mapping[int, Slip] | None = None) -> None:
        """Hand each column deals read for it (and which of them are slipping)."""
        for stage_key, stage_deals in deals.items():
            self._by_stage[stage_key].add_deals(stage_deals, slips)

    def show_heads(self, heads: Mapping[str, Content]) -> None:
        """Show each column's head (its deal count and totals)."""
        for stage_key, head in heads.items():
            self._heads[stage_key].show(head)

    def before_reload(self, *, empty_hint: str, forget: bool) -> dict[str, range]:
        """Ready the columns for a re-read; the card indexes each has on screen and near.

        `forget` holds every deal shown in doubt until read again (see StageColumn.forget).
        """
        for column in self._columns:
            column.empty_hint = empty_hint
            if forget:
                column.forget()
        return {column.stage.key: column.card_window() for column in self._columns}

