"""Saving the edit and next-step forms, and the choice when someone saved the deal first."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date
from typing import TYPE_CHECKING, Any

from kanban_pipe.domain.amounts import format_amount
from kanban_pipe.domain.conflicts import three_way
from kanban_pipe.domain.errors import ConflictError, KanbanPipeError
from kanban_pipe.domain.models import Deal, NextStep
from kanban_pipe.ui.text import safe_text

if TYPE_CHECKING:
    from kanban_pipe.ui.drafts import DealDraft
    from kanban_pipe.ui.screens.board import BoardScreen

    _Base = BoardScreen
else:
    _Base = object

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


class EditSaving(_Base):
    """Form saves that expect the version they were opened on; mixed into BoardActions."""

    def save_edit(self, start: Deal, draft: DealDraft) -> None:
        """Save the edit form over the version it was opened on."""
        self.perform(
            lambda: self.store.edit_deal(
                start.id, expected_version=start.version, title=draft.title,
                organization=draft.organization, contact=draft.contact, value=draft.value,
                currency=draft.currency, owner=draft.owner or start.owner,
                source=draft.source, expected_close=draft.expected_close),
            lambda saved: self._changed(saved, before=start,
                                        message=f"Saved '{safe_text(saved.title)}'"),
            lambda failure: self._edit_refused(failure, start, draft),
        )

    def _edit_refused(self, failure: KanbanPipeError, start: Deal, draft: DealDraft) -> None:
        if not isinstance(failure, ConflictError):
            self.show_error(failure)
            self.action_edit_deal(draft, str(failure), base=start)
            return
        self.resolve_conflict(
            start, draft_fields(draft, start), deal_fields,
            apply=lambda merged, theirs: self.save_edit(theirs, fields_draft(merged)),
            reedit=lambda merged, theirs: self.action_edit_deal(
                fields_draft(merged), "Their changes are in the form now; yours are kept.",
                base=theirs),
        )

    def save_next_step(self, start: Deal, step: NextStep) -> None:
        """Save the next-step form over the version it was opened on."""
        self.perform(
            lambda: self.store.set_next_step(start.id, step.action, due=step.due,
                                             owner=step.owner, expected_version=start.version),
            lambda saved: self._changed(saved, message="Next step set"),
            lambda failure: self._step_refused(failure, start, step),
        )

    def _step_refused(self, failure: KanbanPipeError, start: Deal, step: NextStep) -> None:
        if not isinstance(failure, ConflictError):
            self.show_error(failure)
            self.action_next_step(step, str(failure), base=start)
            return
        self.resolve_conflict(
            start, {"next_step": step}, lambda deal: {"next_step": deal.next_step},
            apply=lambda _merged, theirs: self.save_next_step(theirs, step),
            reedit=lambda _merged, theirs: self.action_next_step(
                step, "Someone else saved this deal meanwhile; check, then save again.",
                base=theirs),
        )

    def resolve_conflict(self, start: Deal, yours: Fields, fields_of: Callable[[Deal], Fields],
                         *, apply: Callable[[Fields, Deal], None],
                         reedit: Callable[[Fields, Deal], None]) -> None:
        """Show their saved values against the user's, then keep theirs, apply or re-edit."""
        from kanban_pipe.ui.screens.conflict import ConflictScreen, conflict_text

        try:
            theirs = self.store.get_deal(start.id)
            changes = self.store.changes_since(start.id, start.version)
        except KanbanPipeError as error:  # deleted meanwhile, or the file went away
            self.show_error(error)
            return
        merged, clashes = three_way(fields_of(start), fields_of(theirs), yours)
        table = [replace(c, theirs=shown(c.theirs), yours=shown(c.yours)) for c in clashes]

        def chosen(choice: str | None) -> None:
            if choice == "theirs":
                self._changed(theirs, before=start,
                              message=f"Kept the saved version of '{safe_text(theirs.title)}'")
            elif choice == "mine":
                apply(merged, theirs)
            else:
                reedit(merged, theirs)

        self.app.push_screen(ConflictScreen(conflict_text(theirs.title, changes, table, LABELS)),
                             chosen)
