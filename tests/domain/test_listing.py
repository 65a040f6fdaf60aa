"""Stored deals in bulk: the same flags, markers, local days and JSON as for a Deal."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest

from kanban_pipe.domain.demo import generate_demo
from kanban_pipe.domain.listing import ListingRules, LocalDays, StoredDeal, local_day
from kanban_pipe.domain.models import Deal, DealStatus, NextStep, Qualification, Stage
from kanban_pipe.domain.review import Queue, review_reason, stored_reason
from kanban_pipe.domain.rules import Slip, deal_flags, deal_markers, local_date
from kanban_pipe.domain.serialize import DealJsonText, deal_to_json
from kanban_pipe.domain.stages import DEFAULT_STAGES

NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
TODAY = NOW.date()
STAGES = {stage.key: stage for stage in DEFAULT_STAGES}
# Zones whose local day differs from UTC's in every way the tz database has: behind and
# ahead, half and three-quarter hours, a half-hour DST, DST ending at midnight (Sao Paulo
# until 2019) and a skipped calendar day (Apia, 2011-12-30).
ZONES = ("UTC", "Europe/Stockholm", "America/New_York", "Asia/Kolkata", "Asia/Kathmandu",
         "Australia/Lord_Howe", "America/Sao_Paulo", "Pacific/Apia", "Pacific/Kiritimati")
HOSTILE = ('Quote " back\\slash', "tab\tnew\nline\x1b[31m\x07", "\u2028\u2029\u202e",
           "東京 café 🚀", "\ud800 lone", "{curly} %s %d 100%")


def stamp_text(moment: datetime) -> str:
    """A timestamp as the store writes it (store.rows.stamp)."""
    return moment.astimezone(UTC).replace(microsecond=0).isoformat()


def stored(deal: Deal) -> StoredDeal:
    """The deal as the deals table holds it."""
    step = deal.next_step
    facts = deal.qualification
    return StoredDeal(
        deal.id, deal.title, deal.organization, deal.contact, deal.value, deal.currency,
        deal.stage, deal.status.value, deal.owner, deal.source,
        deal.expected_close.isoformat() if deal.expected_close else None,
        step.action if step else None, step.owner if step else None,
        step.due.isoformat() if step and step.due else None,
        deal.paused_until.isoformat() if deal.paused_until else None, deal.lost_reason,
        int(facts.decision_maker), int(facts.need), int(facts.timeline), deal.version,
        stamp_text(deal.created_at), stamp_text(deal.updated_at),
        stamp_text(deal.stage_entered_at), stamp_text(deal.last_activity_at))


@pytest.fixture
def zone(request: pytest.FixtureRequest) -> Iterator[str]:
    """Local time set to the parametrized zone (UTC without one)."""
    name = getattr(request, "param", "UTC")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("TZ", name)
        time.tzset()
        yield name
    time.tzset()


def demo_deals() -> list[Deal]:
    """Demo deals of every status, plus edge cases the demo does not make."""
    deals = list(generate_demo(deals=600, seed=3, now=NOW, stages=DEFAULT_STAGES).deals)
    base = deals[0]
    midnight = datetime(2026, 11, 24, 23, 30, tzinfo=UTC)
    deals += [
        replace(base, id=10_001, next_step=NextStep("Call", "erik", None)),  # undated step
        replace(base, id=10_002, next_step=NextStep("Call", "erik", TODAY)),
        replace(base, id=10_003, status=DealStatus.PAUSED, paused_until=TODAY,
                expected_close=TODAY, next_step=None),  # back on the board today
        replace(base, id=10_004, status=DealStatus.PAUSED, paused_until=TODAY + timedelta(1)),
        replace(base, id=10_005, stage="won", status=DealStatus.OPEN, next_step=None),
        replace(base, id=10_006, stage="commitment", qualification=Qualification(True),
                expected_close=TODAY + timedelta(days=14)),
        replace(base, id=10_007, last_activity_at=midnight, stage_entered_at=midnight,
                expected_close=TODAY + timedelta(days=15)),
        replace(base, id=10_008, last_activity_at=NOW + timedelta(days=2)),  # clock skew
        *(replace(base, id=10_100 + i, title=text, organization=text, contact=text,
                  owner=text, source=text, lost_reason=text,
                  next_step=NextStep(text, text, TODAY)) for i, text in enumerate(HOSTILE)),
    ]
    return deals


@pytest.mark.parametrize("zone", ZONES, indirect=True)
@pytest.mark.parametrize("days_later", [0, 9, 40])
def test_flags_and_markers_are_those_of_the_deal(zone: str, days_later: int) -> None:
    today = TODAY + timedelta(days=days_later)
    rules = ListingRules(DEFAULT_STAGES, today)
    checked = 0
    for deal in demo_deals():
        row = stored(deal)
        flags = rules.flags(row)
        assert flags == deal_flags(deal, STAGES[deal.stage], today), deal.id
        if deal.status is DealStatus.OPEN:
            wanted = [text for text, _ in deal_markers(deal, STAGES[deal.stage], today)]
            assert rules.markers(row, flags) == wanted, deal.id
        found = review_reason(deal, STAGES[deal.stage], today)
        if found is not None:
            queue, reason = found
            assert stored_reason(queue, row, STAGES[deal.stage], today, flags) == reason
            checked += 1
    assert checked > 100  # every queue had deals to compare


def test_flags_count_unusual_stages() -> None:
    stages = (Stage("only", "Only", 1, 50, 0, requires_qualification=True),
              Stage("done", "Done", 2, 100, 3, is_won=True))
    base = replace(demo_deals()[0], stage="only", last_activity_at=NOW - timedelta(days=99))
    for deal in (base, replace(base, stage="done")):
        flags = ListingRules(stages, TODAY).flags(stored(deal))
        assert flags == deal_flags(deal, {s.key: s for s in stages}[deal.stage], TODAY)
        assert not flags.stale  # no stale-after days, or a won stage


@pytest.mark.parametrize("zone", ZONES, indirect=True)
def test_local_days_are_those_of_each_stamp(zone: str) -> None:
    days = LocalDays()
    # Every 37 minutes over two years, and each minute around midnight in every zone.
    start = datetime(2010, 1, 1, tzinfo=UTC)
    moments = [start + timedelta(minutes=37 * i) for i in range(2 * 365 * 24 * 60 // 37)]
    moments += [datetime(2011, 12, 29, 8, tzinfo=UTC) + timedelta(minutes=i)
                for i in range(3 * 24 * 60)]  # Apia skips the 30th
    moments += [datetime(2018, 2, 17, 23, tzinfo=UTC) + timedelta(minutes=i)
                for i in range(8 * 60)]  # Sao Paulo's clocks go back at midnight
    for moment in moments:
        text = stamp_text(moment)
        assert days.day(text) == local_date(moment) == local_day(text), text


@pytest.mark.parametrize("zone", ["Europe/Stockholm"], indirect=True)
def test_local_days_of_stamps_not_written_by_the_store(zone: str) -> None:
    days = LocalDays()
    for text, day in (("2026-11-25 23:30:00", 26), ("2026-11-25T23:30:00.123456+00:00", 26),
                      ("2026-11-25T23:30:00+02:00", 25), ("2026-11-25T23:30:00Z", 26),
                      ("2026-11-25T22:59:59+00:00", 25), ("2026-11-25T23:00:00+00:00", 26)):
        assert days.day(text) == local_day(text) == date(2026, 11, day), text


def _wanted(deal: Deal, **extra: str) -> dict[str, object]:
    return {**deal_to_json(deal, STAGES[deal.stage], TODAY), **extra}


def test_json_text_is_json_dumps_of_deal_to_json() -> None:
    rules = ListingRules(DEFAULT_STAGES, TODAY)
    deals = demo_deals()
    rows = [stored(deal) for deal in deals]
    pretty, line = DealJsonText(indent=2, depth=1), DealJsonText(indent=None)
    listed = "[\n  " + ",\n  ".join(pretty.text(row, rules.flags(row)) for row in rows) + "\n]"
    assert listed == json.dumps([_wanted(d) for d in deals], indent=2, ensure_ascii=False)
    for deal, row in zip(deals, rows, strict=True):
        assert line.text(row, rules.flags(row)) == json.dumps(_wanted(deal),
                                                               ensure_ascii=False)


def test_json_text_nested_deeper_with_extra_keys() -> None:
    rules = ListingRules(DEFAULT_STAGES, TODAY)
    deal = demo_deals()[-1]  # hostile text everywhere
    row = stored(deal)
    text = DealJsonText(indent=2, depth=2, extra=("reason",)).text(
        row, rules.flags(row), HOSTILE[1])
    wanted = json.dumps({"queue": [_wanted(deal, reason=HOSTILE[1])]}, indent=2,
                        ensure_ascii=False)
    assert wanted == '{\n  "queue": [\n    ' + text + "\n  ]\n}"


def test_json_text_of_timestamps_and_dates_written_elsewhere() -> None:
    rules = ListingRules(DEFAULT_STAGES, TODAY)
    deal = demo_deals()[0]
    row = stored(deal)._replace(created_at="2026-11-01 09:30:00",
                                updated_at="2026-11-01T09:30:00.250000+00:00",
                                last_activity_at="2026-11-01T10:30:00+01:00",
                                expected_close="20261231")
    data = json.loads(DealJsonText(indent=None).text(row, rules.flags(row)))
    assert data["created_at"] == "2026-11-01T09:30:00+00:00"
    assert data["updated_at"] == "2026-11-01T09:30:00.250000+00:00"
    assert data["last_activity_at"] == "2026-11-01T10:30:00+01:00"
    assert data["expected_close"] == "2026-12-31"


def test_reasons_of_every_queue() -> None:
    rules = ListingRules(DEFAULT_STAGES, TODAY)
    deal = replace(demo_deals()[0], stage="proposal", expected_close=TODAY - timedelta(2),
                   next_step=NextStep("Call back", "anna", TODAY - timedelta(3)),
                   qualification=Qualification(need=True),
                   last_activity_at=NOW - timedelta(days=30))
    row = stored(deal)
    flags = rules.flags(row)
    stage = STAGES["proposal"]
    slip = Slip(3, True, 24)
    assert [stored_reason(queue, row, stage, TODAY, flags, slip) for queue in Queue] == [
        "expected close passed 2d ago (2026-11-23)",
        "no activity for 30d (Proposal allows 10d)",
        "next step 3d overdue: Call back",
        "no next step",
        "in Proposal without decision maker, timeline confirmed",
        f"close date pushed 3 times; {flags.days_in_stage}d in Proposal (aged after 24d),"
        " still touched",
    ]
