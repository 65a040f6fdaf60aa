"""How the board reads, and what it has read: the columns' model and which load is newest.

Every read the board makes goes one way: a function of a store, run on a reader thread
with a connection of its own, handed back as a Future. There are two such lanes: whole
columns and sums (up to a second at 100,000 deals) on one, the deals a column asks for on
the other, so a card never waits behind a column read. The first frame's reads start as
the screen is made, before Textual has started (Textual's workers cannot run yet); the
screen waits for them when it mounts, and is handed every later read when it is done.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from typing import TypeVar

from kanban_pipe.domain.models import Activity, Deal, Stage
from kanban_pipe.domain.ordering import BoardFilter, CardOrder, SortKey
from kanban_pipe.domain.rules import Slip
from kanban_pipe.domain.stats import StageTime
from kanban_pipe.store import PipelineStore, StageSum
from kanban_pipe.store.slipping import slipping_among
from kanban_pipe.store.stats import usual_times
from kanban_pipe.ui.board_model import BoardModel, Placed

T = TypeVar("T")

FIRST_PAGE = 40  # cards per column read before the first frame; the rest follow
FIRST_DEALS = 20  # of those, whose deals are read with them (a tall terminal's worth)



class DealsRead(dict[int, Deal | None]):
    """The deals of some cards, by id (None for an id no longer on file, deleted
    meanwhile), and `slips`: why those slipping are (store.slipping; None when not
    looked up: the cards keep what an earlier read said)."""

    def __init__(self, deals: Iterable[tuple[int, Deal | None]] = (),
                 slips: dict[int, Slip] | None = None) -> None:
        super().__init__(deals)
        self.slips = slips


@dataclass(frozen=True, slots=True)
class ColumnLoad:
    """What one read brought: full columns as sorted keys, or first pages as ids; the
    deals of the cards each column shows first; the sums."""

    keys: dict[str, list[SortKey]]
    pages: dict[str, list[int]]
    deals: dict[str, DealsRead]
    sums: list[StageSum] | None
    home_currency: str
    rates: dict[str, Decimal]
    generation: int = 0
    # Which of the deals read are slipping (None: not looked up), and the stages' usual
    # times that was measured by.
    slips: dict[int, Slip] | None = None
    usual: list[StageTime] | None = None


@dataclass(frozen=True, slots=True)
class ColumnRequest:
    """What a reload reads: the columns, their filter and order, and the deals to bring along.

    `windows` are the card indexes each column has on screen (and near it); `around` the
    cards either side of `focus_id`, wherever it lands, whose deals come along too.
    """

    stages: list[Stage]
    order: CardOrder
    board_filter: BoardFilter
    today: date
    windows: dict[str, range] = field(default_factory=dict)
    focus_id: int | None = None
    around: int = 0
    usual: list[StageTime] | None = None  # the stages' usual times, if known already


def read_deals(store: PipelineStore, deal_ids: Iterable[int],
               usual: list[StageTime] | None = None, today: date | None = None) -> DealsRead:
    """The deals of these cards, None for any that is gone, and which are slipping
    (measured against the stages' `usual` times; not looked up without them)."""
    wanted = list(deal_ids)
    found = store.deals_by_ids(wanted)
    slips = (slipping_among(store, wanted, usual, today)
             if usual is not None and today is not None else None)
    return DealsRead(((deal_id, found.get(deal_id)) for deal_id in wanted), slips)


def first_reads(store: PipelineStore, stages: list[Stage], today: date) -> ColumnLoad:
    """What the first frame shows: each column's first page, its first deals, the sums."""
    # The board starts in urgency order, showing everyone's deals: no user needed.
    everyone = BoardFilter("", None)
    pages = {stage.key: store.column_page(stage.key, order=CardOrder.URGENCY,
                                          board_filter=everyone, today=today,
                                          limit=FIRST_PAGE)
             for stage in stages}
    # The deals of the cards on screen too: the columns would ask for them at once.
    # Which are slipping comes with the full columns read after the first frame: the
    # stages' usual times take a scan of the deals (~0.2 s at 100,000).
    deals = {key: read_deals(store, ids[:FIRST_DEALS]) for key, ids in pages.items()}
    return ColumnLoad({}, pages, deals, store.board_sums(everyone, today=today),
                      store.home_currency(), store.exchange_rates())


def read_columns(store: PipelineStore, request: ColumnRequest) -> ColumnLoad:
    """Full columns, the deals of the cards they will show, and the board sums."""
    keys = {stage.key: store.column_keys(stage.key, order=request.order,
                                         board_filter=request.board_filter,
                                         today=request.today)
            for stage in request.stages}
    wanted: dict[str, list[int]] = {}
    for stage_key, column in keys.items():
        ids = [key[-1] for key in column]
        window = request.windows.get(stage_key, range(0))
        shown = ids[window.start:window.stop]
        if request.focus_id is not None and request.focus_id in ids:
            at = ids.index(request.focus_id)
            shown += ids[max(0, at - request.around):at + request.around + 1]
        wanted[stage_key] = list(dict.fromkeys(shown))
    usual = request.usual if request.usual is not None else usual_times(store)
    found = read_deals(store, (deal_id for ids in wanted.values() for deal_id in ids), usual,
                       request.today)
    deals = {key: DealsRead(((deal_id, found[deal_id]) for deal_id in ids), found.slips)
             for key, ids in wanted.items()}
    return ColumnLoad(keys, {}, deals, store.board_sums(request.board_filter,
                                                              today=request.today),
                      store.home_currency(), store.exchange_rates(), slips=found.slips,
                      usual=usual)


class ReadLane:
    """One reader thread with a connection of its own; what is submitted runs in turn."""

    def __init__(self, store: PipelineStore, name: str) -> None:
        self._source = store
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix=name)
        # Opened by the lane's first read, on its thread; used by no other thread.
        self._reader: PipelineStore | None = None

    def submit(self, read: Callable[[PipelineStore], T]) -> Future[T]:
        """Run `read` on this lane's connection, after what was submitted before."""
        return self._executor.submit(self._run, read)

    def _run(self, read: Callable[[PipelineStore], T]) -> T:
        if self._reader is None:
            self._reader = self._source.reader()
        return read(self._reader)

    def close(self) -> None:
        """Drop what has not started, let a running read finish, close the connection."""
        self._executor.shutdown(wait=True, cancel_futures=True)
        if self._reader is not None:
            self._reader.close()
            self._reader = None


class BoardLoader:
    """The board's reads, the model they fill, and which load of each column is newest.

    Reloads run in a thread and may finish out of order, and the board re-places a deal
    it saved in memory without a read: a column only takes a load newer than the one it
    shows (each load, and each placement, is one generation).
    """

    def __init__(self, store: PipelineStore) -> None:
        self._store = store
        self._columns = ReadLane(store, "board-columns")
        self._cards = ReadLane(store, "board-cards")
        self.stages: list[Stage] = []
        self.model = BoardModel([])
        self.generation = 0
        self._shown_generation: dict[str, int] = {}
        self._sums_generation = 0
        self.home_currency = "EUR"
        self.rates: dict[str, Decimal] = {}
        self.pipeline_name = ""
        self._first: Future[ColumnLoad] | None = None
        self._data_version: int | None = None
        self._seen_activity = 0
        # The stages' usual times (the slipping rule's yardstick) and the day they were
        # read for: read once a day, by whichever lane needs them first (a median over
        # the whole history barely moves within a session).
        self._usual: tuple[date, list[StageTime]] | None = None

    @property
    def started(self) -> bool:
        """True once read_ahead has run."""
        return self._first is not None

    def read_ahead(self, today: date) -> None:
        """Read the stages, and start reading what the first frame shows.

        Called as the screen is made (before the app has started), or from compose: the
        reads (10-50 ms, most of it in SQLite, which lets go of the GIL) overlap Textual
        starting up and mounting the widgets; first_load waits for them.
        """
        self.stages = self._store.stages()
        # The header names the pipeline shown once the file has more than one.
        pipelines = self._store.pipelines()
        self.pipeline_name = next((p.name for p in pipelines if p.key == self._store.pipeline),
                                  "") if len(pipelines) > 1 else ""
        self.model = BoardModel([stage.key for stage in self.stages])
        stages = self.stages
        self._first = self._columns.submit(lambda store: first_reads(store, stages, today))

    def first_load(self) -> ColumnLoad:
        """What read_ahead read (waiting for it); raises the store's error if it failed."""
        assert self._first is not None, "read_ahead first"
        return self._first.result()

    def reload(self, request: ColumnRequest) -> Future[ColumnLoad]:
        """Start re-reading whole columns (a new generation)."""
        self.generation += 1
        generation = self.generation

        def read(store: PipelineStore) -> ColumnLoad:
            load = read_columns(store, replace(request, usual=self._usual_for(request.today)))
            if load.usual is not None:
                self._usual = (request.today, load.usual)
            return replace(load, generation=generation)

        return self._columns.submit(read)

    def _usual_for(self, today: date) -> list[StageTime] | None:
        """The stages' usual times if read today already (called on the lanes' threads)."""
        known = self._usual
        return known[1] if known is not None and known[0] == today else None

    def deals(self, deal_ids: list[int], today: date) -> Future[DealsRead]:
        """Start reading the deals of some cards (and whether they are slipping)."""
        def read(store: PipelineStore) -> DealsRead:
            usual = self._usual_for(today)
            if usual is None:
                usual = usual_times(store)
                self._usual = (today, usual)
            return read_deals(store, deal_ids, usual, today)

        return self._cards.submit(read)

    def take(self, load: ColumnLoad) -> dict[str, list[int]]:
        """Take the columns of `load` that are newer than those shown; their ids to show."""
        shown: dict[str, list[int]] = {}
        for stage_key, keys in load.keys.items():
            if load.generation >= self._shown_generation.get(stage_key, 0):
                self._shown_generation[stage_key] = load.generation
                self.model.set_column(stage_key, keys)
                shown[stage_key] = self.model.ids(stage_key)
        shown.update(load.pages)
        return shown

    def take_sums(self, load: ColumnLoad) -> bool:
        """Take the sums of `load` if they are newer than those shown (True if so)."""
        if load.sums is None or load.generation < self._sums_generation:
            return False
        self._sums_generation = load.generation
        self.home_currency, self.rates = load.home_currency, load.rates
        self.model.set_sums((s.stage, s.currency, s.deals, s.value, s.no_value, s.own_value,
                             s.own_weighted) for s in load.sums)
        return True

    def place(self, deal: Deal, *, before: Deal | None, order: CardOrder,
              board_filter: BoardFilter, today: date) -> Placed | None:
        """Re-place a deal the user just changed, in memory (None: a column must be read)."""
        placed = self.model.place(deal, before=before, order=order,
                                  board_filter=board_filter, today=today)
        if placed is None:
            return None
        self.generation += 1
        for stage_key in placed.touched:
            self._shown_generation[stage_key] = self.generation
        self._sums_generation = self.generation
        return placed

    def watch(self) -> None:
        """Note the file as it is now: what others commit later is reported from here."""
        self._data_version = self._store.data_version()
        self._seen_activity = self._store.latest_activity_id()

    def changed_elsewhere(self) -> bool:
        """True, once, when another connection has committed since the last look.

        Cheap enough for a timer (a pragma) and never waits: while this process saves,
        it answers False and looks again next time.
        """
        version = self._store.data_version(wait=False)
        if version is None or version == self._data_version:
            return False
        self._data_version = version
        return True

    def others_activities(self) -> list[tuple[Activity, str, str]]:
        """What other people did since the last look: (activity, deal title, its owner)."""
        changes = self._store.others_activities_since(self._seen_activity)
        if changes:
            self._seen_activity = changes[-1][0].id
        return changes

    def close(self) -> None:
        """Stop reading and close the readers' connections."""
        self._columns.close()
        self._cards.close()
