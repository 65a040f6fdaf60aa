"""A deal without a value (NULL) kept apart from 0 by the store, on both engines (#16 item 4):
written, edited and undone, summed apart on the board, sorted last, left out of averages."""

from __future__ import annotations

from datetime import date

from kanban_pipe.domain.models import Deal
from kanban_pipe.domain.ordering import CardOrder
from kanban_pipe.domain.review import build_queues
from kanban_pipe.domain.stats import compute_stats
from kanban_pipe.store import PipelineStore
from kanban_pipe.store.listing import listed_deals
from kanban_pipe.store.review import review_candidates, review_stream
from kanban_pipe.store.stats import gather_stats

TODAY = date(2026, 11, 25)


def test_no_value_is_written_edited_and_undone_apart_from_zero(store: PipelineStore,
                                                                 raw) -> None:
    unknown = store.add_deal("Size unknown", value=None)
    zero = store.add_deal("Free pilot", value=0)
    assert (unknown.value, zero.value) == (None, 0)
    assert raw.rows("SELECT value FROM deals ORDER BY id") == [{"value": None}, {"value": 0}]
    priced = store.edit_deal(unknown.id, value=12_000)
    assert priced.value == 12_000
    cleared = store.edit_deal(unknown.id, value=None)
    assert cleared.value is None
    store.undo()
    assert store.get_deal(unknown.id).value == 12_000
    store.undo()
    assert store.get_deal(unknown.id).value is None


def test_board_sums_count_the_deals_without_a_value(store: PipelineStore) -> None:
    store.add_deal("a", value=100)
    store.add_deal("b", value=None)
    store.add_deal("c", value=None, currency="USD")
    sums = sorted((s.stage, s.currency, s.deals, s.value, s.no_value)
                  for s in store.board_sums(today=TODAY))
    assert sums == [("lead", "EUR", 2, 100, 1), ("lead", "USD", 1, 0, 1)]


def _values(store: PipelineStore, ids: list[int]) -> list[int | None]:
    deals = store.deals_by_ids(ids)
    return [deals[i].value for i in ids]


def test_sorting_by_value_puts_no_value_last_on_both_engines(store: PipelineStore) -> None:
    for value in (None, 500, 0, None, 9_000, 500):
        store.add_deal(f"Deal {value}", value=value)
    expected = [9_000, 500, 500, 0, None, None]
    full = store.column_deal_ids("lead", order=CardOrder.VALUE, today=TODAY)
    page = store.column_page("lead", order=CardOrder.VALUE, today=TODAY, limit=10)
    assert page == full  # the SQL page and the domain's sort keys agree
    assert _values(store, full) == expected
    assert full[-2:] == [1, 4]  # the deals without a value by id
    listed = list(listed_deals(store, today=TODAY, order="value"))
    assert [d.value for d in listed] == expected


def test_review_orders_no_value_after_every_valued_deal_in_sql_too(store: PipelineStore
                                                                   ) -> None:
    for value in (None, 0, 7_000, None, 300):
        store.add_deal(f"Deal {value}", value=value)  # no next step: one queue, by value
    stages = {stage.key: stage for stage in store.stages()}
    in_python = [item.deal.id for item in
                 build_queues(review_candidates(store, today=TODAY), stages, TODAY)]
    in_sql = [deal.id for _queue, deal, _slip in review_stream(store, today=TODAY)]
    assert in_sql == in_python == [3, 5, 2, 1, 4]


def test_statistics_leave_no_value_out_of_sums_and_averages(store: PipelineStore) -> None:
    won = [store.add_deal("Won big", value=1_000_000), store.add_deal("Won, size unknown",
                                                                     value=None)]
    for deal in won:
        store.mark_won(deal.id)
    store.add_deal("Open unknown", value=None)
    store.add_deal("Open priced", value=40_000)
    stats = compute_stats(gather_stats(store, today=TODAY))
    assert stats.win_rate.won == 2
    # The average is over the one won deal with a value, not 1,000,000 / 2.
    assert stats.win_rate.average_won == 1_000_000
    assert stats.win_rate.won_value.no_value_deals == 1
    assert (stats.pipeline.deals, stats.pipeline.value.amount) == (2, 40_000)
    assert stats.pipeline.value.no_value_deals == 1


def test_a_deal_read_back_keeps_none(store: PipelineStore) -> None:
    deal: Deal = store.add_deal("Unknown", value=None)
    assert store.get_deal(deal.id).value is None
    assert store.deals_by_ids([deal.id])[deal.id].value is None
