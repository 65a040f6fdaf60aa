"""store.slipping on both engines: the deals it finds by id are those the statistics count,
pushes are later dates saved and not undone, and the board's look-up is indexed."""

from __future__ import annotations

from datetime import date, timedelta

from kanban_pipe.domain.models import ActivityKind
from kanban_pipe.domain.rules import Slip
from kanban_pipe.domain.stats import compute_stats
from kanban_pipe.store.slipping import slipping_among
from kanban_pipe.store.stats import gather_stats, usual_times

TODAY = date(2026, 11, 25)


def test_slipping_by_id_is_what_the_statistics_count(store, clock) -> None:
    # Lead is left after 4 days twice: aged after 14 days there.
    for name in ("one", "two"):
        done = store.add_deal(name).id
        clock.advance(days=4)
        store.move_deal(done, "qualified")
        store.mark_lost(done, "budget cut")
    clock.advance(days=10)
    pushed, pulled, undone, worked, quiet = (
        store.add_deal(name, expected_close=TODAY + timedelta(days=30)).id
        for name in ("pushed", "pulled", "undone", "worked", "quiet"))
    for days in (40, 50):
        store.edit_deal(pushed, expected_close=TODAY + timedelta(days=days))
    for days in (40, 20):  # a push and a pull-in: one push
        store.edit_deal(pulled, expected_close=TODAY + timedelta(days=days))
    for days in (40, 50):
        store.edit_deal(undone, expected_close=TODAY + timedelta(days=days))
    store.undo()  # the second push never happened
    clock.advance(days=20)  # 20 days in Lead now: past its 14
    store.log_activity(worked, ActivityKind.CALL, "still keen")
    clock.advance(days=1)
    today = store.today()
    found = slipping_among(store, [pushed, pulled, undone, worked, quiet, 999],
                           usual_times(store), today)
    # Pushed is long in Lead too, but quiet (an edit is no touch): slipping by its pushes.
    assert found == {pushed: Slip(2, False, 14), worked: Slip(0, True, 14)}
    assert compute_stats(gather_stats(store, today=today)).slipping == len(found) == 2


def test_pushes_of_given_deals_are_read_through_the_edits_index(store, raw) -> None:
    deal = store.add_deal("Pushed", expected_close=TODAY + timedelta(days=5)).id
    captured: list[tuple[str, object]] = []
    original = store.rows
    store.rows = lambda sql, params=(): captured.append((sql, params)) or original(sql, params)
    slipping_among(store, [deal], [], TODAY)
    sql, params = next((s, p) for s, p in captured if "FROM activities" in s)
    conn = raw.connect()  # the plan is SQLite's; the server runs the same SQL above
    plan = " | ".join(row[3] for row in conn.execute("EXPLAIN QUERY PLAN " + sql, params))
    conn.close()
    assert "activities_edits" in plan and "SCAN activities" not in plan.replace(
        "SCAN activities USING COVERING INDEX activities_undoes", ""), plan
