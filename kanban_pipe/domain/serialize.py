"""Deals and activities as plain JSON-ready dicts, the shape `--json` output promises."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from json.encoder import encode_basestring
from typing import Any

from kanban_pipe.domain.amounts import format_decimal
from kanban_pipe.domain.listing import StoredDeal, stored_moment
from kanban_pipe.domain.models import Activity, Deal, Stage
from kanban_pipe.domain.rules import DealFlags, NextStepState, deal_flags


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
        # The owner's forecast call and own probability; null: the stage's.
        "forecast_category": deal.forecast_category.value if deal.forecast_category else None,
        "probability": deal.probability,
        "pipeline": deal.pipeline,
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


# -- the same JSON as text, for deals listed in bulk ---------------------------------------

# json.dumps(..., indent=2) runs the pure-Python encoder (~30 µs a deal); a template per
# layout, filled with values encoded by json's own C string encoder, gives the same text.
_STEP_KEYS = ("action", "owner", "due")
_FACT_KEYS = ("decision_maker", "need", "timeline")
# deal_to_json's keys in its order; the two nested objects are named by their keys.
_DEAL_KEYS: tuple[str | tuple[str, tuple[str, ...]], ...] = (
    "id", "title", "organization", "contact", "value", "value_minor", "value_decimal",
    "currency", "stage", "status",
    "owner", "source", "expected_close", ("next_step", _STEP_KEYS), "last_activity_at",
    "stage_entered_at", "created_at", "updated_at", "version", "paused_until",
    "lost_reason", ("qualification", _FACT_KEYS), "stale", "next_step_state",
    "closing_soon", "unqualified", "days_in_stage", "forecast_category", "probability",
    "pipeline",
)
_BOOL = ("false", "true")


def _object(keys: Sequence[str], indent: int | None, depth: int) -> str:
    """A %-template of one JSON object at `depth`, laid out as json.dumps would."""
    if indent is None:
        return "{" + ", ".join(f'"{key}": %s' for key in keys) + "}"
    inner, outer = "\n" + " " * (indent * (depth + 1)), "\n" + " " * (indent * depth)
    return "{" + inner + ("," + inner).join(f'"{key}": %s' for key in keys) + outer + "}"


def _stamp_json(text: str) -> str:
    # Stored stamps are written as '2026-11-25T10:00:00+00:00': that is their isoformat().
    if len(text) == 25 and text[10] == "T" and text[19:] == "+00:00":
        return f'"{text}"'
    return encode_basestring(stored_moment(text).isoformat())


def _day_json(text: str | None) -> str:
    if not text:
        return "null"
    if len(text) == 10:  # stored dates are ISO already
        return f'"{text}"'
    return encode_basestring(date.fromisoformat(text).isoformat())


class DealJsonText:
    """deal_to_json of stored deals as JSON text: `indent` and `depth` as json.dumps lays
    out an object that deep in its output (indent None: one line, as for JSON Lines).

    `extra` names keys that follow the deal's own (standup's `reason`), given as text.
    """

    def __init__(self, indent: int | None = 2, depth: int = 1,
                 extra: Sequence[str] = ()) -> None:
        keys = [key if isinstance(key, str) else key[0] for key in _DEAL_KEYS]
        self._deal = _object([*keys, *extra], indent, depth)
        self._step = _object(_STEP_KEYS, indent, depth + 1)
        facts = _object(_FACT_KEYS, indent, depth + 1)
        # Each fact is 0 or 1 (a CHECK constraint): the eight objects made once.
        self._facts = {(a, b, c): facts % (_BOOL[a], _BOOL[b], _BOOL[c])
                       for a in (0, 1) for b in (0, 1) for c in (0, 1)}
        self._states = {state: f'"{state.value}"' for state in NextStepState}

    def text(self, deal: StoredDeal, flags: DealFlags, *extra: str) -> str:
        """The deal's JSON text; `extra` values are encoded here (strings)."""
        (deal_id, title, organization, contact, value, currency, stage, status, owner, source,
         expected_close, action, next_owner, next_due, paused_until, lost_reason,
         decision_maker, need, timeline, version, created, updated, entered, last, category,
         probability, pipeline) = deal
        enc = encode_basestring
        step = (self._step % (enc(action), enc(next_owner or owner), _day_json(next_due))
                if action else "null")
        # No value (NULL) is null in all three; a deal lost at an unknown stage has none.
        minor = "null" if value is None else value
        decimal = "null" if value is None else enc(format_decimal(value, currency))
        return self._deal % (
            deal_id, enc(title), enc(organization), enc(contact), minor, minor, decimal,
            enc(currency), "null" if stage is None else enc(stage), enc(status), enc(owner),
            enc(source), _day_json(expected_close), step,
            _stamp_json(last), _stamp_json(entered), _stamp_json(created),
            _stamp_json(updated), version, _day_json(paused_until), enc(lost_reason),
            self._facts[decision_maker, need, timeline], _BOOL[flags.stale],
            self._states[flags.next_step_state], _BOOL[flags.closing_soon],
            _BOOL[flags.unqualified], flags.days_in_stage,
            "null" if category is None else enc(category),
            "null" if probability is None else probability, enc(pipeline), *map(enc, extra),
        )
