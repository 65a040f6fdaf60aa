"""What the statistics are computed from: the sums and history the store gathers."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from kanban_pipe.domain.models import DealStatus, ForecastCategory, Stage, Target

# -- what the store gathers ------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class StatusSum:
    """Deals of one status, stage and currency: how many, their value and weighted value.

    `stage` is None for deals lost at a stage nobody knows (see domain.stages.UNKNOWN_STAGE).
    """

    status: DealStatus
    stage: str | None
    currency: str
    deals: int
    value: int | None  # None: deals without a value (the store groups them apart)
    weighted: int | None = 0


@dataclass(frozen=True, slots=True)
class StatsScope:
    """Which deals the statistics cover, and the period closed deals are counted in.

    `owner` and `source` narrow every figure to those deals; `since` to `until` (both
    days included) is the period won and lost deals are counted in (None: the last
    WIN_RATE_DAYS days to today).
    """

    owner: str | None = None
    source: str | None = None
    since: date | None = None
    until: date | None = None
    label: str = ""  # how the period was asked for: 'this-quarter', or '' for dates
    # The pipeline the figures cover, by name ('all pipelines'; '' when there is one).
    pipeline: str = ""


@dataclass(frozen=True, slots=True)
class DealGroup:
    """Deals alike in status, currency, source, owner and, when open, close month and
    trend point. A paused deal whose resume date has come counts as open, as on the board."""

    status: DealStatus
    currency: str
    source: str
    deals: int
    value: int | None  # None when no deal of the group has a value
    weighted: int | None = 0
    # Open deals only from here on. 'YYYY-MM' within the forecast (a passed date counts in
    # this month), 'later', or None for no date.
    close_month: str | None = None
    # The first trend point at the end of whose day the deals existed.
    point: int = 0
    close_passed: int = 0
    stale: int = 0
    no_next_step: int = 0
    step_overdue: int = 0
    unqualified: int = 0
    owner: str = ""
    # An open deal's forecast category (its own or its stage's); None when not open.
    category: ForecastCategory | None = None


@dataclass(frozen=True, slots=True)
class ClosedSum:
    """Deals won or lost in the period; won ones by whole days from created to won, lost
    ones by the stage they were lost at and the reason given."""

    status: DealStatus
    currency: str
    deals: int
    value: int | None  # None: deals without a value (the store groups them apart)
    cycle_days: int | None = None
    owner: str = ""
    stage: str | None = None
    reason: str = ""


@dataclass(frozen=True, slots=True)
class Aged:
    """Open deals sitting in `stage` well past its usual time (or quiet past its stale
    limit): the conversion counts them as not converted."""

    stage: str
    deals: int
    # Slipping: the close date pushed two or more times, or well past the stage's usual
    # time while still touched (not stale).
    slipping: int = 0


@dataclass(frozen=True, slots=True)
class Touches:
    """Activities (calls, emails, meetings, notes) one person logged in the last days."""

    actor: str
    count: int


@dataclass(frozen=True, slots=True)
class StageDays:
    """Completed visits of a stage (left by a move, or lost in it) that lasted `days` days."""

    stage: str | None
    days: int
    visits: int


@dataclass(frozen=True, slots=True)
class Reach:
    """Deals whose furthest stage ever reached is `stage` (None: lost at an unknown one)."""

    stage: str | None
    status: DealStatus
    deals: int


@dataclass(frozen=True, slots=True)
class StatusShift:
    """Deals entering or leaving the open pipeline after trend point `changed_point`."""

    currency: str
    created_point: int  # the shift counts at points from this one (the deals existed)
    changed_point: int
    # What the open pipeline held extra before the changes: the value of deals that left
    # it, minus that of deals that came into it.
    value: int


@dataclass(frozen=True, slots=True)
class PastForecastSum:
    """One past month in one currency: what the forecast said at its first moment
    (weighted, commit, best case: open deals expected to close by its end) and what was
    won in it (`committed_won`: of the commit, what was won in the month)."""

    month: str  # 'YYYY-MM'
    currency: str
    weighted: int
    commit: int
    best_case: int
    won: int
    committed_won: int
    forecast_deals: int
    won_deals: int


@dataclass(frozen=True, slots=True)
class StatsInputs:
    """Everything the statistics are computed from, as one store snapshot read it."""

    today: date
    stages: tuple[Stage, ...]
    home_currency: str
    rates: Mapping[str, Decimal]
    totals: tuple[StatusSum, ...] = ()
    groups: tuple[DealGroup, ...] = ()
    closed: tuple[ClosedSum, ...] = ()
    stage_days: tuple[StageDays, ...] = ()
    reach: tuple[Reach, ...] = ()
    shifts: tuple[StatusShift, ...] = ()
    scope: StatsScope = StatsScope()
    aged: tuple[Aged, ...] = ()
    touches: tuple[Touches, ...] = ()
    lost_reasons: tuple[str, ...] = ()  # the configured list (settings), in its order
    targets: tuple[Target, ...] = ()
    # (month 'YYYY-MM', currency, value, deals) of the deals won this quarter.
    won_this_quarter: tuple[tuple[str, str, int, int], ...] = ()
    # Past months' forecasts rebuilt from the log, beside what was won.
    past_forecasts: tuple[PastForecastSum, ...] = ()
