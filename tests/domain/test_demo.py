"""Tests for the demo pipeline generator: deterministic, realistic, internally consistent."""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest

from kanban_pipe.domain.demo import (
    OWNERS,
    SOURCES,
    DemoPipeline,
    generate_demo,
    iter_demo,
)
from kanban_pipe.domain.errors import InvalidInputError
from kanban_pipe.domain.models import (
    MOVEMENT_KINDS,
    ActivityKind,
    DealStatus,
    QualificationFact,
    Stage,
)
from kanban_pipe.domain.rules import NextStepState, deal_flags
from kanban_pipe.domain.stages import DEFAULT_STAGES

# Wednesday 2026-11-25, 10:00 UTC.
NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
TODAY = NOW.date()
STAGES = {stage.key: stage for stage in DEFAULT_STAGES}
FACT_OF = {"decision_maker": "decision_maker", "need_confirmed": "need",
           "timeline_confirmed": "timeline"}


@pytest.fixture(scope="module")
def demo() -> DemoPipeline:
    """300 deals on the default pipeline, generated once for the module."""
    return generate_demo(deals=300, seed=42, now=NOW, stages=DEFAULT_STAGES)


def history(demo: DemoPipeline) -> dict[int, list]:
    """Each deal's activities, oldest first."""
    by_deal: dict[int, list] = {}
    for entry in demo.activities:
        by_deal.setdefault(entry.deal_id, []).append(entry)
    return by_deal


def test_same_seed_gives_the_same_pipeline() -> None:
    first = generate_demo(deals=120, seed=7, now=NOW, stages=DEFAULT_STAGES)
    second = generate_demo(deals=120, seed=7, now=NOW, stages=DEFAULT_STAGES)
    assert first == second
    assert len(first.deals) == 120 and len(first.activities) > 120


def test_another_seed_gives_another_pipeline() -> None:
    first = generate_demo(deals=50, seed=1, now=NOW, stages=DEFAULT_STAGES)
    second = generate_demo(deals=50, seed=2, now=NOW, stages=DEFAULT_STAGES)
    assert [d.title for d in first.deals] != [d.title for d in second.deals]
    assert first.activities != second.activities


def test_batches_concatenate_to_the_whole_pipeline() -> None:
    whole = generate_demo(deals=95, seed=3, now=NOW, stages=DEFAULT_STAGES)
    parts = list(iter_demo(deals=95, seed=3, now=NOW, stages=DEFAULT_STAGES, batch=20))
    assert [len(part.deals) for part in parts] == [20, 20, 20, 20, 15]
    assert tuple(d for part in parts for d in part.deals) == whole.deals
    assert tuple(a for part in parts for a in part.activities) == whole.activities


def test_every_stage_and_status_is_present(demo: DemoPipeline) -> None:
    assert {deal.stage for deal in demo.deals} == set(STAGES)
    statuses = Counter(deal.status for deal in demo.deals)
    assert set(statuses) == set(DealStatus)
    # A year of a B2B team's deals: about a third still in play, most of the closed lost.
    assert 0.3 * len(demo.deals) < statuses[DealStatus.OPEN] < 0.55 * len(demo.deals)
    assert 0.06 * len(demo.deals) < statuses[DealStatus.WON] < 0.2 * len(demo.deals)
    assert 0.3 * len(demo.deals) < statuses[DealStatus.LOST] < 0.55 * len(demo.deals)
    assert 0.02 * len(demo.deals) < statuses[DealStatus.PAUSED] < 0.06 * len(demo.deals)
    assert all(deal.stage != "won" for deal in demo.deals if deal.status is not DealStatus.WON)


def test_won_deals_sit_in_the_won_stage_and_some_closed_recently(demo: DemoPipeline) -> None:
    won = [deal for deal in demo.deals if deal.status is DealStatus.WON]
    assert all(deal.stage == "won" and deal.closed_at for deal in won)
    assert all(d.status is DealStatus.WON for d in demo.deals if d.stage == "won")
    assert any(NOW - deal.closed_at < timedelta(days=30) for deal in won if deal.closed_at)
    assert any(NOW - deal.closed_at > timedelta(days=30) for deal in won if deal.closed_at)


def test_lost_and_paused_deals_carry_their_reason_and_resume_date(demo: DemoPipeline) -> None:
    lost = [deal for deal in demo.deals if deal.status is DealStatus.LOST]
    paused = [deal for deal in demo.deals if deal.status is DealStatus.PAUSED]
    assert all(deal.lost_reason and deal.closed_at for deal in lost)
    assert len({deal.lost_reason for deal in lost}) >= 3
    assert all(deal.paused_until for deal in paused)
    assert any(deal.paused_until and deal.paused_until > TODAY for deal in paused)
    larger = generate_demo(deals=2000, seed=42, now=NOW, stages=DEFAULT_STAGES)
    returned = [d for d in larger.deals
                if d.status is DealStatus.PAUSED and d.paused_until and d.paused_until <= TODAY]
    assert returned, "a few paused deals should be back on the board by now"


def test_the_board_highlights_all_occur(demo: DemoPipeline) -> None:
    flags = [deal_flags(deal, STAGES[deal.stage], TODAY)
             for deal in demo.deals if deal.status is DealStatus.OPEN]
    states = Counter(flag.next_step_state for flag in flags)
    assert sum(flag.stale for flag in flags) > 0.05 * len(flags)
    assert states[NextStepState.OVERDUE] > 0
    assert states[NextStepState.MISSING] > 0
    assert states[NextStepState.DUE_TODAY] > 0
    assert states[NextStepState.UPCOMING] > 0.3 * len(flags)
    assert sum(flag.closing_soon for flag in flags) > 0
    assert sum(flag.unqualified for flag in flags) > 0
    # Not everything is on fire: most open deals are fine on each count.
    assert sum(flag.stale for flag in flags) < 0.4 * len(flags)


def test_a_stale_deal_can_still_have_a_future_next_step(demo: DemoPipeline) -> None:
    assert any(
        deal_flags(deal, STAGES[deal.stage], TODAY).stale
        and deal.next_step and deal.next_step.due and deal.next_step.due > TODAY
        for deal in demo.deals if deal.status is DealStatus.OPEN
    )


def test_nothing_happens_after_now(demo: DemoPipeline) -> None:
    assert max(entry.at for entry in demo.activities) <= NOW
    for deal in demo.deals:
        moments = [deal.created_at, deal.updated_at, deal.stage_entered_at,
                   deal.last_activity_at]
        assert max(moments) <= NOW, deal.id
        assert deal.closed_at is None or deal.closed_at <= NOW
        assert deal.created_at <= deal.stage_entered_at <= deal.updated_at
        assert deal.created_at > NOW - timedelta(days=400)
    # Only plans lie ahead: due dates, expected closes, resume dates.
    assert any(d.next_step and d.next_step.due and d.next_step.due > TODAY for d in demo.deals)
    assert any(d.expected_close and d.expected_close > TODAY for d in demo.deals)


def test_timestamps_are_whole_seconds_in_utc(demo: DemoPipeline) -> None:
    moments = [entry.at for entry in demo.activities]
    moments += [deal.last_activity_at for deal in demo.deals]
    assert all(m.utcoffset() == timedelta(0) and m.microsecond == 0 for m in moments)


def test_money_is_integer_minor_units_spread_like_real_deals(demo: DemoPipeline) -> None:
    values = [deal.value for deal in demo.deals]
    assert all(type(value) is int and value > 0 for value in values)
    eur = sorted(deal.value for deal in demo.deals if deal.currency == "EUR")
    in_range = [v for v in eur if 2_000_00 <= v <= 500_000_00]
    assert len(in_range) > 0.85 * len(eur)
    assert eur[len(eur) // 2] != eur[len(eur) // 4]  # spread, not one size
    currencies = Counter(deal.currency for deal in demo.deals)
    assert currencies["EUR"] > 0.75 * len(demo.deals)
    assert len(set(currencies) & {"USD", "SEK", "GBP"}) >= 2


def test_home_currency_is_the_usual_one() -> None:
    pipeline = generate_demo(deals=100, seed=5, now=NOW, stages=DEFAULT_STAGES,
                             home_currency="SEK")
    currencies = Counter(deal.currency for deal in pipeline.deals)
    assert currencies.most_common(1)[0][0] == "SEK"


def test_people_organisations_and_sources_vary(demo: DemoPipeline) -> None:
    assert {deal.owner for deal in demo.deals} == set(OWNERS)
    assert {entry.actor for entry in demo.activities} <= set(OWNERS)
    assert {deal.source for deal in demo.deals} == set(SOURCES)
    assert len({deal.organization for deal in demo.deals}) >= 30
    assert all(deal.title.startswith(f"{deal.organization} – ") for deal in demo.deals)
    assert all(len(deal.contact.split()) == 2 for deal in demo.deals)


def test_ids_follow_creation_and_positions_increase_within_a_stage(
    demo: DemoPipeline,
) -> None:
    assert [deal.id for deal in demo.deals] == list(range(1, 301))
    created = [deal.created_at for deal in demo.deals]
    assert created == sorted(created)
    for stage in STAGES:
        positions = [deal.position for deal in demo.deals if deal.stage == stage]
        assert len(positions) == len(set(positions)) and min(positions) >= 1, stage


def test_positions_continue_after_existing_cards() -> None:
    pipeline = generate_demo(deals=40, seed=1, now=NOW, stages=DEFAULT_STAGES,
                             positions_after={"lead": 500})
    assert min(deal.position for deal in pipeline.deals if deal.stage == "lead") > 500


def test_each_history_is_a_replay_of_the_deal(demo: DemoPipeline) -> None:
    order = [stage.key for stage in DEFAULT_STAGES]
    histories = history(demo)
    for deal in demo.deals:
        entries = histories[deal.id]
        assert entries[0].kind is ActivityKind.CREATED
        assert [e.version for e in entries] == list(range(1, len(entries) + 1))
        assert deal.version == len(entries)
        assert [e.at for e in entries] == sorted(e.at for e in entries)
        assert deal.updated_at == entries[-1].at
        assert deal.last_activity_at == max(e.at for e in entries if e.kind in MOVEMENT_KINDS)
        moves = [e for e in entries if e.from_stage]
        assert [(m.from_stage, m.to_stage) for m in moves] == [
            (order[i], order[i + 1]) for i in range(len(moves))]
        assert (moves[-1].to_stage if moves else "lead") == deal.stage
        assert deal.stage_entered_at == (moves[-1].at if moves else deal.created_at)
        step_entries = [e for e in entries if e.kind in (ActivityKind.NEXT_STEP_SET,
                                                         ActivityKind.NEXT_STEP_DONE)]
        open_step = step_entries and step_entries[-1].kind is ActivityKind.NEXT_STEP_SET
        assert bool(open_step) == (deal.next_step is not None), deal.id
        if deal.status is not DealStatus.OPEN:
            closing = {DealStatus.WON: ActivityKind.WON, DealStatus.LOST: ActivityKind.LOST,
                       DealStatus.PAUSED: ActivityKind.PAUSED}[deal.status]
            assert [e.kind for e in entries].count(closing) == 1


def test_moves_carry_the_changes_history_statistics_need(demo: DemoPipeline) -> None:
    for entry in demo.activities:
        changes = json.loads(entry.changes)
        assert json.dumps(changes) == entry.changes  # exactly json.dumps, as the store writes
        if entry.kind in (ActivityKind.MOVED, ActivityKind.WON):
            assert changes["stage"] == [entry.from_stage, entry.to_stage]
            old, new = changes["stage_entered_at"]
            assert old < new == entry.at.isoformat()
            assert changes["last_activity_at"][1] == entry.at.isoformat()
        if entry.kind in MOVEMENT_KINDS - {ActivityKind.CREATED}:
            assert changes["last_activity_at"][1] == entry.at.isoformat()
        if entry.kind is ActivityKind.CREATED:
            assert changes == {"deleted_at": [entry.at.isoformat(), None]}


def test_qualification_follows_the_milestones_passed(demo: DemoPipeline) -> None:
    histories = history(demo)
    for deal in demo.deals:
        entries = histories[deal.id]
        cleared = {key for e in entries if e.kind is ActivityKind.QUALIFIED
                   for key, (_old, new) in json.loads(e.changes).items() if new == 0}
        for move in (e for e in entries if e.from_stage):
            fact = STAGES[move.from_stage].qualifies
            if fact and fact.value not in {FACT_OF[c] for c in cleared}:
                assert getattr(deal.qualification, fact.value), (deal.id, fact)
    # Facts a deal has not reached yet are mostly still open.
    leads = [deal for deal in demo.deals if deal.stage == "lead"]
    assert sum(deal.qualification.timeline for deal in leads) < 0.2 * len(leads)


def test_works_with_a_custom_pipeline_without_a_won_stage() -> None:
    stages = [Stage("new", "New", 1, 10, 5, "Replied", QualificationFact.NEED),
              Stage("talks", "Talks", 2, 50, 0, "Signed", requires_qualification=True)]
    pipeline = generate_demo(deals=60, seed=9, now=NOW, stages=stages)
    assert {deal.stage for deal in pipeline.deals} == {"new", "talks"}
    assert DealStatus.WON not in {deal.status for deal in pipeline.deals}


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"deals": -1}, "0 or more"),
        ({"now": datetime(2026, 11, 25, 10, 0)}, "timezone-aware"),
        ({"stages": [DEFAULT_STAGES[-1]]}, "no open stage"),
    ],
)
def test_refuses_what_it_cannot_generate(options: dict, message: str) -> None:
    arguments = {"deals": 3, "seed": 1, "now": NOW, "stages": DEFAULT_STAGES, **options}
    with pytest.raises(InvalidInputError, match=message):
        generate_demo(**arguments)


def test_zero_deals_is_an_empty_pipeline() -> None:
    assert generate_demo(deals=0, seed=1, now=NOW, stages=DEFAULT_STAGES) == DemoPipeline((), ())
