"""The board's queries: card order, filters, and which deals a column shows on which day."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from kanban_pipe.domain.models import NextStep
from kanban_pipe.domain.rules import urgency_rank
from kanban_pipe.store import BoardFilter, CardOrder, PipelineStore

TODAY = date(2026, 11, 25)


def step(action: str, due: date | None) -> NextStep:
    return NextStep(action, "anna", due)


@pytest.fixture
def urgency_deals(store: PipelineStore) -> dict[str, int]:
    made = {
        "upcoming far": store.add_deal("A", next_step=step("x", TODAY + timedelta(days=5))),
        "missing": store.add_deal("B"),
        "due today": store.add_deal("C", next_step=step("x", TODAY)),
        "overdue 1d": store.add_deal("D", next_step=step("x", TODAY - timedelta(days=1))),
        "undated": store.add_deal("E", next_step=step("x", None)),
        "upcoming near": store.add_deal("F", next_step=step("x", TODAY + timedelta(days=2))),
        "overdue 9d": store.add_deal("G", next_step=step("x", TODAY - timedelta(days=9))),
        "missing 2": store.add_deal("H"),
    }
    return {name: deal.id for name, deal in made.items()}


def test_urgency_order(store: PipelineStore, urgency_deals):
    ids = store.column_deal_ids("lead", today=TODAY)
    names = {deal_id: name for name, deal_id in urgency_deals.items()}
    assert [names[i] for i in ids] == [
        "overdue 9d", "overdue 1d", "missing", "missing 2", "due today", "upcoming near",
        "upcoming far", "undated",
    ]
    # The SQL order agrees with the domain's rule for the same day.
    deals = store.deals_by_ids(ids)
    by_rule = sorted(ids, key=lambda i: (urgency_rank(deals[i], TODAY), i))
    assert ids == by_rule


def test_urgency_order_depends_on_the_day(store: PipelineStore, urgency_deals):
    later = TODAY + timedelta(days=3)
    ids = store.column_deal_ids("lead", today=later)
    names = {deal_id: name for name, deal_id in urgency_deals.items()}
    assert [names[i] for i in ids][:4] == ["overdue 9d", "overdue 1d", "due today",
                                           "upcoming near"]


def test_value_order(store: PipelineStore):
    small = store.add_deal("small", value=100).id
    big = store.add_deal("big", value=9_000).id
    tie_a = store.add_deal("tie a", value=500).id
    tie_b = store.add_deal("tie b", value=500).id
    assert store.column_deal_ids("lead", order=CardOrder.VALUE, today=TODAY) == [
        big, tie_a, tie_b, small]


def test_close_date_order(store: PipelineStore):
    none = store.add_deal("none").id
    late = store.add_deal("late", expected_close=date(2027, 3, 1)).id
    soon = store.add_deal("soon", expected_close=date(2026, 12, 1)).id
    assert store.column_deal_ids("lead", order=CardOrder.CLOSE_DATE, today=TODAY) == [
        soon, late, none]


def test_days_in_stage_order(store: PipelineStore, clock):
    first = store.add_deal("first", stage="qualified").id
    clock.advance(days=1)
    moved_in_later = store.add_deal("moved in later").id
    clock.advance(days=1)
    second = store.add_deal("second", stage="qualified").id
    clock.advance(days=1)
    store.move_deal(moved_in_later, "qualified")
    assert store.column_deal_ids("qualified", order=CardOrder.DAYS_IN_STAGE, today=TODAY) == [
        first, second, moved_in_later]


def test_manual_order_follows_positions(store: PipelineStore):
    ids = [store.add_deal(f"deal {n}").id for n in range(4)]
    store.reorder_deal(ids[3], -1)
    store.reorder_deal(ids[3], -1)
    assert store.column_deal_ids("lead", order=CardOrder.MANUAL, today=TODAY) == [
        ids[0], ids[3], ids[1], ids[2]]


def test_columns_hold_only_their_stage(store: PipelineStore):
    lead = store.add_deal("in lead").id
    proposal = store.add_deal("in proposal", stage="proposal").id
    assert store.column_deal_ids("lead", today=TODAY) == [lead]
    assert store.column_deal_ids("proposal", today=TODAY) == [proposal]
    assert store.column_deal_ids("qualified", today=TODAY) == []


@pytest.fixture
def people(store: PipelineStore) -> dict[str, int]:
    made = {
        "title": store.add_deal("Nordic Steel upgrade"),
        "org": store.add_deal("Renewal", organization="Steelworks AB"),
        "contact": store.add_deal("Pilot", contact="Eva Steele"),
        "owner": store.add_deal("Expansion", owner="steeler"),
        "none": store.add_deal("Unrelated", organization="Acme", contact="Bo"),
        "percent": store.add_deal("100% uptime"),
        "no percent": store.add_deal("100 uptime"),
        "underscore": store.add_deal("a_b test"),
        "no underscore": store.add_deal("axb test"),
        "backslash": store.add_deal(r"path c:\temp"),
    }
    return {name: deal.id for name, deal in made.items()}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("steel", {"title", "org", "contact", "owner"}),
        ("  STEEL ", {"title", "org", "contact", "owner"}),
        ("steelworks", {"org"}),
        ("eva", {"contact"}),
        ("100%", {"percent"}),
        ("%", {"percent"}),
        ("a_b", {"underscore"}),
        ("_", {"underscore"}),
        ("c:\\t", {"backslash"}),
        ("zzz", set()),
    ],
)
def test_text_filter(store: PipelineStore, people, text, expected):
    ids = store.column_deal_ids("lead", board_filter=BoardFilter(text=text), today=TODAY)
    assert {name for name, deal_id in people.items() if deal_id in ids} == expected
    assert len(ids) == len(expected)


def test_empty_text_filter_shows_everything(store: PipelineStore, people):
    ids = store.column_deal_ids("lead", board_filter=BoardFilter(text="   "), today=TODAY)
    assert sorted(ids) == sorted(people.values())


def test_owner_filter(store: PipelineStore):
    mine = store.add_deal("mine").id
    store.add_deal("erik's", owner="erik")
    also_mine = store.add_deal("also mine", value=5).id
    assert store.column_deal_ids("lead", board_filter=BoardFilter(owner="anna"),
                                 today=TODAY) == [mine, also_mine]
    both = BoardFilter(text="also", owner="anna")
    assert store.column_deal_ids("lead", board_filter=both, today=TODAY) == [also_mine]
    sums = store.board_sums(BoardFilter(owner="anna"), today=TODAY)
    assert [(s.stage, s.deals, s.value) for s in sums] == [("lead", 2, 5)]


def test_paused_deals_hide_until_their_resume_date(store: PipelineStore):
    shown = store.add_deal("shown").id
    paused = store.add_deal("paused").id
    store.pause_deal(paused, date(2026, 12, 10))
    assert store.column_deal_ids("lead", today=TODAY) == [shown]
    assert store.column_deal_ids("lead", today=date(2026, 12, 9)) == [shown]
    assert sorted(store.column_deal_ids("lead", today=date(2026, 12, 10))) == [shown, paused]
    assert sorted(store.column_deal_ids("lead", today=date(2027, 1, 10))) == [shown, paused]


def test_won_deals_show_for_30_days(store: PipelineStore):
    won = store.add_deal("won", stage="commitment").id
    store.mark_won(won)
    for day, expected in [(TODAY, [won]), (TODAY + timedelta(days=30), [won]),
                          (TODAY + timedelta(days=31), []), (TODAY + timedelta(days=90), [])]:
        assert store.column_deal_ids("won", today=day) == expected, day


def test_lost_and_deleted_deals_never_show(store: PipelineStore):
    lost = store.add_deal("lost").id
    store.mark_lost(lost, "no budget")
    deleted = store.add_deal("deleted").id
    store.delete_deal(deleted)
    for day in (TODAY, TODAY + timedelta(days=40), TODAY + timedelta(days=400)):
        assert store.column_deal_ids("lead", today=day) == []
    assert store.board_sums(today=TODAY) == []


def test_board_sums_count_only_visible_deals(store: PipelineStore):
    store.add_deal("a", value=100)
    store.add_deal("b", value=250)
    store.add_deal("c", value=1_000, stage="proposal")
    lost = store.add_deal("d", value=7_000).id
    store.mark_lost(lost, "gone")
    paused = store.add_deal("e", value=3_000).id
    store.pause_deal(paused, date(2026, 12, 1))
    sums = sorted((s.stage, s.currency, s.deals, s.value)
                  for s in store.board_sums(today=TODAY))
    assert sums == [("lead", "EUR", 2, 350), ("proposal", "EUR", 1, 1_000)]
    later = sorted((s.stage, s.deals, s.value)
                   for s in store.board_sums(today=date(2026, 12, 1)))
    assert later == [("lead", 3, 3_350), ("proposal", 1, 1_000)]


def test_deals_by_ids_returns_every_requested_deal(store: PipelineStore):
    conn = store.conn
    conn.execute("BEGIN")
    conn.executemany(  # more than one 500-id chunk, inserted in bulk to keep the test quick
        "INSERT INTO deals (title, value, currency, stage, owner, created_at, updated_at,"
        " stage_entered_at, last_activity_at) VALUES (?, ?, 'EUR', 'lead', 'anna', ?, ?, ?, ?)",
        [(f"deal {n}", n, *["2026-11-25T10:00:00+00:00"] * 4) for n in range(1_200)],
    )
    conn.execute("COMMIT")
    ids = [row[0] for row in conn.execute("SELECT id FROM deals ORDER BY id")]
    found = store.deals_by_ids(ids)
    assert sorted(found) == ids
    assert found[ids[1_100]].value == 1_100
