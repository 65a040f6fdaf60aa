"""Pipeline rules as pure functions of a deal, its stage and an explicit `today`."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum

from kanban_pipe.domain.models import Deal, DealStatus, ForecastCategory, Stage

CLOSING_SOON_DAYS = 14
# A close date pushed this many times (a later date saved, not undone): the deal is slipping.
SLIP_PUSHES = 2


class NextStepState(StrEnum):
    """How urgent a deal's next step is."""

    MISSING = "missing"
    OVERDUE = "overdue"
    DUE_TODAY = "due_today"
    UPCOMING = "upcoming"


def local_date(moment: datetime) -> date:
    """The calendar day a stored (UTC) timestamp falls on for the person looking at it."""
    return moment.astimezone().date() if moment.tzinfo else moment.date()


def days_since_activity(deal: Deal, today: date) -> int:
    """Whole days since the deal last moved (a touch, a stage move, a done next step...)."""
    return max(0, (today - local_date(deal.last_activity_at)).days)


def days_in_stage(deal: Deal, today: date) -> int:
    """Whole days the deal has spent in its current stage."""
    return max(0, (today - local_date(deal.stage_entered_at)).days)


def is_stale(deal: Deal, stage: Stage, today: date) -> bool:
    """An open deal is stale when it has not moved for longer than its stage allows."""
    if deal.status is not DealStatus.OPEN or stage.is_won or stage.stale_after_days <= 0:
        return False
    return days_since_activity(deal, today) > stage.stale_after_days


def next_step_state(deal: Deal, today: date) -> NextStepState:
    """Missing / overdue / due today / upcoming; a next step without a date counts as upcoming."""
    step = deal.next_step
    if step is None or not step.action:
        return NextStepState.MISSING
    if step.due is None or step.due > today:
        return NextStepState.UPCOMING
    if step.due == today:
        return NextStepState.DUE_TODAY
    return NextStepState.OVERDUE


def is_closing_soon(deal: Deal, today: date, within_days: int = CLOSING_SOON_DAYS) -> bool:
    """An open deal whose expected close is within the next `within_days` days (or past)."""
    if deal.status is not DealStatus.OPEN or deal.expected_close is None:
        return False
    return (deal.expected_close - today).days <= within_days


def is_unqualified(deal: Deal, stage: Stage) -> bool:
    """An open deal in a stage that needs qualification but lacks one of the three facts."""
    return (
        deal.status is DealStatus.OPEN
        and stage.requires_qualification
        and not deal.qualification.complete
    )


def win_probability(deal: Deal, stage: Stage) -> int:
    """The deal's own win probability where its owner set one, else its stage's."""
    return stage.probability if deal.probability is None else deal.probability


def weighted_value(deal: Deal, stage: Stage) -> int | None:
    """The deal's value times its win probability, in minor units (rounded half up);
    None for a deal without a value (it weighs nothing in, and is counted apart)."""
    value: int | None = deal.value
    return None if value is None else (value * win_probability(deal, stage) + 50) // 100


# A stage's odds from which its deals are called best case, and commit, by default.
BEST_CASE_FROM = 40
COMMIT_FROM = 75


def stage_category(stage: Stage) -> ForecastCategory:
    """The forecast category a stage's deals get until their owner calls them otherwise:
    commit from COMMIT_FROM %, best case from BEST_CASE_FROM %, else pipeline."""
    if stage.probability >= COMMIT_FROM:
        return ForecastCategory.COMMIT
    if stage.probability >= BEST_CASE_FROM:
        return ForecastCategory.BEST_CASE
    return ForecastCategory.PIPELINE


def forecast_category(deal: Deal, stage: Stage) -> ForecastCategory:
    """The deal's forecast category: its owner's call, else its stage's default."""
    return deal.forecast_category or stage_category(stage)


WON_SHOWN_DAYS = 30


def is_on_board(deal: Deal, today: date) -> bool:
    """Open deals, paused ones whose resume date has come, and deals won in the last 30 days."""
    if deal.deleted:
        return False
    if deal.status is DealStatus.OPEN:
        return True
    if deal.status is DealStatus.PAUSED:
        return deal.paused_until is not None and deal.paused_until <= today
    if deal.status is DealStatus.WON and deal.closed_at is not None:
        # Compared on the stored (UTC) day, exactly as the store's query does.
        won_on = deal.closed_at.astimezone(UTC).date()
        return won_on >= today - timedelta(days=WON_SHOWN_DAYS)
    return False


@dataclass(frozen=True, slots=True)
class DealFlags:
    """Every derived highlight of one deal, computed together for display and JSON."""

    stale: bool
    next_step_state: NextStepState
    closing_soon: bool
    unqualified: bool
    days_in_stage: int
    days_since_activity: int

    @property
    def needs_attention(self) -> bool:
        """True when any highlight is raised."""
        return (
            self.stale
            or self.closing_soon
            or self.unqualified
            or self.next_step_state in (NextStepState.MISSING, NextStepState.OVERDUE)
        )


@dataclass(frozen=True, slots=True)
class Slip:
    """Why an open deal is slipping (store.slipping decides it): its close date pushed
    `pushes` times, or long in its stage (past `aged_after` days) while still touched."""

    pushes: int
    long_in_stage: bool
    aged_after: int | None = None

    def words(self, days_in_stage: int, stage_name: str) -> str:
        """'close date pushed 3 times' and/or '41d in Proposal (aged after 24d), still
        touched'."""
        parts = []
        if self.pushes >= SLIP_PUSHES:
            parts.append(f"close date pushed {self.pushes} times")
        if self.long_in_stage:
            usual = f" (aged after {self.aged_after}d)" if self.aged_after else ""
            parts.append(f"{days_in_stage}d in {stage_name}{usual}, still touched")
        return "; ".join(parts) or "slipping"


def deal_flags(deal: Deal, stage: Stage, today: date) -> DealFlags:
    """All highlights of a deal at once (a paused deal back on the board counts as open)."""
    if deal.status is DealStatus.PAUSED and is_on_board(deal, today):
        deal = replace(deal, status=DealStatus.OPEN)
    open_deal = deal.status is DealStatus.OPEN
    return DealFlags(
        stale=is_stale(deal, stage, today),
        next_step_state=(
            next_step_state(deal, today) if open_deal and not stage.is_won
            else NextStepState.UPCOMING
        ),
        closing_soon=is_closing_soon(deal, today),
        unqualified=is_unqualified(deal, stage),
        days_in_stage=days_in_stage(deal, today),
        days_since_activity=days_since_activity(deal, today),
    )


def urgency_rank(deal: Deal, today: date) -> tuple[int, date]:
    """Sort key for the default card order: overdue, no next step, due today, then by due date."""
    state = next_step_state(deal, today)
    order = {
        NextStepState.OVERDUE: 0,
        NextStepState.MISSING: 1,
        NextStepState.DUE_TODAY: 2,
        NextStepState.UPCOMING: 3,
    }[state]
    due = deal.next_step.due if deal.next_step and deal.next_step.due else date.max
    return order, due


class Highlight(StrEnum):
    """A highlight a deal can raise; its value names the style the board colours it with."""

    OVERDUE = "overdue"
    MISSING = "missing"
    STALE = "stale"
    CLOSING = "closing"
    UNQUALIFIED = "unqualified"
    SLIPPING = "slipping"
    PAUSED = "paused"


# The highlight legend: marker as shown, highlight, meaning. Markers read without colour.
LEGEND: tuple[tuple[str, Highlight, str], ...] = (
    ("LATE", Highlight.OVERDUE, "next step is past its due date"),
    ("NO STEP", Highlight.MISSING, "no next step set"),
    ("STALE 23d", Highlight.STALE,
     "no activity for longer than the stage allows (days since the last)"),
    ("CLOSE 5d", Highlight.CLOSING, "expected close within 14 days (days left)"),
    ("UNQUAL", Highlight.UNQUALIFIED,
     "Proposal or later without decision maker, need or timeline confirmed"),
    ("SLIPPING", Highlight.SLIPPING,
     "close date pushed twice or more, or long past the stage's usual time yet worked"),
    ("PAUSED", Highlight.PAUSED, "a paused deal whose resume date has come"),
)


def deal_markers(deal: Deal, stage: Stage, today: date,
                 slip: Slip | None = None) -> list[tuple[str, Highlight]]:
    """The text markers of a deal's highlights, most urgent first (board, CLI, detail);
    `slip` is what store.slipping found for it (None: not slipping, or not looked up)."""
    flags = deal_flags(deal, stage, today)
    markers: list[tuple[str, Highlight]] = []
    if flags.next_step_state is NextStepState.OVERDUE:
        markers.append(("LATE", Highlight.OVERDUE))
    elif flags.next_step_state is NextStepState.MISSING:
        markers.append(("NO STEP", Highlight.MISSING))
    if flags.stale:
        markers.append((f"STALE {flags.days_since_activity}d", Highlight.STALE))
    if flags.closing_soon and deal.expected_close:
        days = (deal.expected_close - today).days
        words = "today" if days == 0 else f"{days}d" if days > 0 else f"{-days}d ago"
        markers.append((f"CLOSE {words}", Highlight.CLOSING))
    if flags.unqualified:
        markers.append(("UNQUAL", Highlight.UNQUALIFIED))
    if slip is not None:
        markers.append(("SLIPPING", Highlight.SLIPPING))
    if deal.status is DealStatus.PAUSED:
        markers.append(("PAUSED", Highlight.PAUSED))
    return markers
