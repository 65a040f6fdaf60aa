"""Reading deals on the command line: `list` and `show`."""

from __future__ import annotations

import argparse
import json
import sys

from kanban_pipe.cli import output as out
from kanban_pipe.domain.models import DealStatus
from kanban_pipe.domain.serialize import activity_to_json, deal_to_json
from kanban_pipe.domain.stages import find_stage, stage_of
from kanban_pipe.store import PipelineStore


def _json(value: object) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False)


def cmd_list(store: PipelineStore, args: argparse.Namespace) -> None:
    """List deals by stage, owner, status, staleness and text, streamed to stdout."""
    # Imported here: the board's start imports this module, only `list` needs these.
    from contextlib import closing
    from itertools import islice

    from kanban_pipe.cli import listing
    from kanban_pipe.domain.listing import ListingRules
    from kanban_pipe.store.listing import listed_deals

    stages, today = store.stages(), store.today()
    stage_key = find_stage(stages, args.stage).key if args.stage else None
    statuses = None if args.status == "all" else (DealStatus(args.status),)
    rules = ListingRules(store.reported_stages(), today)
    deals = listed_deals(store, today=today, stage=stage_key, owner=args.owner,
                         statuses=statuses, search=args.search or "", stale=args.stale,
                         unqualified=args.unqualified, order=args.sort,
                         limit=None if args.stale else args.limit)
    with closing(deals):  # ends the store's read before the store closes, also on errors
        listed: listing.Listed = ((deal, rules.flags(deal)) for deal in deals)
        if args.stale:  # the store's margin of a day, settled by the rule itself
            listed = (pair for pair in listed if pair[1].stale)
            if args.limit is not None:
                listed = islice(listed, args.limit)
        write = sys.stdout.write
        if args.format == "json":
            listing.write_json(listed, write)
        elif args.format == "jsonl":
            listing.write_jsonl(listed, write)
        elif args.format == "csv":
            listing.write_csv(listed, write)
        else:
            money = listing.MoneySum(store.home_currency(), store.exchange_rates())
            listing.write_table(listed, listing.DealCells(rules), money, write)


def cmd_show(store: PipelineStore, args: argparse.Namespace) -> str:
    """Show a deal's fields and activity history."""
    deal, today = store.get_deal(args.id), store.today()
    stage = stage_of(deal.stage, {s.key: s for s in store.stages_of(deal.pipeline)})
    history = store.activities(deal.id)
    if args.json:
        return _json({**deal_to_json(deal, stage, today),
                      "activities": [activity_to_json(a) for a in history]})
    return out.show_deal(deal, stage, history, today)
