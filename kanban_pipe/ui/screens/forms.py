"""The deal form (new and edit), and the home of every form modal the board opens."""

from __future__ import annotations

from datetime import date

from textual.content import Content

from kanban_pipe.domain.amounts import AMOUNT_FORMS_HELP, format_amount, format_plain, parse_amount
from kanban_pipe.domain.dates import DATE_FORMS_HELP, format_date, parse_date
from kanban_pipe.domain.errors import InvalidInputError
from kanban_pipe.domain.models import Deal, NextStep
from kanban_pipe.domain.validation import (
    MAX_TITLE,
    clean_currency,
    clean_name,
    clean_text,
    clean_title,
)
from kanban_pipe.ui.drafts import DealDraft
from kanban_pipe.ui.screens.form_base import NOTHING, FieldSpec, FormScreen, date_echo, echo
from kanban_pipe.ui.screens.quick_forms import (
    ActivityForm,
    LostForm,
    MoveBackForm,
    NextStepForm,
    PauseForm,
)
from kanban_pipe.ui.text import plain

__all__ = ["ActivityForm", "DealForm", "LostForm", "MoveBackForm", "NextStepForm", "PauseForm"]

_FREE_TEXT = {"organization": "organization", "contact": "contact", "source": "source"}


class DealForm(FormScreen[DealDraft | None]):
    """New deal or edit: every field checked live; returns a DealDraft, or None on cancel.

    When editing, the returned draft carries the deal's current next step unchanged:
    the next step is edited with `s`, not here.
    """

    def __init__(
        self,
        *,
        today: date,
        home_currency: str,
        default_owner: str,
        stage_name: str,
        deal: Deal | None = None,
        draft: DealDraft | None = None,
        error: str = "",
    ) -> None:
        self._today = today
        self._home_currency = home_currency.strip().upper()
        self._deal = deal
        heading = (
            Content.assemble("New deal in ", plain(stage_name))
            if deal is None
            else Content(f"Edit #{deal.id}")
        )
        super().__init__(
            heading=heading,
            fields=self._field_specs(default_owner, deal, draft),
            error=error,
        )

    def _field_specs(
        self, default_owner: str, deal: Deal | None, draft: DealDraft | None
    ) -> list[FieldSpec]:
        """The fields, filled from the reopened draft, else the deal, else the defaults."""
        source: DealDraft | Deal | None = draft if draft is not None else deal
        currency = source.currency if source is not None else self._home_currency
        # An empty field is no value (None); a value of 0 shows as 0.
        value = ("" if source is None or source.value is None
                 else format_plain(source.value, currency))
        specs = [
            FieldSpec("title", "Title *", source.title if source else "", max_length=MAX_TITLE),
            FieldSpec("organization", "Organization", source.organization if source else ""),
            FieldSpec("contact", "Contact", source.contact if source else ""),
            FieldSpec("value", "Value", value, placeholder=AMOUNT_FORMS_HELP),
            FieldSpec("currency", "Currency", currency, max_length=3, restrict=r"[A-Za-z]*"),
            FieldSpec("owner", "Owner *", source.owner if source else default_owner),
            FieldSpec(
                "source",
                "Source",
                source.source if source else "",
                placeholder="referral, website, event, ...",
            ),
            FieldSpec(
                "expected_close",
                "Expected close",
                format_date(source.expected_close) if source else "",
                placeholder=DATE_FORMS_HELP,
            ),
        ]
        if deal is None:
            step = draft.next_step if draft is not None else None
            specs += [
                FieldSpec(
                    "next_action",
                    "Next step",
                    step.action if step else "",
                    placeholder="what happens next, e.g. call to book a demo",
                ),
                FieldSpec(
                    "next_due",
                    "Next step due",
                    format_date(step.due) if step else "",
                    placeholder=DATE_FORMS_HELP,
                ),
            ]
        return specs

    def related_fields(self, name: str) -> tuple[str, ...]:
        """The value is read in the currency's minor units; the action is needed by a due date."""
        if name == "currency":
            return ("value",)
        if name == "next_due":
            return ("next_action",)
        return ()

    def _currency_for_value(self) -> str:
        """The typed currency when it is valid, else the home one (the currency field complains)."""
        try:
            return clean_currency(self.field_text("currency"))
        except InvalidInputError:
            return self._home_currency

    def check_field(self, name: str, text: str) -> Content:
        """Check one field; amounts and dates echo what they were read as."""
        if name == "title":
            clean_title(text)
        elif name in _FREE_TEXT:
            clean_text(text, _FREE_TEXT[name])
        elif name == "owner":
            clean_name(text, "owner")
        elif name == "currency":
            clean_currency(text)
        elif name == "value" and text.strip():
            currency = self._currency_for_value()
            return echo(f"= {format_amount(parse_amount(text, currency), currency)}")
        elif name in ("expected_close", "next_due") and text.strip():
            return date_echo(parse_date(text, self._today), self._today)
        elif name == "next_action":
            action = clean_text(text, "next step")
            if not action and self.field_text("next_due").strip():
                raise InvalidInputError("a due date needs an action: say what happens next")
        return NOTHING

    def build_result(self) -> DealDraft:
        """The parsed draft (every field has passed its check)."""
        text = self.field_text
        currency = clean_currency(text("currency"))
        owner = clean_name(text("owner"), "owner")
        if self._deal is not None:
            next_step = self._deal.next_step
        else:
            action = clean_text(text("next_action"), "next step")
            due = text("next_due").strip()
            next_step = (
                NextStep(action, owner, parse_date(due, self._today) if due else None)
                if action
                else None
            )
        value = text("value").strip()
        close = text("expected_close").strip()
        return DealDraft(
            title=clean_title(text("title")),
            organization=clean_text(text("organization"), "organization"),
            contact=clean_text(text("contact"), "contact"),
            value=parse_amount(value, currency) if value else None,
            currency=currency,
            owner=owner,
            source=clean_text(text("source"), "source"),
            expected_close=parse_date(close, self._today) if close else None,
            next_step=next_step,
        )
