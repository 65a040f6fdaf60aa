"""Slipping deals on one small fixed history, on both engines: the same deals flagged on
the board's cards (Pilot), in the review queue, in `standup --format json`, and counted
in `stats --json`.

Days are counted back from today. Lead is left after 5 days by two earlier deals (its
usual time: aged after 14 days); every deal below is in Lead with a next step due in 3 days
and a close date far off, so it is in no other review queue unless said:

- twice: made 10 days ago, its close date pushed twice (8 and 6 days ago): slipping.
- once: made 10 days ago, pushed once (and pulled in once): not slipping.
- worked: made 30 days ago, a call logged 2 days ago: long in Lead while touched, slipping.
- quiet: made 30 days ago, nothing since: stale (in the stale queue), not slipping.
"""

from __future__ import annotations

import json
from datetime import date, timedelta

from kanban_pipe.domain.models import ActivityKind, NextStep
from kanban_pipe.domain.review import Queue
from kanban_pipe.store.review import review_queue, review_stream
from kanban_pipe.store.slipping import slipping_among
from kanban_pipe.store.stats import usual_times
from kanban_pipe.ui.app import create_app
from kanban_pipe.ui.widgets.column import StageColumn
from tests.ui.pilot import press, session
from tests.ui.screen_text import screen_text


def _seed(store) -> dict[str, int]:
    """The history above; the deals' ids by name."""
    today = date.today()
    step = NextStep("Demo", "anna", today + timedelta(days=3))
    far = today + timedelta(days=60)
    for name in ("before 1", "before 2"):
        made = store(days_ago=40).add_deal(name, next_step=step).id
        store(days_ago=35).move_deal(made, "qualified")
        store(days_ago=35).mark_lost(made, "budget cut")
    ids = {}
    ids["twice"] = store(days_ago=10).add_deal("Pushed twice", next_step=step,
                                                expected_close=far).id
    ids["once"] = store(days_ago=10).add_deal("Pushed once", next_step=step,
                                               expected_close=far).id
    store(days_ago=8).edit_deal(ids["twice"], expected_close=far + timedelta(days=10))
    store(days_ago=6).edit_deal(ids["twice"], expected_close=far + timedelta(days=20))
    store(days_ago=8).edit_deal(ids["once"], expected_close=far + timedelta(days=10))
    store(days_ago=6).edit_deal(ids["once"], expected_close=far)  # pulled in: no push
    ids["worked"] = store(days_ago=30).add_deal("Worked long", next_step=step,
                                                 expected_close=far).id
    store(days_ago=2).log_activity(ids["worked"], ActivityKind.CALL, "still keen")
    ids["quiet"] = store(days_ago=30).add_deal("Quiet long", next_step=step,
                                                expected_close=far).id
    return ids


async def test_the_same_deals_slip_on_the_board_in_review_standup_and_stats(run, store
                                                                          ) -> None:
    ids = _seed(store)
    wanted = {ids["twice"], ids["worked"]}
    now = store()
    today = now.today()
    # The store: the rule for given ids, the review queue, the stand-up's stream.
    slips = slipping_among(now, ids.values(), usual_times(now), today)
    assert set(slips) == wanted
    assert slips[ids["twice"]].pushes == 2 and not slips[ids["twice"]].long_in_stage
    assert slips[ids["worked"]].long_in_stage and slips[ids["worked"]].aged_after == 14
    queued = review_queue(now, today=today)
    assert {i.deal.id for i in queued if i.queue is Queue.SLIPPING} == wanted
    assert [i.deal.id for i in queued if i.queue is Queue.STALE] == [ids["quiet"]]
    assert {d.id for q, d, _ in review_stream(now, today=today)
            if q is Queue.SLIPPING} == wanted
    reasons = {i.deal.id: i.reason for i in queued}
    assert reasons[ids["twice"]] == "close date pushed 2 times"
    assert reasons[ids["worked"]] == "30d in Lead (aged after 14d), still touched"
    # The commands.
    standup = json.loads(run("standup", "--format", "json").out)
    assert {deal["id"] for deal in standup["slipping"]} == wanted
    assert [deal["reason"] for deal in standup["slipping"]
            if deal["id"] == ids["twice"]] == ["close date pushed 2 times"]
    stats = json.loads(run("stats", "--json").out)
    assert stats["slipping_deals"] == len(wanted) == 2
    # The board: the two cards and no other say SLIPPING.
    app = create_app(now, today=lambda: today, db_label="slip")
    async with session(app) as pilot:
        text = screen_text(pilot.app)
        assert text.count("SLIPPING") == 2, text
        lead = next(c for c in pilot.app.screen.query(StageColumn) if c.stage.key == "lead")
        assert {i for i in ids.values() if lead.slip(i) is not None} == wanted
        assert set(lead.deal_ids) == set(ids.values())
        # The detail of the first card (the earliest made of those due alike) says why.
        assert lead.current_deal_id == ids["twice"]
        text = await press(pilot, "enter")
        assert "SLIPPING" in text and "close date pushed 2 times" in text, text
