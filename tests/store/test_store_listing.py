"""Streamed reads for `list` and `standup`: the same deals, order and queues as before."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest

from kanban_pipe.domain.listing import ListingRules
from kanban_pipe.domain.models import DealStatus, NextStep
from kanban_pipe.domain.ordering import BoardFilter, CardOrder, facts_of, sort_key
from kanban_pipe.domain.review import Queue, build_queues
from kanban_pipe.domain.rules import deal_flags
from kanban_pipe.store import PipelineStore
from kanban_pipe.store.bulk import load_demo
from kanban_pipe.store.listing import LIST_ORDERS, listed_deals
from kanban_pipe.store.review import review_queue, review_stream
from kanban_pipe.store.slipping import slipping_among
from kanban_pipe.store.stats import usual_times

# SQL that only SQLite understands (see the brief of the PostgreSQL engine).
SQLITE_ONLY = re.compile(r"json_extract|unixepoch|strftime|julianday|\bdate\(|printf|"
                         r"group_concat|INSERT OR|LIMIT -1|INDEXED BY|\bIS NOT? [^N]",
                         re.IGNORECASE)
ZONES = ("UTC", "Pacific/Kiritimati", "America/Adak", "Europe/Stockholm")


@pytest.fixture
def demo(store: PipelineStore) -> PipelineStore:
    """600 demo deals on the fixed clock, plus text the board's search must escape."""
    load_demo(store, deals=600, seed=4)
    for title in ("100% sure", "a_b deal", "back\\slash"):
        store.add_deal(title, owner="zed", next_step=NextStep("Call", "zed", None))
    return store


@pytest.fixture
def zone(request: pytest.FixtureRequest) -> Iterator[str]:
    """Local time in the parametrized zone."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("TZ", request.param)
        time.tzset()
        yield request.param
    time.tzset()


def ids(deals: Any) -> list[int]:
    return [deal.id for deal in deals]


def test_the_default_listing_is_list_deals(demo: PipelineStore) -> None:
    today = demo.today()
    assert ids(listed_deals(demo, today=today)) == ids(demo.list_deals())
    for statuses in (None, (DealStatus.WON, DealStatus.PAUSED), (DealStatus.LOST,)):
        assert ids(listed_deals(demo, today=today, statuses=statuses)) == ids(
            demo.list_deals(statuses=statuses))
    assert ids(listed_deals(demo, today=today, stage="proposal", owner="erik")) == ids(
        demo.list_deals(stage="proposal", owner="erik"))
    full = {deal.id: deal for deal in demo.list_deals(statuses=None)}
    for row in listed_deals(demo, today=today, statuses=None):
        deal = full[row.id]
        assert (row.title, row.value, row.stage, row.status, row.version) == (
            deal.title, deal.value, deal.stage, deal.status.value, deal.version)


@pytest.mark.parametrize("text", ["fleet", "FLEET", "Anna", "%", "_", "\\", "nord", "zz"])
def test_search_matches_as_the_board_filter(demo: PipelineStore, text: str) -> None:
    wanted = [d.id for d in demo.list_deals() if BoardFilter(text).matches(d)]
    assert ids(listed_deals(demo, today=demo.today(), search=text)) == wanted
    if text == "%":
        assert [d.title for d in listed_deals(demo, today=demo.today(), search=text)] == [
            "100% sure"]


@pytest.mark.parametrize(("order", "card_order"), [
    ("urgency", CardOrder.URGENCY), ("value", CardOrder.VALUE),
    ("close", CardOrder.CLOSE_DATE), ("days", CardOrder.DAYS_IN_STAGE)])
def test_sorts_are_the_board_orders_over_the_whole_list(demo: PipelineStore, order: str,
                                                        card_order: CardOrder) -> None:
    today = demo.today()
    for statuses in ((DealStatus.OPEN,), None):
        deals = demo.list_deals(statuses=statuses)
        wanted = sorted(deals, key=lambda d: sort_key(facts_of(d), card_order,
                                                      today.isoformat()))
        assert ids(listed_deals(demo, today=today, statuses=statuses, order=order)) == ids(
            wanted)


def test_id_order_and_limit(demo: PipelineStore) -> None:
    today = demo.today()
    every = sorted(ids(demo.list_deals()))
    assert ids(listed_deals(demo, today=today, order="id")) == every
    assert ids(listed_deals(demo, today=today, order="id", limit=7)) == every[:7]
    by_value = ids(listed_deals(demo, today=today, order="value"))
    assert ids(listed_deals(demo, today=today, order="value", limit=3)) == by_value[:3]
    assert set(LIST_ORDERS) == {"stage", "urgency", "value", "close", "days", "id"}


@pytest.mark.parametrize("zone", ZONES, indirect=True)
@pytest.mark.parametrize("days_later", [0, 5])
def test_stale_candidates_hold_every_stale_deal(demo: PipelineStore, zone: str,
                                                days_later: int) -> None:
    today = demo.today() + timedelta(days=days_later)
    stages = {stage.key: stage for stage in demo.stages()}
    # Stale as the board flags it: a paused deal whose resume date has come is open again.
    wanted = [d.id for d in demo.list_deals(statuses=None)
              if d.stage and deal_flags(d, stages[d.stage], today).stale]
    rules = ListingRules(demo.stages(), today)
    candidates = list(listed_deals(demo, today=today, statuses=None, stale=True))
    assert [d.id for d in candidates if rules.flags(d).stale] == wanted
    assert len(wanted) > 20 and all(rules.is_open(d) for d in candidates)
    # Read beyond the stale ones: only those within the day's margin, never healthy ones.
    for deal in candidates:
        allowed = stages[deal.stage].stale_after_days
        assert rules.flags(deal).days_since_activity >= allowed - 1, deal


@pytest.mark.parametrize("zone", ZONES, indirect=True)
@pytest.mark.parametrize("days_later", [0, 3, 12])
def test_review_stream_is_the_review_queue(demo: PipelineStore, zone: str,
                                           days_later: int) -> None:
    today = demo.today() + timedelta(days=days_later)
    for owner in (None, "anna", "nobody"):
        streamed = [(queue, deal.id) for queue, deal, _slip in
                    review_stream(demo, today=today, owner=owner)]
        queued = review_queue(demo, today=today, owner=owner)
        assert streamed == [(item.queue, item.deal.id) for item in queued]
    assert len({queue for queue, _ in streamed}) <= 6
    everything = demo.list_deals(statuses=None)
    stages = {stage.key: stage for stage in demo.stages()}
    slips = slipping_among(demo, (d.id for d in everything), usual_times(demo), today)
    # The stream says why a deal is slipping in the slipping queue (the walk keeps it for
    # the others too, where a fix can leave the deal slipping).
    whole = list(review_stream(demo, today=today))
    assert [(i.deal.id, i.slip if i.queue is Queue.SLIPPING else None)
            for i in build_queues(everything, stages, today, slips)] == [
        (deal.id, slip) for _, deal, slip in whole]
    assert any(queue is Queue.SLIPPING for queue, _, _ in whole)


def test_a_paused_deal_joins_the_stream_on_its_resume_date(demo: PipelineStore) -> None:
    today = demo.today()
    paused = demo.add_deal("Parked", expected_close=today + timedelta(days=40))
    demo.pause_deal(paused.id, today + timedelta(days=2))
    assert paused.id not in [d.id for _, d, _ in review_stream(demo, today=today)]
    later = [(q.value, d.id) for q, d, _ in review_stream(demo, today=today + timedelta(2))]
    assert ("no_next_step", paused.id) in later


def test_the_new_sql_runs_on_other_engines_too(demo: PipelineStore,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    captured: list[str] = []
    # The stages' usual times are the statistics' queries (tested on both engines there).
    usual = usual_times(demo)
    monkeypatch.setattr("kanban_pipe.store.review.usual_times", lambda _store: usual)
    stream, query = demo.stream_rows, demo.rows
    monkeypatch.setattr(demo, "stream_rows", lambda sql, params: captured.append(sql)
                        or stream(sql, params))
    monkeypatch.setattr(demo, "rows", lambda sql, params=(): captured.append(sql)
                        or query(sql, params))
    today = demo.today()
    for order in LIST_ORDERS:
        list(listed_deals(demo, today=today, order=order, search="x_", stale=True, limit=3,
                          statuses=(DealStatus.OPEN, DealStatus.WON), owner="anna",
                          stage="lead"))
    list(review_stream(demo, today=today, owner="anna"))
    assert len(captured) > 8
    for sql in captured:
        # The engine-specific words are the engine's own planner hint (none on a server)
        # and its JSON look-up of a pushed close date (store.slipping).
        dialect = demo.engine.dialect
        portable = sql.replace(dialect.no_index, "") if dialect.no_index else sql
        for i in (0, 1):
            portable = portable.replace(dialect.json_item("changes", "expected_close", i), "")
        assert not SQLITE_ONLY.search(portable), sql
        assert "?" not in portable or ":" not in portable  # one placeholder style each
