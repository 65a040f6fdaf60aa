"""Next steps that are due: the reminder window (`due --within`) and the steps as values."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from typing import NamedTuple

from kanban_pipe.domain.errors import InvalidInputError

WITHIN_HELP = "how far ahead to look: 0 (today, the default), 2d, 1w"
MAX_WITHIN_DAYS = 3660  # ten years: past that a date is a mistake, not a reminder

_WITHIN = re.compile(r"\+?(\d{1,5})\s*([dw]?)")


class DueStep(NamedTuple):
    """An open deal's next step with a due date: what a reminder line says.

    NamedTuples rather than frozen dataclasses: `due` makes one per line on every shell
    prompt, and building frozen dataclasses cost ~5x more (0.1 s for 20,000 steps).
    """

    deal_id: int
    title: str
    organization: str
    action: str
    owner: str  # who does the step: its own owner, else the deal's
    due: date


class StepDetails(NamedTuple):
    """A due step and what a calendar event or `due --json` also says about its deal."""

    step: DueStep
    deal_owner: str
    stage: str
    value: int | None  # None: the deal has no value
    currency: str
    version: int  # it grows with every change of the deal (a calendar's SEQUENCE)
    updated_at: datetime


def parse_within(text: str) -> int:
    """Days ahead from `--within`: '0', '3', '2d', '1w', 'today', 'tomorrow'."""
    key = text.strip().lower()
    words = {"today": 0, "tomorrow": 1}
    if key in words:
        return words[key]
    found = _WITHIN.fullmatch(key)
    if found is None:
        raise InvalidInputError(f"--within takes days or weeks like 2d or 1w, not {text!r}")
    days = int(found.group(1)) * (7 if found.group(2) == "w" else 1)
    if days > MAX_WITHIN_DAYS:
        raise InvalidInputError(f"--within {text} is more than ten years ahead")
    return days


def due_until(today: date, within_days: int) -> date:
    """The last due date a reminder on `today` includes (overdue steps are always in)."""
    return today + timedelta(days=within_days)


def days_left(step: DueStep, today: date) -> int:
    """Days until the step is due: 0 today, negative when overdue."""
    return (step.due - today).days
