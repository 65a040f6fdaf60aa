"""Mapping between SQLite rows and domain values (timestamps, dates, deals, stages)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from kanban_pipe.domain.models import (
    Activity,
    ActivityKind,
    Deal,
    DealStatus,
    ForecastCategory,
    NextStep,
    Qualification,
    QualificationFact,
    Stage,
)

DEAL_COLUMNS = (
    "id, title, organization, contact, value, currency, stage, status, owner, source,"
    " expected_close, next_action, next_owner, next_due, paused_until, lost_reason,"
    " decision_maker, need_confirmed, timeline_confirmed, position, version, created_at,"
    " updated_at, stage_entered_at, last_activity_at, closed_at, deleted_at IS NOT NULL,"
    " forecast_category, probability, pipeline"
)

# Qualification facts and the deals columns that hold them.
FACT_COLUMNS = {
    QualificationFact.DECISION_MAKER: "decision_maker",
    QualificationFact.NEED: "need_confirmed",
    QualificationFact.TIMELINE: "timeline_confirmed",
}


def stamp(moment: datetime) -> str:
    """A timestamp as stored: ISO 8601 in UTC to the second, sortable as text."""
    return moment.astimezone(UTC).replace(microsecond=0).isoformat()


def read_stamp(text: str) -> datetime:
    """A stored timestamp back as an aware datetime."""
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def day_text(day: date | None) -> str | None:
    """A date as stored (ISO), or NULL."""
    return day.isoformat() if day else None


def read_day(text: str | None) -> date | None:
    """A stored ISO date, or None."""
    return date.fromisoformat(text) if text else None


def deal_from_row(row: tuple[Any, ...]) -> Deal:
    """A Deal from a row selected with DEAL_COLUMNS."""
    (
        deal_id, title, organization, contact, value, currency, stage, status, owner, source,
        expected_close, next_action, next_owner, next_due, paused_until, lost_reason,
        decision_maker, need, timeline, position, version, created_at, updated_at,
        stage_entered_at, last_activity_at, closed_at, deleted, category, probability,
        pipeline,
    ) = row
    next_step = (
        NextStep(next_action, next_owner or owner, read_day(next_due)) if next_action else None
    )
    return Deal(
        id=deal_id,
        title=title,
        organization=organization,
        contact=contact,
        value=value,
        currency=currency,
        stage=stage,
        status=DealStatus(status),
        owner=owner,
        source=source,
        expected_close=read_day(expected_close),
        next_step=next_step,
        paused_until=read_day(paused_until),
        lost_reason=lost_reason,
        qualification=Qualification(bool(decision_maker), bool(need), bool(timeline)),
        position=position,
        version=version,
        created_at=read_stamp(created_at),
        updated_at=read_stamp(updated_at),
        stage_entered_at=read_stamp(stage_entered_at),
        last_activity_at=read_stamp(last_activity_at),
        closed_at=read_stamp(closed_at) if closed_at else None,
        deleted=bool(deleted),
        forecast_category=ForecastCategory(category) if category else None,
        probability=probability,
        pipeline=pipeline,
    )


STAGE_COLUMNS = (
    "key, name, position, probability, stale_after_days, milestone, qualifies,"
    " requires_qualification, is_won, pipeline"
)


def stage_from_row(row: tuple[Any, ...]) -> Stage:
    """A Stage from a row selected with STAGE_COLUMNS."""
    (key, name, position, probability, stale, milestone, qualifies, requires, is_won,
     pipeline) = row
    return Stage(
        key=key,
        name=name,
        position=position,
        probability=probability,
        stale_after_days=stale,
        milestone=milestone,
        qualifies=QualificationFact(qualifies) if qualifies else None,
        requires_qualification=bool(requires),
        is_won=bool(is_won),
        pipeline=pipeline,
    )


ACTIVITY_COLUMNS = "id, deal_id, at, actor, kind, detail"


def activity_from_row(row: tuple[Any, ...]) -> Activity:
    """An Activity from a row selected with ACTIVITY_COLUMNS."""
    activity_id, deal_id, at, actor, kind, detail = row
    return Activity(activity_id, deal_id, read_stamp(at), actor, ActivityKind(kind), detail)
