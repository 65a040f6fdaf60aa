"""The forecast call: commit, best case and weighted by close month, against the targets."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from kanban_pipe.domain.errors import InvalidInputError
from kanban_pipe.domain.models import DealStatus, ForecastCategory, Target
from kanban_pipe.domain.money import MoneyTotal, total
from kanban_pipe.domain.stats_inputs import DealGroup, PastForecastSum

_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_MONTH_RE = re.compile(r"^(\d{4})-(\d{1,2})$")
_QUARTER_RE = re.compile(r"^(?:(\d{4})[- ]?q([1-4])|q([1-4])(?:[- ]?(\d{4}))?)$")
_NAMED_MONTH_RE = re.compile(r"^([a-z]{3})[a-z]*(?:[- ]?(\d{4}))?$")


def _month(year: int, month: int) -> str:
    return f"{year:04d}-{month:02d}"


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def parse_period(text: str, today: date) -> str:
    """A target's period from '2026-12', 'dec', 'dec 2026', '2026-Q4', 'q4', 'this-month',
    'next-month', 'this-quarter' or 'next-quarter' ('2026-12' or '2026-Q4')."""
    word = " ".join(text.strip().lower().split())
    start = date(today.year, today.month, 1)
    quarter_start = date(today.year, (today.month - 1) // 3 * 3 + 1, 1)
    named = {"this-month": start, "next-month": _add_months(start, 1)}
    if word in named:
        return _month(named[word].year, named[word].month)
    quarters = {"this-quarter": quarter_start, "next-quarter": _add_months(quarter_start, 3)}
    if word in quarters:
        day = quarters[word]
        return f"{day.year:04d}-Q{(day.month - 1) // 3 + 1}"
    if match := _MONTH_RE.match(word):
        year, month = int(match[1]), int(match[2])
        if 1 <= month <= 12:
            return _month(year, month)
    # Without a year, a month or quarter is the next one of that name (this one included).
    if match := _QUARTER_RE.match(word):
        quarter = int(match[2] or match[3])
        year_text = match[1] or match[4]
        year = (int(year_text) if year_text
                else today.year + (quarter < (today.month - 1) // 3 + 1))
        return f"{year:04d}-Q{quarter}"
    if (match := _NAMED_MONTH_RE.match(word)) and match[1] in _MONTHS:
        number = _MONTHS.index(match[1]) + 1
        return _month(int(match[2]) if match[2] else today.year + (number < today.month),
                      number)
    raise InvalidInputError(f"period {text!r} is not a month or quarter: try 2026-12, dec, "
                            "2026-Q4, q4, this-month or next-quarter")


def period_months(period: str) -> tuple[str, ...]:
    """The months ('YYYY-MM') a period covers: itself, or a quarter's three."""
    if "-Q" in period:
        year, quarter = period.split("-Q")
        first = (int(quarter) - 1) * 3 + 1
        return tuple(_month(int(year), first + i) for i in range(3))
    return (period,)


def quarter_of(month: str) -> str:
    """The quarter ('2026-Q4') a month ('2026-11') is in."""
    year, number = month.split("-")
    return f"{year}-Q{(int(number) - 1) // 3 + 1}"


@dataclass(frozen=True, slots=True)
class PeriodCall:
    """One month or quarter of the forecast call.

    `won` is what was already won in the period; `commit` and `best_case` the open deals
    their owners called so, by expected close (best case includes commit, as a forecast
    call adds them up); `weighted` every open deal at its probability. The gap is the
    target less what is won and committed: above 0 the team is short of its target.
    """

    period: str
    deals: int
    won: MoneyTotal
    commit: MoneyTotal
    best_case: MoneyTotal
    weighted: MoneyTotal
    target: MoneyTotal | None = None

    @property
    def gap(self) -> int | None:
        """Target less won and commit, in minor units of the home currency (None without
        a target)."""
        if self.target is None:
            return None
        return self.target.amount - self.won.amount - self.commit.amount


@dataclass(frozen=True, slots=True)
class ForecastCall:
    """The call by month and, where a quarter has a target, by quarter."""

    months: tuple[PeriodCall, ...]
    quarters: tuple[PeriodCall, ...]
    owner: str  # whose targets: '' for the team's


Amounts = list[tuple[int | None, str, int]]


def forecast_call(groups: Iterable[DealGroup], won: Iterable[tuple[str, str, int, int]],
                  targets: Sequence[Target], months: Sequence[date], *, owner: str,
                  home: str, rates: Mapping[str, Decimal]) -> ForecastCall:
    """Commit, best case and weighted per month (a passed close date counts in the first)
    and per targeted quarter, beside what was won and the target.

    `won` holds (month, currency, value, deals) of the deals won this quarter so far.
    """
    shown = [day.isoformat()[:7] for day in months]
    parts: dict[str, dict[str, Amounts]] = defaultdict(lambda: defaultdict(list))
    counts: dict[str, int] = defaultdict(int)
    for group in groups:
        if group.status is not DealStatus.OPEN or group.close_month in (None, "later"):
            continue
        month = max(str(group.close_month), shown[0])
        counts[month] += group.deals
        part = parts[month]
        part["weighted"].append((group.weighted, group.currency, group.deals))
        if group.category is ForecastCategory.COMMIT:
            part["commit"].append((group.value, group.currency, group.deals))
        if group.category in (ForecastCategory.COMMIT, ForecastCategory.BEST_CASE):
            part["best_case"].append((group.value, group.currency, group.deals))
    for month, currency, value, deals in won:
        parts[month]["won"].append((value, currency, deals))
    mine = {t.period: t for t in targets if t.owner == owner}

    def call(period: str) -> PeriodCall:
        covered = period_months(period)

        def money(name: str) -> MoneyTotal:
            return total((a for m in covered for a in parts[m][name]), home, rates)

        target = mine.get(period)
        return PeriodCall(period, sum(counts[m] for m in covered), money("won"),
                          money("commit"), money("best_case"), money("weighted"),
                          total([(target.amount, target.currency, 1)], home, rates)
                          if target else None)

    quarters = sorted({quarter_of(m) for m in shown} & set(mine))
    return ForecastCall(tuple(call(m) for m in shown), tuple(call(q) for q in quarters), owner)


# -- how good past forecasts were ---------------------------------------------------------

ACCURACY_MONTHS = 6  # past months whose forecast is rebuilt and set against what was won


def past_months(today: date, count: int = ACCURACY_MONTHS) -> list[date]:
    """First days of the `count` whole months before this one, oldest first."""
    this = date(today.year, today.month, 1)
    return [_add_months(this, -back) for back in range(count, 0, -1)]


@dataclass(frozen=True, slots=True)
class MonthAccuracy:
    """A past month's forecast against the outcome, in the home currency."""

    month: str
    weighted: MoneyTotal
    commit: MoneyTotal
    best_case: MoneyTotal
    won: MoneyTotal
    committed_won: MoneyTotal
    forecast_deals: int
    won_deals: int

    @property
    def won_of_weighted(self) -> float | None:
        """What was won as a share of the weighted forecast (1.0: spot on)."""
        return _share(self.won, self.weighted)

    @property
    def won_of_commit(self) -> float | None:
        """What was won as a share of the commit."""
        return _share(self.won, self.commit)

    @property
    def commit_kept(self) -> float | None:
        """The share of the commit's value won in the month: can the commits be trusted?"""
        return _share(self.committed_won, self.commit)


def _share(part: MoneyTotal, whole: MoneyTotal) -> float | None:
    return None if not whole.amount else part.amount / whole.amount


def forecast_accuracy(sums: Iterable[PastForecastSum], months: Sequence[date], *, home: str,
                      rates: Mapping[str, Decimal]) -> tuple[MonthAccuracy, ...]:
    """Each past month's rebuilt forecast beside what was won, oldest first."""
    by_month: dict[str, list[PastForecastSum]] = defaultdict(list)
    for line in sums:
        by_month[line.month].append(line)

    def money(lines: list[PastForecastSum], name: str) -> MoneyTotal:
        return total(((getattr(line, name), line.currency, 1) for line in lines), home, rates)

    result = []
    for month in (day.isoformat()[:7] for day in months):
        lines = by_month[month]
        result.append(MonthAccuracy(
            month, money(lines, "weighted"), money(lines, "commit"), money(lines, "best_case"),
            money(lines, "won"), money(lines, "committed_won"),
            sum(line.forecast_deals for line in lines), sum(line.won_deals for line in lines)))
    return tuple(result)
