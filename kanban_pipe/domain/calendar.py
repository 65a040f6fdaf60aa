"""Next steps as an iCalendar document: one all-day event per deal's dated next step.

All-day VEVENTs rather than VTODOs: subscribed calendars (Google, Outlook, Apple
Calendar) show events and ignore to-dos, and a due date is a day, not a moment — a
`DTSTART;VALUE=DATE` is the same day in every time zone, where a midnight time would
move to the day before west of UTC. The UID names the deal, not the step, so each
re-export or refresh updates the one event of a deal (a new step moves it) instead of
adding another; SEQUENCE is the deal's version and DTSTAMP its last change, so an
unchanged pipeline exports the same bytes.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping, Sequence
from datetime import timedelta

from icalendar import Calendar, Event, vDuration

from kanban_pipe.domain.amounts import value_text
from kanban_pipe.domain.due import DueStep, StepDetails

# Subscribed calendars fetch again this often (a hint they may follow).
REFRESH = timedelta(hours=1)

# Direction overrides and isolates, and line/paragraph separators (see cli.output.safe).
_UNSAFE_FORMAT = frozenset(range(0x202A, 0x202F)) | frozenset(range(0x2066, 0x206A)) | {
    0x2028, 0x2029,
}


def calendar_text(text: str) -> str:
    """User text fit for an iCalendar TEXT value: control characters (which RFC 5545
    does not allow there, and a terminal showing the file would run) and
    direction-changing characters become '?'."""
    if text.isprintable():
        return text
    return "".join("?" if unicodedata.category(char) == "Cc" or ord(char) in _UNSAFE_FORMAT
                   else char for char in text)


def step_uid(step: DueStep, pipeline: str) -> str:
    """The event's UID: one per deal of one pipeline, the same in every export."""
    return f"deal-{step.deal_id}@{pipeline}.kanban-pipe"


def step_event(details: StepDetails, pipeline: str, stage_names: Mapping[str, str]) -> Event:
    """One next step as an all-day event on its due date."""
    step = details.step
    event = Event()
    event.add("uid", step_uid(step, pipeline))
    event.add("dtstamp", details.updated_at)
    event.add("last-modified", details.updated_at)
    event.add("sequence", details.version)
    event.add("dtstart", step.due)
    event.add("dtend", step.due + timedelta(days=1))
    event.add("summary", calendar_text(f"{step.action} — {step.title}"))
    lines = [f"Deal #{step.deal_id}: {step.title}"]
    if step.organization:
        lines.append(f"Organization: {step.organization}")
    lines.append(f"Owner: {details.deal_owner}" + (
        f" (next step: {step.owner})" if step.owner != details.deal_owner else ""))
    lines.append(f"Value: {value_text(details.value, details.currency, compact=False)}")
    lines.append(f"Stage: {stage_names.get(details.stage, details.stage)}")
    event.add("description", "\n".join(calendar_text(line) for line in lines))
    event.add("transp", "TRANSPARENT")  # a reminder, not time taken: free/busy stays free
    return event


def steps_calendar(steps: Sequence[StepDetails], *, pipeline: str, name: str,
                   stage_names: Mapping[str, str], version: str) -> bytes:
    """The whole iCalendar file (CRLF lines, UTF-8) for `steps`."""
    calendar = Calendar()
    calendar.add("prodid", f"-//kanban-pipe//kanban-pipe {version}//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("name", calendar_text(name))
    calendar.add("x-wr-calname", calendar_text(name))
    calendar.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", vDuration(REFRESH))  # Outlook's older name for it
    for step in steps:
        calendar.add_component(step_event(step, pipeline, stage_names))
    return calendar.to_ical()
