"""Deals and activities as plain JSON-ready dicts, the shape `--json` output promises."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from kanban_pipe.domain.amounts import format_decimal
from kanban_pipe.domain.models import Activity, Deal, Stage
from kanban_pipe.domain.rules import deal_flags


def _day(day: date | None) -> str | None:
    return day.isoformat() if day is not None else None


def _moment(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def _decimal(minor: int | None, currency: str) -> str | None:
    return None if minor is None else format_decimal(minor, currency)


def deal_to_json(deal: Deal, stage: Stage, today: date) -> dict[str, Any]:
    """One deal with its stored fields and the derived flags as of `today`."""
    flags = deal_flags(deal, stage, today)
    step = deal.next_step
    return {
        "id": deal.id,
        "title": deal.title,
        "organization": deal.organization,
        "contact": deal.contact,
        # `value` stays minor units as it always was; the two beside it say their unit.
        "value": deal.value,
        "value_minor": deal.value,
        "value_decimal": _decimal(deal.value, deal.currency),
        "currency": deal.currency,
        "stage": deal.stage,
        "status": deal.status.value,
        "owner": deal.owner,
        "source": deal.source,
        "expected_close": _day(deal.expected_close),
        "next_step": (
            {"action": step.action, "owner": step.owner, "due": _day(step.due)}
            if step is not None
            else None
        ),
        "last_activity_at": _moment(deal.last_activity_at),
        "stage_entered_at": _moment(deal.stage_entered_at),
        "created_at": _moment(deal.created_at),
        "updated_at": _moment(deal.updated_at),
        "version": deal.version,
        "paused_until": _day(deal.paused_until),
        "lost_reason": deal.lost_reason,
        "qualification": {
            "decision_maker": deal.qualification.decision_maker,
            "need": deal.qualification.need,
            "timeline": deal.qualification.timeline,
        },
        "stale": flags.stale,
        "next_step_state": flags.next_step_state.value,
        "closing_soon": flags.closing_soon,
        "unqualified": flags.unqualified,
        "days_in_stage": flags.days_in_stage,
    }


def activity_to_json(activity: Activity) -> dict[str, Any]:
    """One entry of a deal's activity log."""
    return {
        "id": activity.id,
        "deal_id": activity.deal_id,
        "at": _moment(activity.at),
        "actor": activity.actor,
        "kind": activity.kind.value,
        "detail": activity.detail,
    }
