"""Deals read in bulk: a deal's stored fields and its highlights, without a Deal for each.

`list` and `standup` print tens of thousands of deals. Building a `Deal` (five timestamps
parsed, three small objects) and then `deal_flags` costs ~15 µs a deal, most of the time
budget of a 100,000-deal listing; `ListingRules.flags` gives the same `DealFlags` from
the stored text in a third of that. It is the twin of `rules.deal_flags` and
`rules.deal_markers` (as `ordering.sort_key` is of the board's SQL): a test checks that
both agree on every deal of a demo pipeline, in several time zones.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from typing import NamedTuple

from kanban_pipe.domain.models import Stage
from kanban_pipe.domain.rules import CLOSING_SOON_DAYS, DealFlags, NextStepState
from kanban_pipe.domain.stages import stage_of


class StoredDeal(NamedTuple):
    """A deal's fields as stored: ISO text dates, UTC timestamps as text, facts as 0 / 1.

    The field names are the `deals` table's column names.
    """

    id: int
    title: str
    organization: str
    contact: str
    value: int | None  # None: a deal without a value
    currency: str
    stage: str | None  # None: lost at an unknown stage
    status: str
    owner: str
    source: str
    expected_close: str | None
    next_action: str | None
    next_owner: str | None
    next_due: str | None
    paused_until: str | None
    lost_reason: str
    decision_maker: int
    need_confirmed: int
    timeline_confirmed: int
    version: int
    created_at: str
    updated_at: str
    stage_entered_at: str
    last_activity_at: str
    forecast_category: str | None = None  # the owner's call; None: the stage's default
    probability: int | None = None  # the deal's own; None: the stage's
    pipeline: str = "sales"  # the key of its pipeline


def stored_moment(text: str) -> datetime:
    """A stored timestamp as an aware datetime (one without a zone is UTC)."""
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def local_day(text: str) -> date:
    """The local calendar day of a stored timestamp (rules.local_date of it)."""
    return stored_moment(text).astimezone().date()


class LocalDays:
    """local_day of many stored timestamps, worked out once per UTC day they fall on.

    In one UTC day with the same UTC offset at its first and last second, the local day
    changes at most once, when local time passes midnight; days with a clock change in
    them, and timestamps not written as the store writes them, take local_day itself.
    """

    def __init__(self) -> None:
        self._days: dict[str, tuple[str, date, date] | None] = {}

    def day(self, text: str) -> date:
        """local_day(text)."""
        if len(text) == 25 and text.endswith("+00:00"):
            utc_day = text[:10]
            try:
                found = self._days[utc_day]
            except KeyError:
                found = self._days[utc_day] = self._learn(utc_day)
            if found is not None:
                boundary, before, after = found
                return after if text[11:19] >= boundary else before
        return local_day(text)

    @staticmethod
    def _learn(utc_day: str) -> tuple[str, date, date] | None:
        try:
            start = datetime.fromisoformat(utc_day).replace(tzinfo=UTC)
        except ValueError:
            return None
        first = start.astimezone()
        last = (start + timedelta(seconds=86_399)).astimezone()
        offset = first.utcoffset()
        if offset is None or offset != last.utcoffset():
            return None
        # The UTC time of day at which local time reads 00:00 ("24:00:00" when it never
        # does that day: no stamp reaches it, so the day stays `first`'s).
        seconds = int(-offset.total_seconds()) % 86_400
        if seconds == 0:
            return "24:00:00", first.date(), first.date()
        boundary = f"{seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"
        return boundary, first.date(), last.date()


class ListingRules:
    """The highlights of stored deals as of `today`, with each stage's facts looked up once."""

    def __init__(self, stages: Iterable[Stage], today: date) -> None:
        self.stages = {stage.key: stage for stage in stages}
        self.today = today
        self.today_text = today.isoformat()
        self.close_by = (today + timedelta(days=CLOSING_SOON_DAYS)).isoformat()
        self.local_days = LocalDays()

    def is_open(self, deal: StoredDeal) -> bool:
        """Open, or paused with its resume date come: deal_flags counts both as open."""
        if deal.status == "open":
            return True
        return (deal.status == "paused" and bool(deal.paused_until)
                and str(deal.paused_until) <= self.today_text)

    def flags(self, deal: StoredDeal) -> DealFlags:
        """rules.deal_flags of the deal (stored deals listed are never deleted ones)."""
        stage = stage_of(deal.stage, self.stages)
        today = self.today
        open_deal = self.is_open(deal)
        local_day = self.local_days.day
        since_activity = max(0, (today - local_day(deal.last_activity_at)).days)
        action, due = deal.next_action, deal.next_due or None
        if not open_deal or stage.is_won:
            state = NextStepState.UPCOMING
        elif not action:
            state = NextStepState.MISSING
        elif due is None or due > self.today_text:
            state = NextStepState.UPCOMING
        elif due == self.today_text:
            state = NextStepState.DUE_TODAY
        else:
            state = NextStepState.OVERDUE
        close = deal.expected_close or None
        return DealFlags(
            stale=(open_deal and not stage.is_won and stage.stale_after_days > 0
                   and since_activity > stage.stale_after_days),
            next_step_state=state,
            closing_soon=open_deal and close is not None and close <= self.close_by,
            unqualified=(open_deal and stage.requires_qualification
                         and not (deal.decision_maker and deal.need_confirmed
                                  and deal.timeline_confirmed)),
            days_in_stage=max(0, (today - local_day(deal.stage_entered_at)).days),
            days_since_activity=since_activity,
        )

    def markers(self, deal: StoredDeal, flags: DealFlags) -> list[str]:
        """The text of rules.deal_markers: most urgent first, readable without colour."""
        markers = []
        if flags.next_step_state is NextStepState.OVERDUE:
            markers.append("LATE")
        elif flags.next_step_state is NextStepState.MISSING:
            markers.append("NO STEP")
        if flags.stale:
            markers.append(f"STALE {flags.days_since_activity}d")
        if flags.closing_soon and deal.expected_close:
            days = (date.fromisoformat(deal.expected_close) - self.today).days
            words = "today" if days == 0 else f"{days}d" if days > 0 else f"{-days}d ago"
            markers.append(f"CLOSE {words}")
        if flags.unqualified:
            markers.append("UNQUAL")
        if deal.status == "paused":
            markers.append("PAUSED")
        return markers
