"""Saving a form over a version someone else changed meanwhile: the choice it leads to."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import replace
from datetime import date
from typing import TYPE_CHECKING, Any

from textual.app import App

from kanban_pipe.domain.amounts import value_text
from kanban_pipe.domain.conflicts import FieldClash, three_way
from kanban_pipe.domain.errors import KanbanPipeError
from kanban_pipe.domain.models import Deal, NextStep

if TYPE_CHECKING:
    from kanban_pipe.ui.drafts import DealDraft
    from kanban_pipe.ui.screens.store_work import StoreWork

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
        return value_text(*value, compact=False)
    if isinstance(value, NextStep):
        due = f" · due {value.due.isoformat()}" if value.due else ""
        return f"{value.action} · {value.owner}{due}"
    if isinstance(value, date):
        return value.isoformat()
    return str(value) if value not in (None, "") else "—"


def clash_table(clashes: Iterable[FieldClash]) -> list[FieldClash]:
    """The clashing fields with both values in words, as the conflict dialog lists them."""
    return [replace(c, theirs=shown(c.theirs), yours=shown(c.yours)) for c in clashes]


def offer_conflict_choice(work: StoreWork, app: App[Any], start: Deal, yours: Fields,
                          fields_of: Callable[[Deal], Fields], *,
                          keep: Callable[[Deal, Deal], None],
                          apply: Callable[[Fields, Deal], None],
                          reedit: Callable[[Fields, Deal], None]) -> None:
    """Show their saved values against the user's (`yours`, changed from `start`), then
    keep theirs (`keep(theirs, start)`), apply the user's over them, or edit again.

    `apply` and `reedit` get the merged fields (the user's changes over theirs) and their
    version of the deal.
    """
    from kanban_pipe.ui.screens.conflict import ConflictScreen, conflict_text  # on a clash

    try:
        theirs = work.store.get_deal(start.id)
        changes = work.store.changes_since(start.id, start.version)
    except KanbanPipeError as error:  # deleted meanwhile, or the file went away
        work.show_error(error)
        return
    merged, clashes = three_way(fields_of(start), fields_of(theirs), yours)

    def chosen(choice: str | None) -> None:
        if choice == "theirs":
            keep(theirs, start)
        elif choice == "mine":
            apply(merged, theirs)
        else:
            reedit(merged, theirs)

    app.push_screen(
        ConflictScreen(conflict_text(theirs.title, changes, clash_table(clashes), LABELS)),
        chosen)
