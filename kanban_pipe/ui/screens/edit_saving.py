"""Saving over a version someone else changed: the fields compared, in words for the dialog."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import date
from typing import TYPE_CHECKING, Any

from kanban_pipe.domain.amounts import format_amount
from kanban_pipe.domain.conflicts import FieldClash
from kanban_pipe.domain.models import Deal, NextStep

if TYPE_CHECKING:
    from kanban_pipe.ui.drafts import DealDraft

Fields = dict[str, Any]

LABELS = {
    "title": "Title", "organization": "Organization", "contact": "Contact", "value": "Value",
    "owner": "Owner", "source": "Source", "expected_close": "Expected close",
    "next_step": "Next step",
}


def deal_fields(deal: Deal) -> Fields:
    """The fields the edit form shows, as comparable values (value goes with its currency)."""
    return {
        "title": deal.title, "organization": deal.organization, "contact": deal.contact,
        "value": (deal.value, deal.currency), "owner": deal.owner, "source": deal.source,
        "expected_close": deal.expected_close,
    }


def draft_fields(draft: DealDraft, deal: Deal) -> Fields:
    """The edit form's values in deal_fields' shape (an empty owner keeps the deal's)."""
    return {
        "title": draft.title, "organization": draft.organization, "contact": draft.contact,
        "value": (draft.value, draft.currency), "owner": draft.owner or deal.owner,
        "source": draft.source, "expected_close": draft.expected_close,
    }


def fields_draft(fields: Fields) -> DealDraft:
    """deal_fields' shape back into what the edit form hands over."""
    from kanban_pipe.ui.drafts import DealDraft  # loads with the forms, not at start-up

    value, currency = fields["value"]
    return DealDraft(
        title=fields["title"], organization=fields["organization"], contact=fields["contact"],
        value=value, currency=currency, owner=fields["owner"], source=fields["source"],
        expected_close=fields["expected_close"],
    )


def shown(value: object) -> str:
    """A field value in words for the conflict table."""
    if isinstance(value, tuple):
        return format_amount(*value)
    if isinstance(value, NextStep):
        due = f" · due {value.due.isoformat()}" if value.due else ""
        return f"{value.action} · {value.owner}{due}"
    if isinstance(value, date):
        return value.isoformat()
    return str(value) if value not in (None, "") else "—"


def clash_table(clashes: Iterable[FieldClash]) -> list[FieldClash]:
    """The clashing fields with both values in words, as the conflict dialog lists them."""
    return [replace(c, theirs=shown(c.theirs), yours=shown(c.yours)) for c in clashes]
