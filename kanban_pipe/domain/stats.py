"""Forecast and statistics: pure functions of the sums the store gathers and an explicit `today`."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import TypeVar

from kanban_pipe.domain.forecast import (
    ForecastCall,
    MonthAccuracy,
    forecast_accuracy,
    forecast_call,
    past_months,
)
from kanban_pipe.domain.models import DealStatus, Stage
from kanban_pipe.domain.money import MoneyTotal, total

# The input types live in their own module; they stay importable from here.
from kanban_pipe.domain.stats_inputs import (
    Aged,
    ClosedSum,
    DealGroup,
    Reach,
    StageDays,
    StatsInputs,
    StatsScope,
    StatusShift,
    StatusSum,
    Touches,
)

T = TypeVar("T")

__all__ = ["WHOLE_PIPELINE", "Aged", "ClosedSum", "DealGroup", "Reach", "StageDays", "StatsInputs",
           "StatsScope", "StatusShift", "StatusSum", "Touches"]

WIN_RATE_DAYS = 90
FORECAST_MONTHS = 6
TREND_WEEKS = 12
# A stage's probability and its observed win rate "differ widely" from this many points
# on, once enough deals have closed for the observed rate to mean something.
WIDE_GAP = Fraction(15, 100)
MIN_CLOSED = 10
# Activities per person are counted over this many days (the team table).
TOUCH_DAYS = 7
# An open deal has aged out of a stage once it sits there this many times the stage's
# median completed visit, and at least AGED_MIN_DAYS: counted as not converted.
AGED_FACTOR = 2
AGED_MIN_DAYS = 14
# Every deal, closed ones counted over the last WIN_RATE_DAYS days.
WHOLE_PIPELINE = StatsScope()
DEFAULT_PERIOD = f"last {WIN_RATE_DAYS} days"
# The periods `stats --period` names, besides dates.
PERIODS = ("this-month", "last-month", "this-quarter", "last-quarter", "this-year",
           "last-year", "last-30-days", "last-90-days")


# -- the period ------------------------------------------------------------------------

def _quarter_start(day: date) -> date:
    return date(day.year, (day.month - 1) // 3 * 3 + 1, 1)


def period_bounds(name: str, today: date) -> tuple[date, date]:
    """First and last day of a named period (PERIODS); ones still running end today."""
    if name == "this-month":
        return today.replace(day=1), today
    if name == "last-month":
        end = today.replace(day=1) - timedelta(days=1)
        return end.replace(day=1), end
    if name == "this-quarter":
        return _quarter_start(today), today
    if name == "last-quarter":
        end = _quarter_start(today) - timedelta(days=1)
        return _quarter_start(end), end
    if name == "this-year":
        return date(today.year, 1, 1), today
    if name == "last-year":
        return date(today.year - 1, 1, 1), date(today.year - 1, 12, 31)
    if name in ("last-30-days", "last-90-days"):
        return today - timedelta(days=int(name.split("-")[1]) - 1), today
    raise ValueError(f"unknown period {name!r}")


def resolve_scope(scope: StatsScope, today: date) -> StatsScope:
    """The scope with its period's days filled in: the last WIN_RATE_DAYS days by default."""
    label = scope.label or (DEFAULT_PERIOD if scope.since is None and scope.until is None
                            else "")
    since = scope.since or today - timedelta(days=WIN_RATE_DAYS - 1)
    return replace(scope, since=since, until=scope.until or today, label=label)


def aged_after_days(median_days: float | None) -> int | None:
    """Whole days in a stage after which an open deal has aged out (None: no history)."""
    if median_days is None:
        return None
    return max(math.ceil(AGED_FACTOR * median_days), AGED_MIN_DAYS)


# -- small helpers ---------------------------------------------------------------------

def round_half_up(value: Fraction) -> int:
    """A non-negative fraction rounded to a whole number, halves up."""
    return int(value + Fraction(1, 2))


def rate(part: int, whole: int) -> Fraction | None:
    """part / whole, or None when there is nothing to divide."""
    return Fraction(part, whole) if whole else None


def median_of_counts(counts: Mapping[int, int]) -> float | None:
    """The median of values given as {value: how many times}; None when empty."""
    size = sum(counts.values())
    if size == 0:
        return None
    ordered = sorted(counts.items())

    def nth(index: int) -> int:
        seen = 0
        for value, count in ordered:
            seen += count
            if index < seen:
                return value
        raise IndexError(index)

    if size % 2:
        return float(nth(size // 2))
    return (nth(size // 2 - 1) + nth(size // 2)) / 2


def open_stages(stages: Sequence[Stage]) -> list[Stage]:
    """The stages a deal moves through before it is won, in board order (pipeline by
    pipeline, in the order given, when the stages are of several)."""
    rank: dict[str, int] = {}
    for stage in stages:
        rank.setdefault(stage.pipeline, len(rank))
    return [s for s in sorted(stages, key=lambda s: (rank[s.pipeline], s.position))
            if not s.is_won]


def each_pipeline(stages: Sequence[Stage]) -> list[list[Stage]]:
    """The stages grouped by their pipeline, in the order given."""
    groups: dict[str, list[Stage]] = {}
    for stage in stages:
        groups.setdefault(stage.pipeline, []).append(stage)
    return list(groups.values())


def _per_pipeline(figure: Callable[[Iterable[Reach], Sequence[Stage], Iterable[Aged]], list[T]],
                  reach: Iterable[Reach], stages: Sequence[Stage],
                  aged: Iterable[Aged]) -> list[T]:
    """A funnel figure worked out pipeline by pipeline: a deal's stages are of one."""
    groups = each_pipeline(stages)
    if len(groups) < 2:
        return figure(reach, stages, aged)
    reach, aged = list(reach), list(aged)
    result: list[T] = []
    for group in groups:
        keys = {s.key for s in group}
        result += figure([r for r in reach if r.stage in keys], group,
                         [a for a in aged if a.stage in keys])
    return result


def forecast_months(today: date, count: int = FORECAST_MONTHS) -> list[date]:
    """First days of this month and the `count - 1` after it."""
    months, year, month = [], today.year, today.month
    for _ in range(count):
        months.append(date(year, month, 1))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def trend_days(today: date, weeks: int = TREND_WEEKS) -> list[date]:
    """The days the open pipeline is read on: one a week, oldest first, ending today."""
    return [today - timedelta(days=7 * back) for back in range(weeks - 1, -1, -1)]


# -- the figures -----------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class StageLine:
    """One open stage: deals, value and weighted value."""

    stage: Stage
    deals: int
    value: MoneyTotal
    weighted: MoneyTotal


@dataclass(frozen=True, slots=True)
class Pipeline:
    """The open pipeline per stage and in total; `weighted` is the weighted forecast."""

    lines: tuple[StageLine, ...]
    deals: int
    value: MoneyTotal
    weighted: MoneyTotal


def pipeline_by_stage(totals: Iterable[StatusSum], stages: Sequence[Stage], home: str,
                      rates: Mapping[str, Decimal]) -> Pipeline:
    """Open deals per stage: count, value and weighted value, and the totals."""
    lines, everything = [], []
    for stage in open_stages(stages):
        rows = [t for t in totals if t.status is DealStatus.OPEN and t.stage == stage.key]
        value = [(r.value, r.currency, r.deals) for r in rows]
        weight = [(r.weighted, r.currency, r.deals) for r in rows]
        everything.append((value, weight))
        lines.append(StageLine(stage, sum(r.deals for r in rows), total(value, home, rates),
                               total(weight, home, rates)))
    return Pipeline(
        tuple(lines), sum(line.deals for line in lines),
        total((p for value, _ in everything for p in value), home, rates),
        total((p for _, weight in everything for p in weight), home, rates),
    )


@dataclass(frozen=True, slots=True)
class MonthForecast:
    """Open deals expected to close in one month (from its first day)."""

    month: date
    deals: int
    value: MoneyTotal
    weighted: MoneyTotal


@dataclass(frozen=True, slots=True)
class Forecast:
    """Expected close by month; deals whose date has passed count in the first month."""

    months: tuple[MonthForecast, ...]
    past_due: int
    later: int
    undated: int


def forecast_by_month(groups: Iterable[DealGroup], today: date, home: str,
                      rates: Mapping[str, Decimal], count: int = FORECAST_MONTHS) -> Forecast:
    """Weighted and unweighted value expected to close in each of the next `count` months."""
    months = forecast_months(today, count)
    first = months[0].isoformat()[:7]
    values: dict[str | None, list[tuple[int | None, str, int]]] = defaultdict(list)
    weights: dict[str | None, list[tuple[int | None, str, int]]] = defaultdict(list)
    past_due = 0
    for group in groups:
        if group.status is not DealStatus.OPEN:
            continue
        past_due += group.close_passed
        month = group.close_month
        # An open deal whose date has passed is still expected: it is due now.
        if month not in (None, "later") and month < first:
            month = first
        values[month].append((group.value, group.currency, group.deals))
        weights[month].append((group.weighted, group.currency, group.deals))

    def deals(key: str | None) -> int:
        return sum(n for _, _, n in values[key])

    return Forecast(
        tuple(MonthForecast(day, deals(key), total(values[key], home, rates),
                            total(weights[key], home, rates))
              for day in months for key in [day.isoformat()[:7]]),
        past_due, deals("later"), deals(None),
    )


@dataclass(frozen=True, slots=True)
class WinRate:
    """Deals won and lost within `days` days, and the value won."""

    days: int
    won: int
    lost: int
    won_value: MoneyTotal

    @property
    def rate(self) -> Fraction | None:
        """Won / (won + lost)."""
        return rate(self.won, self.won + self.lost)

    @property
    def average_won(self) -> int | None:
        """Average won value in the home currency (deals without a rate or without a
        value left out)."""
        counted = self.won_value.converted_deals
        return round_half_up(Fraction(self.won_value.amount, counted)) if counted else None


def win_rate(closed: Iterable[ClosedSum], home: str, rates: Mapping[str, Decimal],
             days: int = WIN_RATE_DAYS) -> WinRate:
    """Win rate and won value over the closed deals the store found in the period."""
    rows = list(closed)
    won = [r for r in rows if r.status is DealStatus.WON]
    return WinRate(days, sum(r.deals for r in won),
                   sum(r.deals for r in rows if r.status is DealStatus.LOST),
                   total(((r.value, r.currency, r.deals) for r in won), home, rates))


@dataclass(frozen=True, slots=True)
class Cycle:
    """Whole days from created to won, for the deals won within the window."""

    won: int
    average_days: Fraction | None
    median_days: float | None


def sales_cycle(closed: Iterable[ClosedSum]) -> Cycle:
    """Average and median sales cycle of the recently won deals."""
    counts: dict[int, int] = defaultdict(int)
    for row in closed:
        if row.status is DealStatus.WON and row.cycle_days is not None:
            counts[row.cycle_days] += row.deals
    won = sum(counts.values())
    average = rate(sum(days * n for days, n in counts.items()), won)
    return Cycle(won, average, median_of_counts(counts))


@dataclass(frozen=True, slots=True)
class Velocity:
    """Sales velocity: open deals x average won value x win rate / cycle length, per day."""

    open_deals: int
    average_value: int | None
    win_rate: Fraction | None
    cycle_days: Fraction | None
    currency: str

    @property
    def per_day(self) -> int | None:
        """Expected value won per day, in home-currency minor units (None without history)."""
        if self.average_value is None or self.win_rate is None or self.cycle_days is None:
            return None
        # A cycle shorter than a day (deals won the day they were made) counts as one day.
        days = max(self.cycle_days, Fraction(1))
        return round_half_up(self.open_deals * self.average_value * self.win_rate / days)


@dataclass(frozen=True, slots=True)
class Conversion:
    """Of the deals that reached `from_stage` and were decided, how many went on.

    Deals still in the stage that have aged out of it (`aged`: well past its usual time,
    or quiet past its stale limit) count as not converted; the rest are undecided.
    """

    from_stage: Stage
    to_stage: Stage
    reached: int
    advanced: int
    dropped: int
    aged: int = 0

    @property
    def undecided(self) -> int:
        """Deals still open or paused in the stage, not aged out: not counted in the rate."""
        return self.reached - self.advanced - self.dropped - self.aged

    @property
    def rate(self) -> Fraction | None:
        """Advanced / (advanced + lost there + aged out there)."""
        return rate(self.advanced, self.advanced + self.dropped + self.aged)


def _levels(reach: Iterable[Reach], stages: Sequence[Stage]) -> list[tuple[int, DealStatus, int]]:
    """(index of the furthest open stage reached, status, deals); won deals passed them all.

    Deals lost at an unknown stage are left out: nobody knows how far they got.
    """
    order = {s.key: i for i, s in enumerate(open_stages(stages))}
    top = len(order)
    return [(top if r.status is DealStatus.WON or r.stage not in order else order[r.stage],
             r.status, r.deals) for r in reach if r.stage is not None]


def _aged_levels(levels: list[tuple[int, DealStatus, int]], aged: Iterable[Aged],
                 stages: Sequence[Stage]) -> list[int]:
    """Aged-out deals per open stage, never more than the open deals at that level
    (a deal moved back sits below its furthest stage: it stays undecided)."""
    path = open_stages(stages)
    by_stage: dict[str, int] = defaultdict(int)
    for row in aged:
        by_stage[row.stage] += row.deals
    return [min(by_stage[stage.key], sum(n for level, status, n in levels
                                        if level == index and status is DealStatus.OPEN))
            for index, stage in enumerate(path)]


def conversions(reach: Iterable[Reach], stages: Sequence[Stage],
                aged: Iterable[Aged] = ()) -> list[Conversion]:
    """Stage-to-stage conversion: a deal that skipped a stage passed through it."""
    path = open_stages(stages)
    won = next((s for s in stages if s.is_won), None)
    levels = _levels(reach, stages)
    aged_at = _aged_levels(levels, aged, stages)
    result = []
    for index, stage in enumerate(path):
        after = path[index + 1] if index + 1 < len(path) else won
        if after is None:
            break
        result.append(Conversion(
            stage, after,
            reached=sum(n for level, _, n in levels if level >= index),
            advanced=sum(n for level, _, n in levels if level > index),
            dropped=sum(n for level, status, n in levels
                        if level == index and status is DealStatus.LOST),
            aged=aged_at[index],
        ))
    return result


@dataclass(frozen=True, slots=True)
class Calibration:
    """A stage's configured probability beside the win rate of the deals that reached it.

    Deals that reached it and aged out somewhere count as not won; `undecided` ones (still
    open, not aged) are censored: they bound what the history can say.
    """

    stage: Stage
    won: int
    lost: int
    aged: int = 0
    undecided: int = 0

    @property
    def decided(self) -> int:
        """Won, lost, or aged out."""
        return self.won + self.lost + self.aged

    @property
    def observed(self) -> Fraction | None:
        """Won / decided among the deals that reached the stage."""
        return rate(self.won, self.decided)

    @property
    def bounds(self) -> tuple[Fraction, Fraction] | None:
        """The win rate if every undecided deal were lost, and if every one were won."""
        whole = self.decided + self.undecided
        if not whole:
            return None
        return Fraction(self.won, whole), Fraction(self.won + self.undecided, whole)

    @property
    def supported(self) -> Fraction | None:
        """The probability the history supports nearest the set one, when even the
        undecided deals' best or worst outcome leaves it WIDE_GAP or more away (and
        MIN_CLOSED deals were decided); None when the history does not say so."""
        bounds = self.bounds
        if bounds is None or self.decided < MIN_CLOSED:
            return None
        low, high = bounds
        configured = Fraction(self.stage.probability, 100)
        if high <= configured - WIDE_GAP:
            return high
        if low >= configured + WIDE_GAP:
            return low
        return None

    @property
    def differs(self) -> bool:
        """True when the history supports a probability WIDE_GAP or more from the set one."""
        return self.supported is not None


def calibration(reach: Iterable[Reach], stages: Sequence[Stage],
                aged: Iterable[Aged] = ()) -> list[Calibration]:
    """Each open stage's probability against the outcome of the deals that reached it."""
    levels = _levels(reach, stages)
    aged_at = _aged_levels(levels, aged, stages)
    won = sum(n for _, status, n in levels if status is DealStatus.WON)
    result = []
    for index, stage in enumerate(open_stages(stages)):
        aged_out = sum(aged_at[index:])
        still = sum(n for level, status, n in levels
                    if level >= index and status in (DealStatus.OPEN, DealStatus.PAUSED))
        result.append(Calibration(
            stage, won, sum(n for level, status, n in levels
                            if status is DealStatus.LOST and level >= index),
            aged=aged_out, undecided=still - aged_out))
    return result


@dataclass(frozen=True, slots=True)
class StageTime:
    """Median whole days a completed visit of the stage lasted."""

    stage: Stage
    visits: int
    median_days: float | None


def time_in_stage(days: Iterable[StageDays], stages: Sequence[Stage]) -> list[StageTime]:
    """Median days in each open stage, over the visits the history shows completed."""
    counts: dict[str | None, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    for row in days:
        counts[row.stage][row.days] += row.visits
    return [StageTime(s, sum(counts[s.key].values()), median_of_counts(counts[s.key]))
            for s in open_stages(stages)]


@dataclass(frozen=True, slots=True)
class SourceResult:
    """Deals from one lead source: how many, how they ended, what they are worth."""

    source: str
    deals: int
    open: int
    won: int
    lost: int
    won_value: MoneyTotal
    open_value: MoneyTotal

    @property
    def win_rate(self) -> Fraction | None:
        """Won / (won + lost)."""
        return rate(self.won, self.won + self.lost)


def results_by_source(groups: Iterable[DealGroup], home: str,
                      rates: Mapping[str, Decimal]) -> list[SourceResult]:
    """Results per lead source, most deals first."""
    by_source: dict[str, list[DealGroup]] = defaultdict(list)
    for group in groups:
        by_source[group.source].append(group)

    def count(rows: list[DealGroup], status: DealStatus) -> int:
        return sum(r.deals for r in rows if r.status is status)

    def value(rows: list[DealGroup], status: DealStatus) -> MoneyTotal:
        return total(((r.value, r.currency, r.deals) for r in rows if r.status is status),
                     home, rates)

    results = [
        SourceResult(source, sum(r.deals for r in rows), count(rows, DealStatus.OPEN),
                     count(rows, DealStatus.WON), count(rows, DealStatus.LOST),
                     value(rows, DealStatus.WON), value(rows, DealStatus.OPEN))
        for source, rows in by_source.items()
    ]
    return sorted(results, key=lambda r: (-r.deals, r.source))


@dataclass(frozen=True, slots=True)
class TrendPoint:
    """The open pipeline's value at the end of one day."""

    day: date
    value: MoneyTotal


def open_value_trend(days: Sequence[date], groups: Iterable[DealGroup],
                     shifts: Iterable[StatusShift], home: str,
                     rates: Mapping[str, Decimal]) -> list[TrendPoint]:
    """The open pipeline at the end of each day, replayed back from today's."""
    # At point k: the deals open now that existed then, plus what left the open pipeline
    # after k, minus what came into it after k, all at today's values.
    parts = [(g.currency, g.value, g.point, len(days)) for g in groups
             if g.status is DealStatus.OPEN]
    parts += [(s.currency, s.value, s.created_point, s.changed_point) for s in shifts]
    points = []
    for k, day in enumerate(days):
        sums: dict[str, int] = defaultdict(int)
        for currency, value, first, until in parts:
            if first <= k < until and value is not None:  # None: deals without a value
                sums[currency] += value
        points.append(TrendPoint(day, total(((v, c, 0) for c, v in sums.items()), home, rates)))
    return points


@dataclass(frozen=True, slots=True)
class OwnerLine:
    """One rep's row of the team table: open pipeline, the period's results, hygiene."""

    owner: str
    open_deals: int
    open_value: MoneyTotal
    weighted: MoneyTotal
    won: int
    lost: int
    cycle_days: Fraction | None  # average created to won, over the period's won deals
    no_next_step: int
    step_overdue: int
    stale: int
    touches: int  # activities logged in the last TOUCH_DAYS days

    @property
    def win_rate(self) -> Fraction | None:
        """Won / (won + lost) in the period."""
        return rate(self.won, self.won + self.lost)

    @property
    def needs_attention(self) -> int:
        """Open deals without a next step, with an overdue one, or stale (may overlap)."""
        return self.no_next_step + self.step_overdue + self.stale


def team_table(groups: Iterable[DealGroup], closed: Iterable[ClosedSum],
               touches: Iterable[Touches], home: str,
               rates: Mapping[str, Decimal]) -> list[OwnerLine]:
    """Per owner: most needing attention (share of their open deals) first, then the
    largest open value; reps with nothing open, closed or logged are left out."""
    open_by: dict[str, list[DealGroup]] = defaultdict(list)
    owners: set[str] = set()
    for group in groups:
        owners.add(group.owner)
        if group.status is DealStatus.OPEN:
            open_by[group.owner].append(group)
    closed_by: dict[str, list[ClosedSum]] = defaultdict(list)
    for row in closed:
        owners.add(row.owner)
        closed_by[row.owner].append(row)
    logged = {t.actor: t.count for t in touches}
    lines = []
    for owner in owners:
        rows, ended = open_by[owner], closed_by[owner]
        line = OwnerLine(
            owner, sum(g.deals for g in rows),
            total(((g.value, g.currency, g.deals) for g in rows), home, rates),
            total(((g.weighted, g.currency, g.deals) for g in rows), home, rates),
            sum(r.deals for r in ended if r.status is DealStatus.WON),
            sum(r.deals for r in ended if r.status is DealStatus.LOST),
            sales_cycle(ended).average_days,
            sum(g.no_next_step for g in rows), sum(g.step_overdue for g in rows),
            sum(g.stale for g in rows), logged.get(owner, 0))
        if line.open_deals or line.won or line.lost or line.touches:
            lines.append(line)

    def urgency(line: OwnerLine) -> tuple[Fraction, int, str]:
        share = Fraction(line.needs_attention, line.open_deals) if line.open_deals else \
            Fraction(0)
        return -share, -line.open_value.amount, line.owner

    return sorted(lines, key=urgency)


NO_REASON = "(no reason given)"


@dataclass(frozen=True, slots=True)
class LostLine:
    """Deals lost for one reason, or at one stage, in the period."""

    label: str
    deals: int
    value: MoneyTotal


@dataclass(frozen=True, slots=True)
class LostAnalysis:
    """The period's lost deals by reason (most first) and by the stage they were lost at
    (board order; an unknown stage last)."""

    by_reason: tuple[LostLine, ...]
    by_stage: tuple[LostLine, ...]
    deals: int


def lost_analysis(closed: Iterable[ClosedSum], stages: Sequence[Stage],
                  reasons: Sequence[str], home: str,
                  rates: Mapping[str, Decimal]) -> LostAnalysis:
    """Lost deals by reason (free text grouped without regard to case and spaces, spelt
    as the configured list spells it) and by stage, with their value."""
    rows = [r for r in closed if r.status is DealStatus.LOST]
    spelling = {reason.strip().casefold(): reason for reason in reasons}
    by_reason: dict[str, list[ClosedSum]] = defaultdict(list)
    for row in rows:
        key = " ".join(row.reason.split()).casefold()
        spelling.setdefault(key, " ".join(row.reason.split()) or NO_REASON)
        by_reason[key].append(row)

    def line(label: str, group: list[ClosedSum]) -> LostLine:
        return LostLine(label, sum(r.deals for r in group),
                        total(((r.value, r.currency, r.deals) for r in group), home, rates))

    reason_lines = sorted((line(spelling[key], group) for key, group in by_reason.items()),
                          key=lambda x: (-x.deals, -x.value.amount, x.label))
    names = {s.key: s.name for s in stages}
    order = {s.key: s.position for s in stages}
    by_stage: dict[str | None, list[ClosedSum]] = defaultdict(list)
    for row in rows:
        by_stage[row.stage if row.stage in names else None].append(row)
    stage_lines = [line(names[key] if key is not None else "unknown stage", by_stage[key])
                   for key in sorted(by_stage, key=lambda k: (k is None, order.get(k or "", 0)))]
    return LostAnalysis(tuple(reason_lines), tuple(stage_lines), sum(r.deals for r in rows))


NO_LOSSES = LostAnalysis((), (), 0)


@dataclass(frozen=True, slots=True)
class Health:
    """Counts over the open deals that the health hints are written from."""

    stale: int
    no_next_step: int
    step_overdue: int
    unqualified: int


@dataclass(frozen=True, slots=True)
class PipelineStats:
    """Every figure of the statistics screen and the `stats` report."""

    today: date
    home_currency: str
    pipeline: Pipeline
    forecast: Forecast
    win_rate: WinRate
    conversion: tuple[Conversion, ...]
    time_in_stage: tuple[StageTime, ...]
    cycle: Cycle
    velocity: Velocity
    calibration: tuple[Calibration, ...]
    sources: tuple[SourceResult, ...]
    trend: tuple[TrendPoint, ...]
    health: Health
    # Lost at a stage nobody knows (imported without it): counted apart from conversion,
    # calibration and time in stage, still in the win rate.
    lost_unknown_stage: int = 0
    # Who and what the figures cover; the period closed deals are counted in.
    scope: StatsScope = WHOLE_PIPELINE
    team: tuple[OwnerLine, ...] = ()
    lost: LostAnalysis = NO_LOSSES
    # Open deals slipping: the close date pushed two or more times, or well past the
    # stage's usual time (aged_after_days) while still being touched.
    slipping: int = 0
    # The forecast call by month (and targeted quarter) against the targets.
    call: ForecastCall | None = None
    # Past months' forecasts (rebuilt from the log) against what was won, oldest first.
    accuracy: tuple[MonthAccuracy, ...] = ()


def compute_stats(inputs: StatsInputs) -> PipelineStats:
    """All the figures, from what the store gathered."""
    home, rates, stages = inputs.home_currency, inputs.rates, inputs.stages
    scope = resolve_scope(inputs.scope, inputs.today)
    assert scope.since is not None and scope.until is not None
    pipeline = pipeline_by_stage(inputs.totals, stages, home, rates)
    won = win_rate(inputs.closed, home, rates, days=(scope.until - scope.since).days + 1)
    cycle = sales_cycle(inputs.closed)
    groups = [g for g in inputs.groups if g.status is DealStatus.OPEN]
    return PipelineStats(
        today=inputs.today,
        home_currency=home,
        pipeline=pipeline,
        forecast=forecast_by_month(groups, inputs.today, home, rates),
        win_rate=won,
        conversion=tuple(_per_pipeline(conversions, inputs.reach, stages, inputs.aged)),
        time_in_stage=tuple(time_in_stage(inputs.stage_days, stages)),
        cycle=cycle,
        velocity=Velocity(pipeline.deals, won.average_won, won.rate, cycle.average_days, home),
        calibration=tuple(_per_pipeline(calibration, inputs.reach, stages, inputs.aged)),
        sources=tuple(results_by_source(inputs.groups, home, rates)),
        trend=tuple(open_value_trend(trend_days(inputs.today), groups, inputs.shifts,
                                     home, rates)),
        health=Health(sum(g.stale for g in groups), sum(g.no_next_step for g in groups),
                      sum(g.step_overdue for g in groups), sum(g.unqualified for g in groups)),
        lost_unknown_stage=sum(t.deals for t in inputs.totals
                               if t.stage is None and t.status is DealStatus.LOST),
        scope=scope,
        team=tuple(team_table(inputs.groups, inputs.closed, inputs.touches, home, rates)),
        lost=lost_analysis(inputs.closed, stages, inputs.lost_reasons, home, rates),
        slipping=sum(row.slipping for row in inputs.aged),
        call=forecast_call(groups, inputs.won_this_quarter, inputs.targets,
                           forecast_months(inputs.today), owner=scope.owner or "",
                           home=home, rates=rates),
        accuracy=forecast_accuracy(inputs.past_forecasts, past_months(inputs.today),
                                   home=home, rates=rates),
    )
