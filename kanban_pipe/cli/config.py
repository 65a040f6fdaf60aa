"""Configuring the pipeline on the command line: `stages`, `currency` and `lost-reasons`."""

from __future__ import annotations

import argparse

from kanban_pipe.cli import output as out
from kanban_pipe.cli.inputs import FACTS, words
from kanban_pipe.domain.validation import clean_currency
from kanban_pipe.store import PipelineStore


def cmd_stages(store: PipelineStore, args: argparse.Namespace) -> str:
    """List stages, or add / rename / move / set / remove one (of the pipeline named with
    --pipeline, else the first)."""
    store.use_pipeline(store.home_pipeline().key)
    action = args.stage_command
    if action is None:
        where = store.pipeline_label()
        table = out.stages_table(store.stages())
        return f"pipeline {out.safe(where)}:\n{table}" if where else table
    if action == "remove":
        stage = store.config_stage(args.stage)
        store.remove_stage(stage.key)
        return f"removed stage {out.safe(stage.name)} ({stage.key})"
    if action == "add":
        options = {"key": args.key, "position": args.position, "probability": args.probability,
                   "stale_after_days": args.stale_after, "milestone": args.milestone}
        stage = store.add_stage(words(args.name),
                                **{k: v for k, v in options.items() if v is not None})
        return f"added stage {out.safe(stage.name)} ({stage.key}) at position {stage.position}"
    if action == "rename":
        old = store.config_stage(args.stage)
        stage = store.rename_stage(old.key, words(args.name))
        return f"renamed stage {stage.key}: {out.safe(old.name)} → {out.safe(stage.name)}"
    if action == "move":
        stage = store.move_stage(args.stage, args.position)
        return f"moved stage {out.safe(stage.name)} to position {stage.position}"
    qualifies: str | None = ""  # "" leaves it as it is; None clears it
    if args.qualifies is not None:
        qualifies = None if args.qualifies == "none" else FACTS[args.qualifies].value
    stage = store.set_stage(
        args.stage, probability=args.probability, stale_after_days=args.stale_after,
        milestone=args.milestone, qualifies=qualifies,
        requires_qualification=args.requires_qualification,
    )
    return "set stage:\n" + out.stages_table([stage])


def cmd_currency(store: PipelineStore, args: argparse.Namespace) -> str:
    """Show the home currency and rates, or set a rate or the home currency."""
    if args.currency_command == "set":
        rate = store.set_exchange_rate(args.code, args.rate)
        return f"1 {clean_currency(args.code)} = {rate} {store.home_currency()}"
    if args.currency_command == "home":
        store.set_home_currency(args.code)
        return f"home currency is now {store.home_currency()}"
    return out.currency_text(store.home_currency(), store.exchange_rates())


def cmd_lost_reasons(store: PipelineStore, args: argparse.Namespace) -> str:
    """List the lost reasons offered when a deal is lost, or add / remove / reset them."""
    action = args.reasons_command
    if action == "add":
        reasons = store.add_lost_reason(words(args.reason))
    elif action == "remove":
        reasons = store.remove_lost_reason(words(args.reason))
    elif action == "reset":
        reasons = store.reset_lost_reasons()
    else:
        reasons = store.lost_reasons()
    if not reasons:
        return "no lost reasons offered (free text only)"
    return "\n".join(out.safe(reason) for reason in reasons)
