"""`kanban-pipe stats`: the forecast and statistics as text or JSON, without the TUI."""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from kanban_pipe.cli import output as out

if TYPE_CHECKING:
    from collections.abc import Iterable
    from datetime import date
    from fractions import Fraction

    from kanban_pipe.domain.forecast import PeriodCall
    from kanban_pipe.domain.money import MoneyTotal
    from kanban_pipe.domain.stats import LostLine, PipelineStats, StatsScope
    from kanban_pipe.store import PipelineStore


# `stats --period`, as domain.stats.PERIODS names them (that module loads only for `stats`).
PERIOD_NAMES = ("this-month", "last-month", "this-quarter", "last-quarter", "this-year",
                "last-year", "last-30-days", "last-90-days")


def register_stats(commands: Any, sub: Callable[..., Any]) -> None:
    """Add the `stats` command to the parser's subcommand group."""
    from kanban_pipe.domain.dates import DATE_FORMS_HELP

    stats = sub(commands, "stats", cmd_stats, "forecast and statistics of the pipeline")
    stats.add_argument("--json", action="store_true", help="JSON for scripts")
    stats.add_argument("--owner", help="only this owner's deals")
    stats.add_argument("--source", help="only deals from this lead source")
    stats.add_argument("--since", metavar="DATE",
                       help=f"count won and lost deals from this day ({DATE_FORMS_HELP};"
                            " a past offset as --since=-30d;"
                            " default: the last 90 days)")
    stats.add_argument("--until", metavar="DATE", help="… to this day (default: today)")
    stats.add_argument("--period", choices=PERIOD_NAMES,
                       help="a named period instead of --since/--until")
    stats.add_argument("--by", choices=("owner",),
                       help="only the team table: per owner, most needing attention first")


def scope_from_args(store: PipelineStore, args: argparse.Namespace) -> StatsScope:
    """The owner, source and period the options ask for (a one-line error when wrong)."""
    from kanban_pipe.cli.inputs import quick_date
    from kanban_pipe.domain.errors import InvalidInputError
    from kanban_pipe.domain.stats import StatsScope, period_bounds

    today = store.today()
    if args.period and (args.since or args.until):
        raise InvalidInputError("--period or --since/--until, not both")
    since = until = None
    if args.period:
        since, until = period_bounds(args.period, today)
    if args.since:
        since = quick_date(args.since, today, "--since")
    if args.until:
        until = quick_date(args.until, today, "--until")
    if since is not None and since > (until or today):
        raise InvalidInputError(f"--since {since.isoformat()} is after the period's end "
                                f"{(until or today).isoformat()}")
    if until is not None and since is None:
        raise InvalidInputError("--until needs --since (or use --period)")
    return StatsScope(owner=args.owner, source=args.source, since=since, until=until,
                      label=args.period or "")


def cmd_stats(store: PipelineStore, args: argparse.Namespace) -> str:
    """Print the forecast and statistics."""
    # Imported here: every command builds the parser, only `stats` needs the maths (~40 ms).
    from kanban_pipe.domain.charts import period_words, report, scope_words, team_section
    from kanban_pipe.domain.stats import compute_stats
    from kanban_pipe.store.stats import gather_stats

    scope = scope_from_args(store, args)
    stats = compute_stats(gather_stats(store, today=store.today(), scope=scope))
    if args.json:
        data = stats_to_json(stats)
        if args.by == "owner":
            data = {"scope": data["scope"], "team": data["team"]}
        return json.dumps(data, indent=2, ensure_ascii=False)
    sections = [team_section(stats, out.safe)] if args.by == "owner" else \
        report(stats, out.safe)
    blocks = [f"== {section.title}\n" + "\n".join(section.lines) for section in sections]
    return (f"statistics on {stats.today.isoformat()}, in {stats.home_currency} · "
            f"{scope_words(stats.scope, out.safe)} · closed: {period_words(stats.scope)}"
            "\n\n" + "\n\n".join(blocks))


def _money(money: MoneyTotal) -> dict[str, Any]:
    """Minor units in the home currency, and what had no exchange rate, counted apart.

    `amount` (minor units, as always) has `amount_minor` and `amount_decimal` ('4500.50')
    beside it, so a script cannot misread the unit; `converted_deals` tells a 0 of no
    deals from a total of 0.
    """
    from kanban_pipe.domain.amounts import format_decimal

    apart = dict(sorted(money.unconverted.items()))
    return {"amount": money.amount, "amount_minor": money.amount,
            "amount_decimal": format_decimal(money.amount, money.currency),
            "currency": money.currency, "converted_deals": money.converted_deals,
            "unconverted": apart,
            "unconverted_decimal": {code: format_decimal(value, code)
                                    for code, value in apart.items()},
            "unconverted_deals": money.unconverted_deals}


def _decimal(minor: int | None, currency: str) -> str | None:
    from kanban_pipe.domain.amounts import format_decimal

    return None if minor is None else format_decimal(minor, currency)


def _rate(value: Fraction | None) -> float | None:
    return None if value is None else round(float(value), 4)


def stats_to_json(stats: PipelineStats) -> dict[str, Any]:
    """Every figure under the keys `stats --json` promises; rates as fractions 0-1."""
    from kanban_pipe.domain.charts import health_hints

    pipeline, win, cycle, velocity = stats.pipeline, stats.win_rate, stats.cycle, stats.velocity
    return {
        "stages": {
            "rows": [{"stage": line.stage.key, "name": line.stage.name, "deals": line.deals,
                      "probability": line.stage.probability, "value": _money(line.value),
                      "weighted": _money(line.weighted)} for line in pipeline.lines],
            "total": {"deals": pipeline.deals, "value": _money(pipeline.value),
                      "weighted": _money(pipeline.weighted)},
        },
        "forecast_by_month": {
            "months": [{"month": m.month.isoformat()[:7], "deals": m.deals,
                        "value": _money(m.value), "weighted": _money(m.weighted)}
                       for m in stats.forecast.months],
            "past_due_deals": stats.forecast.past_due,
            "later_deals": stats.forecast.later,
            "undated_deals": stats.forecast.undated,
        },
        "win_rate": {"days": win.days, "won": win.won, "lost": win.lost,
                     "rate": _rate(win.rate), "won_value": _money(win.won_value),
                     "average_won_value": win.average_won,
                     "average_won_value_decimal": _decimal(win.average_won,
                                                           stats.home_currency),
                     "currency": stats.home_currency},
        "conversion": [{"from": c.from_stage.key, "to": c.to_stage.key, "reached": c.reached,
                        "advanced": c.advanced, "dropped": c.dropped, "aged": c.aged,
                        "undecided": c.undecided, "rate": _rate(c.rate)}
                       for c in stats.conversion],
        "lost_at_unknown_stage": stats.lost_unknown_stage,
        "median_days_in_stage": [{"stage": t.stage.key, "visits": t.visits,
                                  "median_days": t.median_days} for t in stats.time_in_stage],
        "cycle_days": {"days": win.days, "won": cycle.won,
                       "average": _rate(cycle.average_days), "median": cycle.median_days},
        "velocity": {"open_deals": velocity.open_deals,
                     "average_won_value": velocity.average_value,
                     "average_won_value_decimal": _decimal(velocity.average_value,
                                                           velocity.currency),
                     "per_day_decimal": _decimal(velocity.per_day, velocity.currency),
                     "win_rate": _rate(velocity.win_rate),
                     "cycle_days": _rate(velocity.cycle_days),
                     "per_day": velocity.per_day, "currency": velocity.currency},
        "calibration": [{"stage": c.stage.key, "configured": c.stage.probability / 100,
                         "observed": _rate(c.observed), "won": c.won, "lost": c.lost,
                         "aged": c.aged, "undecided": c.undecided,
                         "supported": _rate(c.supported), "differs": c.differs}
                        for c in stats.calibration],
        "by_source": [{"source": s.source, "deals": s.deals, "open": s.open, "won": s.won,
                       "lost": s.lost, "win_rate": _rate(s.win_rate),
                       "won_value": _money(s.won_value), "open_value": _money(s.open_value)}
                      for s in stats.sources],
        "trend": [{"date": p.day.isoformat(), "open_value": _money(p.value)}
                  for p in stats.trend],
        "hints": health_hints(stats),
        **_manager_json(stats),
    }


def _manager_json(stats: PipelineStats) -> dict[str, Any]:
    """The scope, the team table and the lost deals by reason and stage (keys of their own)."""
    scope = stats.scope

    def day(value: date | None) -> str | None:
        return None if value is None else value.isoformat()

    def lost(lines: Iterable[LostLine]) -> list[dict[str, Any]]:
        return [{"label": line.label, "deals": line.deals, "value": _money(line.value)}
                for line in lines]

    return {
        "scope": {"owner": scope.owner, "source": scope.source, "since": day(scope.since),
                  "until": day(scope.until), "period": scope.label or None,
                  "pipeline": scope.pipeline or None},
        "team": [{"owner": t.owner, "open_deals": t.open_deals,
                  "open_value": _money(t.open_value), "weighted": _money(t.weighted),
                  "won": t.won, "lost": t.lost, "win_rate": _rate(t.win_rate),
                  "average_cycle_days": _rate(t.cycle_days), "no_next_step": t.no_next_step,
                  "step_overdue": t.step_overdue, "stale": t.stale,
                  "activities_7_days": t.touches, "needs_attention": t.needs_attention}
                 for t in stats.team],
        "lost_by_reason": lost(stats.lost.by_reason),
        "lost_by_stage": lost(stats.lost.by_stage),
        "slipping_deals": stats.slipping,
        "forecast_call": _call_json(stats),
    }


def _call_json(stats: PipelineStats) -> dict[str, Any] | None:
    """The forecast call by month and targeted quarter: won, commit, best case, weighted,
    the target and the gap (target less won and commit; above 0 is short)."""
    call = stats.call
    if call is None:
        return None

    def period(line: PeriodCall) -> dict[str, Any]:
        gap = line.gap
        return {"period": line.period, "deals": line.deals, "won": _money(line.won),
                "commit": _money(line.commit), "best_case": _money(line.best_case),
                "weighted": _money(line.weighted),
                "target": None if line.target is None else _money(line.target),
                "gap": gap, "gap_decimal": _decimal(gap, stats.home_currency)}

    return {"owner": call.owner or None, "months": [period(m) for m in call.months],
            "quarters": [period(q) for q in call.quarters],
            "accuracy": [{"month": a.month, "weighted": _money(a.weighted),
                          "commit": _money(a.commit), "best_case": _money(a.best_case),
                          "won": _money(a.won), "committed_won": _money(a.committed_won),
                          "forecast_deals": a.forecast_deals, "won_deals": a.won_deals,
                          "won_of_weighted": _share(a.won_of_weighted),
                          "won_of_commit": _share(a.won_of_commit),
                          "commit_kept": _share(a.commit_kept)}
                         for a in stats.accuracy]}


def _share(value: float | None) -> float | None:
    return None if value is None else round(value, 4)
