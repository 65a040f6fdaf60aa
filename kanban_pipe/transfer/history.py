"""A CRM file's dates: created, stage entered, last activity and closed, for each deal.

Each comes from the file where it says it (kanban-pipe's own columns, Pipedrive's "Deal -
Deal created" / "Last stage change" / "Won time", HubSpot's "Create Date" and its
'Date entered "Stage (Pipeline)"' stage history, a closed deal's "Close Date"); what it
leaves out is estimated from what it gives, for new deals only (an update keeps the deal's
own):

- created: the earliest date the deal has;
- stage entered: when it was created (the longest it can have been in its stage, never
  0 days); a won deal entered the won stage when it was won, whatever the file says of
  the stage it was won from;
- last activity: the latest of the deal's moves (created, stage entered, closed), since a
  stage move counts as activity; a CRM's own last activity date is raised to it too;
- closed: the latest date the deal has.

A file without any of these dates leaves them all to the import's own time, as before.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from kanban_pipe.domain.errors import InvalidInputError
from kanban_pipe.domain.models import DealStatus
from kanban_pipe.transfer.checks import Column
from kanban_pipe.transfer.columns import CLOSING_FIELDS, normalise
from kanban_pipe.transfer.reader import ABSENT
from kanban_pipe.transfer.stage_match import closing_word

STAMPS = ("created_at", "stage_entered_at", "last_activity_at", "closed_at")
_READ_STAMPS = frozenset((*STAMPS, *CLOSING_FIELDS))
_WON, _LOST = DealStatus.WON.value, DealStatus.LOST.value


@dataclass
class StageHistory:
    """When each deal entered each stage the file has a history column for."""

    names: list[str] = field(default_factory=list)  # as the header names them, file order
    entered: dict[str, list[str | None]] = field(default_factory=dict)  # by folded name

    def at(self, stage_name: str, index: int) -> str | None:
        """When deal `index` entered the stage called `stage_name`, if the file says."""
        column = self.entered.get(stage_name.strip().casefold())
        return column[index] if column is not None else None

    def closed(self, status: str, index: int) -> str | None:
        """When deal `index` entered a closed-won (or closed-lost) stage, if the file says."""
        for name in self.names:
            if closing_word(name) == status and (entered := self.at(name, index)):
                return entered
        return None

    def last_open_stage(self, index: int) -> tuple[str, str] | None:
        """(stage name, entered) of the latest open stage deal `index` entered, if any."""
        best: tuple[str, str] | None = None
        for name in self.names:
            if closing_word(name) is not None:
                continue
            entered = self.at(name, index)
            if entered is not None and (best is None or entered >= best[1]):
                best = (name, entered)
        return best


def read_history(columns: Sequence[tuple[str, Column]]) -> StageHistory:
    """The history columns (stage name, stamps) as one StageHistory.

    A stage of several pipelines has a column per pipeline; a deal is in one pipeline, so
    the first filled cell is its own.
    """
    history = StageHistory()
    for name, stamps in columns:
        key = name.casefold()
        known = history.entered.get(key)
        if known is None:
            history.names.append(name)
            history.entered[key] = [s if s is not ABSENT else None for s in stamps]
        else:
            history.entered[key] = [k if k is not None else (s if s is not ABSENT else None)
                                    for k, s in zip(known, stamps, strict=True)]
    return history


def lost_at_stage(names: list[str], words: list[str], history: StageHistory) -> None:
    """A lost deal whose stage says only 'Closed Lost' keeps the stage it was lost at.

    That is the last open stage its history shows it entered; without one the stage is
    left empty, which the matcher reads as an unknown stage. Changes `names` and `words`.
    """
    # Per distinct pair: stage and status words repeat down the whole file.
    lost = {pair for pair in set(zip(names, words, strict=True))
            if (closing_word(pair[0]) if pair[0] else None) == _LOST
            or (pair[1].strip().lower() == _LOST and not pair[0].strip())}
    if not lost:
        return
    for index, pair in enumerate(zip(names, words, strict=True)):
        if pair not in lost:
            continue
        found = history.last_open_stage(index) if history.names else None
        names[index] = found[0] if found else ""
        words[index] = _LOST


def _known(value: Any) -> bool:
    return value is not None and value is not ABSENT and value != ""


def settle_dates(out: dict[str, Column], statuses: Column, stage_names: Sequence[str],
                 history: StageHistory, close_moments: Callable[[int], str | None] | None,
                 raise_activity: bool, size: int) -> dict[str, list[str | None]]:
    """Fill each deal's stamps the file says in `out`; return the estimates for new deals.

    `stage_names` are the stage texts the deals were matched by (a lost deal's stage as
    its history shows it), `close_moments` reads a closed deal's "Close Date" as a
    moment, and `raise_activity` lets a stage move or closing count as the last activity.
    """
    nothing: Column = [None] * size
    created, entered = out.get("created_at", nothing), out.get("stage_entered_at", nothing)
    active, closed = out.get("last_activity_at", nothing), out.get("closed_at", nothing)
    won_at, lost_at = out.get("won_at", nothing), out.get("lost_at", nothing)
    estimated: dict[str, list[str | None]] = {name: [None] * size for name in STAMPS}
    settled = {name: list(out.get(name, nothing)) for name in STAMPS}
    for index in range(size):
        status = statuses[index]
        close = closed[index] if _known(closed[index]) else None
        if status in (_WON, _LOST) and close is None:
            close = (won_at if status == _WON else lost_at)[index]
            close = close if _known(close) else history.closed(status, index)
            if close is None and close_moments is not None:
                close = close_moments(index)
            settled["closed_at"][index] = close
        if status == _WON and close is not None:
            stage_in = close  # the won stage was entered when the deal was won
        else:
            stage_in = entered[index] if _known(entered[index]) else history.at(
                stage_names[index], index)
        if stage_in is not None:
            settled["stage_entered_at"][index] = stage_in
        made = created[index] if _known(created[index]) else None
        last = active[index] if _known(active[index]) else None
        moves = [m for m in (made, stage_in, close) if m is not None]
        if last is not None and raise_activity and moves:
            settled["last_activity_at"][index] = max(last, *moves)
        known = [m for m in (*moves, last) if m is not None]
        if not known:
            continue  # nothing to go by: the import's own time, as for any new deal
        first, latest = min(known), max(known)
        estimate_made = made or first
        if made is None:
            estimated["created_at"][index] = estimate_made
        if stage_in is None:
            estimated["stage_entered_at"][index] = estimate_made
        if last is None:
            estimated["last_activity_at"][index] = max(latest, estimate_made)
        if close is None and status in (_WON, _LOST):
            estimated["closed_at"][index] = latest
    for name in STAMPS:
        if name in out or any(v is not None for v in settled[name]):
            out[name] = [None if v is ABSENT else v for v in settled[name]]
    return {name: column for name, column in estimated.items()
            if any(v is not None for v in column)}


def settle_file_dates(out: dict[str, Column], statuses: Column, names: list[str],
                      history: StageHistory, texts: dict[str, Column],
                      header: dict[str, str], moment: Callable[[str], str], size: int
                      ) -> dict[str, list[str | None]]:
    """Settle the deals' stamps in `out` from the file's columns; return the estimates.

    `moment` reads a date cell as a stamp; `header` names the column of each field.
    """
    close_texts = texts.get("expected_close")
    closes = close_texts is not None and normalise(header["expected_close"]) == "close date"
    if not history.names and not closes and not _READ_STAMPS & texts.keys():
        return {}  # no dates at all: every stamp is the import's own time
    close_moments = None
    if closes and close_texts is not None:
        # HubSpot's and Salesforce's "Close Date" is when a closed deal closed.
        def close_moments(index: int) -> str | None:
            text = close_texts[index]
            if text is ABSENT or not text.strip():
                return None
            try:
                return moment(text)
            except InvalidInputError:
                return None  # refused as an expected close date already
    # kanban-pipe's own last activity is exact; a CRM's is raised to the deal's moves.
    own = normalise(header.get("last_activity_at", "")) == "last_activity_at"
    estimated = settle_dates(out, statuses, names, history, close_moments,
                             raise_activity=not own, size=size)
    for name in CLOSING_FIELDS:
        out.pop(name, None)
    return estimated
