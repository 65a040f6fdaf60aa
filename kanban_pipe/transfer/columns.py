"""Which file column holds which deal field: kanban-pipe's own names and common CRM exports."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from kanban_pipe.domain.errors import InvalidInputError
from kanban_pipe.store.transfer import OWN_SYSTEM

# kanban-pipe's own export columns, in export order; they are also the field names.
FIELDS: tuple[str, ...] = (
    "id", "title", "organization", "contact", "value", "currency", "stage", "status",
    "owner", "source", "expected_close", "next_action", "next_owner", "next_due",
    "paused_until", "lost_reason", "decision_maker", "need_confirmed", "timeline_confirmed",
    "position", "created_at", "stage_entered_at", "last_activity_at", "closed_at",
    "forecast_category", "probability",
)

# Column names of other exports (compared case-insensitively, runs of spaces as one).
ALIASES: dict[str, str] = {
    # kanban-pipe's JSON export, flattened ("next_step": {"action": ...} -> next_step.action)
    "next_step.action": "next_action", "next_step.owner": "next_owner",
    "next_step.due": "next_due", "qualification.decision_maker": "decision_maker",
    "qualification.need": "need_confirmed", "qualification.timeline": "timeline_confirmed",
    "need": "need_confirmed", "timeline": "timeline_confirmed",
    # Pipedrive
    "deal - id": "id", "deal - title": "title", "deal - value": "value",
    "deal - currency": "currency", "deal - organization": "organization",
    "deal - contact person": "contact", "deal - stage": "stage", "deal - status": "status",
    "deal - owner": "owner", "deal - expected close date": "expected_close",
    "deal - lost reason": "lost_reason", "deal - source channel": "source",
    "deal - deal created": "created_at", "deal - last activity date": "last_activity_at",
    "deal - last stage change": "stage_entered_at", "deal - deal closed on": "closed_at",
    "deal - won time": "won_at", "deal - lost time": "lost_at",
    # HubSpot ("Close Date" is also when a closed deal closed; "Date entered "Stage
    # (Pipeline)"" columns are the stage history, see HISTORY_COLUMN)
    "record id": "id", "deal name": "title", "deal stage": "stage", "amount": "value",
    "close date": "expected_close", "deal owner": "owner", "associated company": "organization",
    "create date": "created_at", "last activity date": "last_activity_at",
    "date entered current stage": "stage_entered_at",
    # Salesforce ("Stage", "Amount" and "Close Date" are shared with the ones above)
    "opportunity id": "id", "opportunity name": "title", "opportunity owner": "owner",
    "account name": "organization", "lead source": "source", "created date": "created_at",
    "last activity": "last_activity_at", "last stage change date": "stage_entered_at",
    "forecast category": "forecast_category", "probability (%)": "probability",
}

# Fields only import reads: when a Pipedrive deal was won, or lost (closed_at of each).
CLOSING_FIELDS = ("won_at", "lost_at")

# HubSpot's stage history: 'Date entered "Qualified To Buy (Sales Pipeline)"', one column
# per stage of each pipeline, in the pipeline's order.
HISTORY_COLUMN = re.compile(r'date entered [\"“”]?(.+?)[\"“”]?')
_PIPELINE_SUFFIX = re.compile(r"(.*\S)\s*\(([^()]*)\)")

# Whose ids an id column holds: kept with the id so a Pipedrive 12 is not a HubSpot 12.
ID_SYSTEMS: dict[str, str] = {
    "id": OWN_SYSTEM, "deal - id": "pipedrive", "record id": "hubspot",
    "opportunity id": "salesforce",
}

# Keys of kanban-pipe's own JSON export that are derived, not data: read past quietly.
DERIVED_KEYS = frozenset({
    "version", "updated_at", "stale", "next_step_state", "closing_soon", "unqualified",
    "days_in_stage", "activities", "next_step", "qualification",
    "value_minor", "value_decimal",  # `value` again, in words that say its unit
    # The JSON export's name of a deal's pipeline; its `pipeline` column, like a CRM's,
    # is listed as ignored: an import goes into the pipeline it is given (--pipeline).
    "pipeline_name",
})

IGNORE = ("", "-", "ignore")


def normalise(header: str) -> str:
    """A column name as compared: case-folded, trimmed, inner whitespace collapsed."""
    return " ".join(str(header).casefold().split())


@dataclass(frozen=True, slots=True)
class ColumnPlan:
    """Where each recognised field sits in a row, and what was left unread."""

    index: dict[str, int]
    header: dict[str, str]
    ignored: tuple[str, ...] = ()
    id_system: str | None = None
    hash_columns: tuple[int, ...] = field(default_factory=tuple)
    # Stage history columns: (stage name, pipeline name or None, column), in file order.
    history: tuple[tuple[str, str | None, int], ...] = ()


def parse_pairs(pairs: Sequence[str], option: str) -> list[tuple[str, str]]:
    """`FROM=TO` option values as pairs (split at the last '=', since names may hold one)."""
    result = []
    for pair in pairs:
        left, sep, right = pair.rpartition("=")
        if not sep or not left.strip():
            raise InvalidInputError(f"{option} {pair!r}: write it as NAME=VALUE")
        result.append((left.strip(), right.strip()))
    return result


def plan_columns(headers: Sequence[str], column_map: Sequence[tuple[str, str]],
                 file_name: str) -> ColumnPlan:
    """Decide the field of every column; refuse clashes, unknown --map names, no title."""
    normal = [normalise(h) for h in headers]
    chosen: dict[int, str | None] = {}
    for column, target in column_map:
        wanted = normalise(column)
        spots = [i for i, name in enumerate(normal) if name == wanted]
        if not spots:
            raise InvalidInputError(
                f"--map: {file_name} has no column {column!r}; its columns are: "
                + _listing(headers))
        target_field = target.strip().lower()
        if target_field in IGNORE:
            chosen.update((i, None) for i in spots)
            continue
        if target_field not in FIELDS:
            raise InvalidInputError(
                f"--map {column}={target}: {target!r} is not a field; fields are: "
                + ", ".join(FIELDS) + " (or leave it empty to ignore the column)")
        chosen.update((i, target_field) for i in spots)
    index: dict[str, int] = {}
    ignored: list[str] = []
    history: list[tuple[str, str | None, int]] = []
    for i, name in enumerate(normal):
        field_name = chosen[i] if i in chosen else (
            name if name in FIELDS else ALIASES.get(name))
        if field_name is None and i not in chosen and (about := history_stage(headers[i])):
            history.append((*about, i))
            continue
        if field_name is None:
            if name and name not in DERIVED_KEYS and i not in chosen:
                ignored.append(headers[i])
            continue
        if field_name in index:
            first = headers[index[field_name]]
            raise InvalidInputError(
                f"columns {first!r} and {headers[i]!r} of {file_name} both give the deal's "
                f"{field_name}; keep one, e.g. --map '{headers[i]}=' ignores the second")
        index[field_name] = i
    if "title" not in index:
        raise InvalidInputError(
            f"{file_name} has no title column (like 'title', 'Deal - Title', 'Deal Name' or "
            f"'Opportunity Name'); its columns are: {_listing(headers)}; "
            "name it with --map COLUMN=title")
    id_system = None
    if "id" in index:
        id_name = normal[index["id"]]
        id_system = ID_SYSTEMS.get(id_name, id_name) if index["id"] not in chosen else id_name
    # Without an id, a row is known again by its content: every non-empty column counts.
    hash_columns = tuple(sorted(range(len(headers)), key=lambda i: normal[i]))
    return ColumnPlan(
        index=index, header={f: headers[i] for f, i in index.items()},
        ignored=tuple(ignored), id_system=id_system, hash_columns=hash_columns,
        history=tuple(history),
    )


def history_stage(header: str) -> tuple[str, str | None] | None:
    """(stage, pipeline) a 'Date entered "Stage (Pipeline)"' column is about, or None."""
    match = HISTORY_COLUMN.fullmatch(" ".join(header.split()).lower())
    if match is None:
        return None
    # The names as the header spells them (case kept).
    inner = " ".join(header.split())[len("date entered "):].strip(' "“”')
    named = _PIPELINE_SUFFIX.fullmatch(inner)
    stage, pipeline = (named.group(1), named.group(2)) if named else (inner, None)
    return (stage, pipeline) if stage.lower() != "current stage" else None


def _listing(headers: Sequence[str], limit: int = 30) -> str:
    shown = [repr(h) for h in headers[:limit]]
    if len(headers) > limit:
        shown.append(f"and {len(headers) - limit} more")
    return ", ".join(shown) or "(none)"
