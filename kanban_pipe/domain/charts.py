"""The statistics in words and text charts: plain lines that read without colour."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from fractions import Fraction

from kanban_pipe.domain.amounts import format_compact
from kanban_pipe.domain.forecast import PeriodCall
from kanban_pipe.domain.money import MoneyTotal, compact_text, no_rate_note
from kanban_pipe.domain.stats import (
    DEFAULT_PERIOD,
    WIN_RATE_DAYS,
    LostLine,
    PipelineStats,
    StatsScope,
)

# Stale deals are "many" from this share of the open deals on.
STALE_SHARE = Fraction(1, 5)

FULL, REST = "█", "░"
EIGHTHS = " ▏▎▍▌▋▊▉"
SPARKS = "▁▂▃▄▅▆▇█"
BAR_WIDTH = 20
NONE = "–"

Clean = Callable[[str], str]


@dataclass(frozen=True, slots=True)
class Section:
    """A titled block of the report: plain text lines, user text already made safe."""

    key: str
    title: str
    lines: tuple[str, ...]


# -- drawing -----------------------------------------------------------------------------

def bar(value: int, scale: int, width: int = BAR_WIDTH) -> str:
    """`value` of `scale` as a bar `width` cells long at most, in eighths of a cell."""
    if scale <= 0 or value <= 0:
        return ""
    eighths = max(1, round(value * width * 8 / scale))
    return FULL * (eighths // 8) + (EIGHTHS[eighths % 8] if eighths % 8 else "")


def split_bar(part: int, whole: int, scale: int, width: int = BAR_WIDTH) -> str:
    """A bar of `whole` whose first `part` is solid and the rest shaded (█ then ░)."""
    solid = bar(part, scale, width)
    shaded = round(whole * width / scale) - len(solid) if scale > 0 else 0
    return solid + REST * max(0, shaded)


def sparkline(values: Sequence[int]) -> str:
    """One block per value, from ▁ (the lowest) to █ (the highest)."""
    if not values:
        return ""
    low, high = min(values), max(values)
    if high == low:
        return SPARKS[len(SPARKS) // 2] * len(values)
    return "".join(SPARKS[round((v - low) * (len(SPARKS) - 1) / (high - low))] for v in values)


def percent(value: Fraction | None) -> str:
    """'42%' (rounded half up), or – when there is nothing to compare."""
    return NONE if value is None else f"{int(value * 100 + Fraction(1, 2))}%"


def days_text(value: float | Fraction | None) -> str:
    """'12d', '12.5d', or –."""
    if value is None:
        return NONE
    rounded = round(float(value), 1)
    return f"{rounded:g}d"


def money_text(money: MoneyTotal) -> str:
    """A total with what had no exchange rate apart (domain.money.compact_text)."""
    return compact_text(money)


def left_out(*totals: MoneyTotal) -> list[str]:
    """The note under a table with amounts apart: which currencies, and how to add them."""
    note = no_rate_note(*totals)
    return [note] if note else []


def _width(text: str) -> int:
    return sum(0 if unicodedata.combining(c) else
               2 if unicodedata.east_asian_width(c) in ("W", "F") else 1 for c in text)


def fit(text: str, width: int) -> str:
    """`text` cut to `width` terminal cells (ending in …), padded to exactly that width."""
    if _width(text) > width:
        while _width(text) > width - 1:
            text = text[:-1]
        text += "…"
    return text + " " * (width - _width(text))


def table(headers: Sequence[str], rows: Sequence[Sequence[str]],
          right: frozenset[int] = frozenset()) -> list[str]:
    """Aligned columns two spaces apart; `right` holds the right-aligned ones."""
    grid = [list(headers), *[list(row) for row in rows]]
    widths = [max(_width(row[i]) for row in grid) for i in range(len(headers))]
    return ["  ".join((" " * (widths[i] - _width(cell)) + cell) if i in right
                      else fit(cell, widths[i]) for i, cell in enumerate(row)).rstrip()
            for row in grid]


# -- words ------------------------------------------------------------------------------

def _deals(count: int) -> str:
    return f"{count} deal" + ("" if count == 1 else "s")


def _counted(count: int, one: str, many: str) -> str:
    """'1 deal has', '3 deals have': the count with the verb that agrees with it."""
    return f"{_deals(count)} {one if count == 1 else many}"


def health_hints(stats: PipelineStats) -> list[str]:
    """What the numbers say to do, in plain words (user text raw: render it safely)."""
    hints: list[str] = []
    lines = stats.pipeline.lines
    health, open_deals = stats.health, stats.pipeline.deals
    if lines and lines[0].deals == 0:
        hints.append(f"{lines[0].stage.name} is empty: feed it, nothing new is coming in.")
    elif len(lines) > 1 and lines[0].deals < lines[1].deals:
        hints.append(f"{lines[0].stage.name} is thin ({_deals(lines[0].deals)} against "
                     f"{lines[1].deals} in {lines[1].stage.name}): feed it with new leads.")
    if health.stale and health.stale >= open_deals * STALE_SHARE:
        hints.append(f"{health.stale} of {_deals(open_deals)} open "
                     f"{'is' if health.stale == 1 else 'are'} stale "
                     f"({percent(Fraction(health.stale, open_deals))}): clean it — log a touch, "
                     "move them back, pause or close them.")
    if health.unqualified:
        first = next((line.stage.name for line in lines
                      if line.stage.requires_qualification), "a late stage")
        hints.append(f"{_counted(health.unqualified, 'is', 'are')} in {first} or later without "
                     "a decision maker, need or timeline: qualify or move back.")
    if health.no_next_step:
        hints.append(f"{_counted(health.no_next_step, 'has', 'have')} no next step: set an "
                     "action, an owner and a date.")
    if health.step_overdue:
        verb = "next steps are" if health.step_overdue > 1 else "next step is"
        hints.append(f"{health.step_overdue} {verb} overdue: do them or set new dates.")
    if stats.slipping:
        hints.append(f"{_counted(stats.slipping, 'is', 'are')} slipping (close date pushed "
                     "twice or more, or long past the stage's usual time though still "
                     "touched): decide — a firm next step with a date, or close it.")
    if stats.forecast.past_due:
        hints.append(f"{_counted(stats.forecast.past_due, 'is', 'are')} past the expected "
                     "close date: update the date or close the deal.")
    for row in stats.calibration:
        supported = row.supported
        if supported is not None:
            seen, shown = percent(row.observed), percent(supported)
            still = f" ({row.undecided} still undecided)" if row.undecided else ""
            hints.append(f"{row.stage.name} is set to {row.stage.probability}% but {seen} of the "
                         f"{row.decided} decided deals that reached it were won{still}: "
                         f"`kanban-pipe stages set {row.stage.key} --probability "
                         f"{shown.rstrip('%')}` bases the forecast on what your history "
                         "supports.")
    if stats.win_rate.won + stats.win_rate.lost == 0:
        hints.append(f"No deal was won or lost in the {period_words(stats.scope)}: "
                     "win rate and velocity need closed deals.")
    missing = sorted(set(stats.pipeline.value.unconverted)
                     | set(stats.win_rate.won_value.unconverted))
    if missing:
        hints.append(f"Deals in {', '.join(missing)} have no exchange rate and are counted "
                     f"apart: `kanban-pipe currency set {missing[0]} RATE` adds them.")
    return hints


def period_words(scope: StatsScope) -> str:
    """'last 90 days', 'this-quarter (1 Oct 2026 – 25 Nov 2026)', '1 Oct 2026 – 31 Oct 2026'."""
    since, until = scope.since, scope.until
    if since is None or until is None:
        return f"last {WIN_RATE_DAYS} days"
    days = f"{since:%d %b %Y} – {until:%d %b %Y}"
    if scope.label == DEFAULT_PERIOD:
        return scope.label
    return f"{scope.label.replace('-', ' ')} ({days})" if scope.label else days


def scope_words(scope: StatsScope, clean: Clean) -> str:
    """Whose deals the figures cover: 'whole team', 'owner anna · source event'."""
    parts = [clean(scope.pipeline)] if scope.pipeline else []
    if scope.owner is not None:
        parts.append(f"owner {clean(scope.owner)}")
    if scope.source is not None:
        parts.append(f"source {clean(scope.source) or '(none)'}")
    if scope.owner is None and scope.source is None:
        parts.append("whole team")
    return " · ".join(parts)


# -- the report ---------------------------------------------------------------------------

def report(stats: PipelineStats, clean: Clean) -> list[Section]:
    """Every section of the statistics, in reading order; `clean` makes user text safe."""
    return [
        Section("hints", "What to do", tuple(f"• {clean(hint)}" for hint in health_hints(stats))
                or ("Nothing stands out: the pipeline looks healthy.",)),
        _pipeline(stats, clean), _forecast(stats), _trend(stats), _win_rate(stats),
        _conversion(stats, clean), _calibration(stats, clean), _sources(stats, clean),
        team_section(stats, clean), lost_section(stats, clean), call_section(stats, clean),
        accuracy_section(stats),
    ]


def gap_text(gap: int | None, currency: str) -> str:
    """A gap to target as words: 'short 12k', 'ahead 3k', 'on target', or '—'."""
    if gap is None:
        return "—"
    if gap == 0:
        return "on target"
    return f"{'short' if gap > 0 else 'ahead'} {format_compact(abs(gap), currency)}"


def call_section(stats: PipelineStats, clean: Clean) -> Section:
    """The forecast call: won, commit, best case and weighted by month and targeted
    quarter, against the target, with the gap (target less won and commit)."""
    call = stats.call
    if call is None:
        return Section("call", "Forecast call", ("No forecast.",))
    currency = stats.home_currency

    def row(line: PeriodCall, label: str) -> list[str]:
        target = money_text(line.target) if line.target is not None else "—"
        return [label, money_text(line.won), money_text(line.commit),
                money_text(line.best_case), money_text(line.weighted), target,
                gap_text(line.gap, currency), str(line.deals)]

    rows = [row(m, f"{date.fromisoformat(m.period + '-01'):%b %Y}") for m in call.months]
    rows += [row(q, q.period.replace("-", " ")) for q in call.quarters]
    whose = f"{clean(call.owner)}'s targets" if call.owner else "the team's targets"
    lines = table(("PERIOD", "WON", "COMMIT", "BEST CASE", "WEIGHTED", "TARGET", "GAP",
                   "DEALS"), rows, frozenset(range(1, 8)))
    lines.append(f"Against {whose}. Gap: the target less won and commit.")
    lines.append("Best case includes commit; weighted counts every open deal at its "
                 "probability;")
    lines.append("a passed close date counts in this month.")
    if not any(line.target is not None for line in (*call.months, *call.quarters)):
        lines.append("No target set: `kanban-pipe targets set this-month 120k` "
                     "(or `--owner NAME`).")
    lines.append("F on the board calls a deal: pipeline, best case, commit or omitted, "
                 "and its own probability.")
    lines += left_out(*(m.commit for m in call.months), *(m.weighted for m in call.months))
    return Section("call", "Forecast call", tuple(lines))


def accuracy_section(stats: PipelineStats) -> Section:
    """Each past month's forecast as it stood on its first day, rebuilt from the history,
    against what was won: can the probabilities and the commits be trusted?"""
    months = stats.accuracy
    if not any(m.forecast_deals or m.won_deals for m in months):
        return Section("accuracy", "Forecast accuracy", ("No history of past months yet.",))

    def share(value: float | None) -> str:
        return "—" if value is None else f"{value:.0%}"

    rows = [[f"{date.fromisoformat(m.month + '-01'):%b %Y}", money_text(m.weighted),
             money_text(m.commit), money_text(m.best_case), money_text(m.won),
             share(m.won_of_weighted), share(m.won_of_commit), share(m.commit_kept)]
            for m in months]
    lines = table(("MONTH", "WEIGHTED", "COMMIT", "BEST CASE", "WON", "WON/WEIGHTED",
                   "WON/COMMIT", "COMMIT KEPT"), rows, frozenset(range(1, 8)))
    lines.append("What the forecast said on each month's first day (open deals expected to "
                 "close by its end,")
    lines.append("rebuilt from the history), against what was won in it. COMMIT KEPT: the "
                 "share of the commit won.")
    lines += left_out(*(m.weighted for m in months), *(m.won for m in months))
    return Section("accuracy", "Forecast accuracy, past months", tuple(lines))


def team_section(stats: PipelineStats, clean: Clean) -> Section:
    """The team table: per owner, most needing attention first."""
    rows = [[clean(line.owner) or "(none)", str(line.open_deals), money_text(line.open_value),
             money_text(line.weighted), str(line.won), str(line.lost), percent(line.win_rate),
             days_text(line.cycle_days), str(line.no_next_step), str(line.step_overdue),
             str(line.stale), str(line.touches)] for line in stats.team]
    lines = table(("OWNER", "OPEN", "VALUE", "WEIGHTED", "WON", "LOST", "WIN", "CYCLE",
                   "NO STEP", "LATE", "STALE", "LOGGED 7D"), rows,
                  frozenset(range(1, 12)))
    lines.append(f"Won, lost, win rate and cycle: {period_words(stats.scope)}. Most open "
                 "deals without a step, late or stale first.")
    lines += left_out(*(r.open_value for r in stats.team), *(r.weighted for r in stats.team))
    return Section("team", "Team", tuple(lines) if rows else ("No deals yet.",))


def lost_section(stats: PipelineStats, clean: Clean) -> Section:
    """Lost deals of the period by reason and by the stage they were lost at."""
    lost = stats.lost
    if not lost.deals:
        return Section("lost", f"Lost, {period_words(stats.scope)}",
                       ("No deal was lost in the period.",))

    def rows(lines: tuple[LostLine, ...]) -> list[list[str]]:
        return [[clean(line.label), str(line.deals), percent(Fraction(line.deals, lost.deals)),
                 money_text(line.value)] for line in lines]

    body = table(("REASON", "DEALS", "SHARE", "VALUE"), rows(lost.by_reason),
                 frozenset({1, 2, 3}))
    body.append("")
    body += table(("LOST AT", "DEALS", "SHARE", "VALUE"), rows(lost.by_stage),
                  frozenset({1, 2, 3}))
    body += left_out(*(r.value for r in lost.by_reason))
    return Section("lost", f"Lost, {period_words(stats.scope)}: {_deals(lost.deals)}",
                   tuple(body))


def _pipeline(stats: PipelineStats, clean: Clean) -> Section:
    pipeline = stats.pipeline
    rows = [[clean(line.stage.name), str(line.deals), money_text(line.value),
             f"{line.stage.probability}%", money_text(line.weighted)] for line in pipeline.lines]
    rows.append(["Total open", str(pipeline.deals), money_text(pipeline.value), "",
                 money_text(pipeline.weighted)])
    lines = table(("STAGE", "DEALS", "VALUE", "PROB", "WEIGHTED"), rows,
                  frozenset({1, 2, 3, 4}))
    lines.append(f"Weighted forecast: {money_text(pipeline.weighted)}")
    if pipeline.value.no_value_deals:
        lines.append(f"{_deals(pipeline.value.no_value_deals)} without a value: counted, "
                     "in no sum")
    lines += left_out(pipeline.value)
    return Section("pipeline", "Pipeline by stage", tuple(lines))


def _forecast(stats: PipelineStats) -> Section:
    forecast = stats.forecast
    scale = max((m.value.amount for m in forecast.months), default=0)
    rows = [[f"{m.month:%b %Y}", split_bar(m.weighted.amount, m.value.amount, scale),
             money_text(m.weighted), money_text(m.value), str(m.deals)] for m in forecast.months]
    lines = [f"{FULL} weighted  {REST} rest of the value"]
    lines += table(("MONTH", "", "WEIGHTED", "VALUE", "DEALS"), rows, frozenset({2, 3, 4}))
    notes = []
    if forecast.past_due:
        notes.append(f"{_deals(forecast.past_due)} past their date (in the first month)")
    notes.append(f"{forecast.later} later")
    notes.append(f"{forecast.undated} without a close date")
    lines.append("; ".join(notes))
    lines += left_out(*(m.value for m in forecast.months))
    return Section("forecast", f"Expected close, next {len(forecast.months)} months", tuple(lines))


def _trend(stats: PipelineStats) -> Section:
    values = [point.value.amount for point in stats.trend]
    if not values:
        return Section("trend", "Open pipeline", ("No history yet.",))
    scale = max(values)
    currency = stats.trend[-1].value.currency
    lines = [f"{sparkline(values)}  {format_compact(values[0], currency)} → "
             f"{format_compact(values[-1], currency)}"]
    lines += table(("WEEK TO", "", "OPEN VALUE"),
                   [[f"{p.day:%d %b}", bar(p.value.amount, scale).ljust(BAR_WIDTH),
                     money_text(p.value)] for p in stats.trend], frozenset({2}))
    lines += left_out(*(p.value for p in stats.trend))
    return Section("trend", f"Open pipeline, last {len(values)} weeks", tuple(lines))


def _win_rate(stats: PipelineStats) -> Section:
    win, cycle, velocity = stats.win_rate, stats.cycle, stats.velocity
    home = stats.home_currency
    lines = [f"Won {win.won} · lost {win.lost} · win rate {percent(win.rate)}",
             "Average won value "
             + (format_compact(win.average_won, home) if win.average_won is not None else NONE)
             + (f" (deals in {', '.join(sorted(win.won_value.unconverted))} left out)"
                if win.won_value.unconverted_deals else "")
             + (f" ({_deals(win.won_value.no_value_deals)} without a value left out)"
                if win.won_value.no_value_deals else ""),
             f"Sales cycle {days_text(cycle.average_days)} on average, median "
             f"{days_text(cycle.median_days)} (created to won)"]
    per_day = velocity.per_day
    if per_day is None or velocity.average_value is None:
        lines.append("Velocity: needs deals won in the window")
    else:
        lines.append(f"Velocity {velocity.open_deals} open × "
                     f"{format_compact(velocity.average_value, home)} × "
                     f"{percent(velocity.win_rate)} ÷ "
                     f"{days_text(max(velocity.cycle_days or 1, Fraction(1)))}")
        lines.append(f"  = {format_compact(per_day, home)} a day, "
                     f"{format_compact(per_day * 30, home)} in 30 days")
    lines += left_out(win.won_value)
    return Section("win_rate", f"Win rate and velocity, {period_words(stats.scope)}",
                   tuple(lines))


def _conversion(stats: PipelineStats, clean: Clean) -> Section:
    rows = []
    for step, time in zip(stats.conversion, stats.time_in_stage, strict=False):
        decided = step.advanced + step.dropped
        decided += step.aged
        rows.append([f"{clean(step.from_stage.name)} → {clean(step.to_stage.name)}",
                     percent(step.rate), bar(step.advanced, decided, 10).ljust(10),
                     f"{step.advanced}/{decided}", str(step.aged), str(step.undecided),
                     days_text(time.median_days)])
    lines = table(("STAGE → NEXT", "RATE", "", "ON/OF", "AGED", "STILL", "DAYS"), rows,
                  frozenset({1, 3, 4, 5, 6}))
    lines += ["ON/OF: went on, of those decided (went on, lost there or aged out there);",
              "AGED: still there, but well past the usual time or stale: not converted;",
              "STILL: open or paused there, undecided; DAYS: median time in the stage."]
    if stats.lost_unknown_stage:
        count = stats.lost_unknown_stage
        lines.append(f"Not counted: {_counted(count, 'was', 'were')} lost at a stage the "
                     "imported file did not say.")
    return Section("conversion", "Conversion and time in stage", tuple(lines))


def _calibration(stats: PipelineStats, clean: Clean) -> Section:
    rows = [[clean(row.stage.name), f"{row.stage.probability}%", percent(row.observed),
             str(row.decided), str(row.undecided), "differs widely" if row.differs else ""]
            for row in stats.calibration]
    lines = table(("STAGE", "SET", "HISTORY", "DECIDED", "STILL", ""), rows,
                  frozenset({1, 2, 3, 4}))
    lines.append("History: won share of the decided deals that reached the stage (aged-out")
    lines.append("ones count as not won); STILL: undecided, left out of the share.")
    return Section("calibration", "Probability: set vs your history", tuple(lines))


def _sources(stats: PipelineStats, clean: Clean) -> Section:
    rows = [[clean(row.source) or "(none)", str(row.deals), str(row.won), str(row.lost),
             percent(row.win_rate), money_text(row.won_value), money_text(row.open_value)]
            for row in stats.sources]
    lines = table(("SOURCE", "DEALS", "WON", "LOST", "WIN RATE", "WON VALUE", "OPEN VALUE"),
                  rows, frozenset({1, 2, 3, 4, 5, 6}))
    lines += left_out(*(r.won_value for r in stats.sources), *(r.open_value for r in stats.sources))
    return Section("sources", "Lead sources", tuple(lines) if rows else ("No deals yet.",))
