"""Reading deals on the command line: `list` and `show`."""

from __future__ import annotations

import argparse
import json

from kanban_pipe.cli import output as out
from kanban_pipe.domain.models import DealStatus
from kanban_pipe.domain.rules import is_stale
from kanban_pipe.domain.serialize import activity_to_json, deal_to_json
from kanban_pipe.domain.stages import find_stage, stage_of
from kanban_pipe.store import PipelineStore


def _json(value: object) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False)


def cmd_list(store: PipelineStore, args: argparse.Namespace) -> str:
    """List deals by stage, owner, status and staleness."""
    stages, today = store.stages(), store.today()
    by_key = {stage.key: stage for stage in stages}
    stage_key = find_stage(stages, args.stage).key if args.stage else None
    statuses = None if args.status == "all" else (DealStatus(args.status),)
    deals = store.list_deals(stage=stage_key, owner=args.owner, statuses=statuses)
    if args.stale:
        deals = [d for d in deals if is_stale(d, stage_of(d.stage, by_key), today)]
    if args.json:
        return _json([deal_to_json(d, stage_of(d.stage, by_key), today) for d in deals])
    if not deals:
        return "no deals match"
    money = out.deals_total(deals, store.home_currency(), store.exchange_rates())
    return (f"{out.deals_table(deals, by_key, today)}\n"
            f"{out.count_words(len(deals))}, {out.money_text(money)}")


def cmd_show(store: PipelineStore, args: argparse.Namespace) -> str:
    """Show a deal's fields and activity history."""
    deal, today = store.get_deal(args.id), store.today()
    stage = stage_of(deal.stage, {s.key: s for s in store.stages()})
    history = store.activities(deal.id)
    if args.json:
        return _json({**deal_to_json(deal, stage, today),
                      "activities": [activity_to_json(a) for a in history]})
    return out.show_deal(deal, stage, history, today)
