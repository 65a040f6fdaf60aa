"""The first page (SQL order) and the full column (domain sort keys) must agree."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

import pytest

from kanban_pipe.domain.models import NextStep
from kanban_pipe.domain.ordering import BoardFilter, CardOrder
from kanban_pipe.store import open_store

TODAY = date(2026, 11, 25)


@pytest.fixture
def crowded(tmp_path):
    """120 deals in one stage with every kind of next step, value, close date and age."""
    moment = [datetime(2026, 9, 1, 9, 0, tzinfo=UTC)]
    store = open_store(str(tmp_path / "order.db"), user="anna", clock=lambda: moment[0])
    rnd = random.Random(4)
    for i in range(120):
        moment[0] += timedelta(hours=rnd.randint(0, 30))
        due = TODAY + timedelta(days=rnd.randint(-5, 5))
        step = rnd.choice([None, NextStep("call", "anna", due), NextStep("mail", "anna", None)])
        store.add_deal(f"Deal {i}", value=rnd.choice([0, 500, 500, 1200, 99_000]),
                       expected_close=rnd.choice([None, TODAY + timedelta(days=rnd.randint(0, 9))]),
                       next_step=step, owner=rnd.choice(["anna", "erik"]))
    yield store
    store.close()


@pytest.mark.parametrize("order", list(CardOrder))
def test_sql_first_page_matches_the_domain_order(crowded, order: CardOrder) -> None:
    full = crowded.column_deal_ids("lead", order=order, today=TODAY)
    page = crowded.column_page("lead", order=order, today=TODAY, limit=200)
    assert len(full) == 120
    assert page == full


def test_urgency_puts_overdue_then_missing_then_today_then_upcoming(crowded) -> None:
    deals = crowded.deals_by_ids(crowded.column_deal_ids("lead", today=TODAY))
    ordered = [deals[i] for i in crowded.column_deal_ids("lead", today=TODAY)]

    def rank(deal):
        step = deal.next_step
        if step is None:
            return 1
        if step.due is None:
            return 3
        return 0 if step.due < TODAY else 2 if step.due == TODAY else 3

    ranks = [rank(d) for d in ordered]
    assert ranks == sorted(ranks)
    assert set(ranks) == {0, 1, 2, 3}


def test_filtered_page_and_keys_agree(crowded) -> None:
    mine = BoardFilter("", "anna")
    full = crowded.column_deal_ids("lead", board_filter=mine, today=TODAY)
    page = crowded.column_page("lead", board_filter=mine, today=TODAY, limit=10)
    assert page == full[:10]
    assert all(d.owner == "anna" for d in crowded.deals_by_ids(full).values())
