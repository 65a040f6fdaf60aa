"""One-date modals: a deal's expected close (`c`) and the day review's changes start from."""

from __future__ import annotations

from datetime import date

from textual.content import Content

from kanban_pipe.domain.dates import DATE_FORMS_HELP, format_date, parse_date
from kanban_pipe.domain.errors import InvalidInputError
from kanban_pipe.domain.review import SINCE_FORMS_HELP, parse_since
from kanban_pipe.ui.screens.form_base import FieldSpec, FormScreen, date_echo, echo
from kanban_pipe.ui.text import plain


class CloseDateForm(FormScreen[date | None]):
    """Set the expected close: the field starts empty (typing a date is all it takes)."""

    def __init__(self, *, today: date, deal_title: str, current: date | None,
                 error: str = "") -> None:
        self._today = today
        shown = f"now {format_date(current)}" if current else "not set yet"
        super().__init__(
            heading=Content.assemble("Close date · ", plain(deal_title)),
            error=error,
            fields=[FieldSpec("close", "Expected close *", "",
                              placeholder=f"{shown} · {DATE_FORMS_HELP}")],
            hint="enter saves · esc cancels",
        )

    def check_field(self, name: str, text: str) -> Content:
        """A date is required; it is echoed back as a weekday and a distance."""
        return date_echo(self._close(text), self._today)

    def _close(self, text: str) -> date:
        if not text.strip():
            raise InvalidInputError(f"a close date is required: {DATE_FORMS_HELP}")
        return parse_date(text, self._today)

    def build_result(self) -> date:
        """The new expected close."""
        return self._close(self.field_text("close"))


class SinceForm(FormScreen[str | None]):
    """Which changes the review opens with: since the last review, or since a day."""

    def __init__(self, *, today: date, current: str = "") -> None:
        self._today = today
        super().__init__(
            heading=Content("What changed since…"),
            fields=[FieldSpec("since", "Since", current, placeholder=SINCE_FORMS_HELP)],
            hint="empty: the last review · enter shows the changes · esc cancels",
        )

    def check_field(self, name: str, text: str) -> Content:
        """Echo the first day covered, or say it is the last review."""
        day = parse_since(text, self._today)
        if day is None:
            return echo("= since the last recorded review")
        return date_echo(day, self._today)

    def build_result(self) -> str:
        """What was typed (checked), for the screen to read again with the day."""
        text = self.field_text("since").strip()
        parse_since(text, self._today)
        return text
