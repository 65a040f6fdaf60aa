"""Deal verbs on the command line: add, move, next step, close, pause, edit, undo."""

from __future__ import annotations

import argparse
from typing import Any

from kanban_pipe.cli import output as out
from kanban_pipe.cli.inputs import FACTS, amount, quick_date, usage_error, words
from kanban_pipe.domain.errors import InvalidStageError
from kanban_pipe.domain.models import Deal, DealStatus, NextStep, Stage
from kanban_pipe.domain.stages import (
    check_confirmations,
    find_stage,
    milestones_passed,
    neighbour_stage,
    stage_of,
)
from kanban_pipe.domain.validation import clean_category, clean_currency, clean_probability
from kanban_pipe.store import PipelineStore


def cmd_add(store: PipelineStore, args: argparse.Namespace) -> str:
    """Create a deal and print its id."""
    if (args.due is not None or args.next_owner is not None) and args.next is None:
        usage_error(args, "--due and --next-owner belong to --next ACTION")
    if args.next is not None and args.due is None:
        usage_error(args, "--next ACTION needs --due DATE")
    today = store.today()
    currency = clean_currency(args.currency) if args.currency else store.home_currency()
    step = None
    if args.next is not None:
        step = NextStep(args.next, args.next_owner or "", quick_date(args.due, today, "--due"))
    deal = store.add_deal(
        words(args.title), organization=args.org or "", contact=args.contact or "",
        value=amount(args.value, currency) if args.value is not None else None,
        currency=currency, stage=args.stage, owner=args.owner, source=args.source or "",
        expected_close=quick_date(args.close, today, "--close") if args.close else None,
        next_step=step,
    )
    return str(deal.id)


def _moved(verb: str, before: Deal, after: Deal, stages: list[Stage]) -> str:
    by_key = {stage.key: stage for stage in stages}
    source, target = stage_of(before.stage, by_key), stage_of(after.stage, by_key)
    # From an unknown stage (a deal lost who knows where) no milestone is claimed.
    confirmed = [s.milestone for s in milestones_passed(stages, source.key, target.key)
                 if s.milestone] if before.stage is not None else []
    notes = [f"confirmed: {'; '.join(out.safe(m) for m in confirmed)}"] if confirmed else []
    if before.status in (DealStatus.WON, DealStatus.LOST) and after.status is DealStatus.OPEN:
        notes.append(f"reopened, was {before.status.value}")
    tail = f" ({', '.join(notes)})" if notes else ""
    return (f"{verb} {out.ref(after)} {out.safe(source.name)} → {out.safe(target.name)}"
            f"{tail}")


def cmd_move(store: PipelineStore, args: argparse.Namespace) -> str:
    """Move a deal to a stage, or one stage on (`next`) or back (`back`)."""
    deal = store.get_deal(args.id)
    stages = store.stages_of(deal.pipeline)  # a deal moves within its own pipeline
    wanted = args.stage.strip().lower()
    if wanted in ("next", "back"):
        if deal.stage is None:
            raise InvalidStageError(
                f"deal #{deal.id} was lost at an unknown stage, so it has no {wanted} stage: "
                f"name the stage to reopen it in, e.g. `kanban-pipe move {deal.id} "
                f"{stages[0].key}`")
        target = neighbour_stage(stages, deal.stage, 1 if wanted == "next" else -1)
    else:
        target = find_stage(stages, args.stage)
    # Nobody may claim a customer event by accident: each milestone passed is confirmed.
    by_key = {stage.key: stage for stage in stages}
    passed = milestones_passed(stages, deal.stage, target.key)
    check_confirmations(passed, args.confirm, f"moving {out.ref(deal)} "
                        f"{stage_of(deal.stage, by_key).name} → {target.name}")
    # The version pins the move to the deal read above, so the milestones printed are exact.
    moved = store.move_deal(deal.id, target.key, expected_version=deal.version,
                            reason=args.reason or "")
    why = f" (reason: {out.safe(args.reason.strip())})" if (args.reason or "").strip() else ""
    return _moved("moved", deal, moved, stages) + why


def cmd_won(store: PipelineStore, args: argparse.Namespace) -> str:
    """Close a deal as won."""
    deal = store.get_deal(args.id)
    stages = store.stages_of(deal.pipeline)  # a deal moves within its own pipeline
    return _moved("won", deal, store.mark_won(deal.id, expected_version=deal.version), stages)


def cmd_next(store: PipelineStore, args: argparse.Namespace) -> str:
    """Set a deal's next step."""
    today = store.today()
    due = quick_date(args.due, today, "--due") if args.due is not None else None
    deal = store.set_next_step(args.id, words(args.action), owner=args.owner, due=due)
    step = deal.next_step
    assert step is not None  # set_next_step always leaves one
    when = (f"due {out.due_words(step.due, today)}" if step.due
            else "no due date (a date makes it a commitment: --due DATE)")
    return (f"next step for {out.ref(deal)}: {out.safe(step.action)} - {out.safe(step.owner)},"
            f" {when}")


def cmd_done(store: PipelineStore, args: argparse.Namespace) -> str:
    """Mark a deal's next step done."""
    before = store.get_deal(args.id)
    deal = store.complete_next_step(args.id, expected_version=before.version)
    action = before.next_step.action if before.next_step else ""
    return (f"done on {out.ref(deal)}: {out.safe(action)}; set the next one with "
            f"`kanban-pipe next {deal.id} ACTION --due DATE`")


def cmd_log(store: PipelineStore, args: argparse.Namespace) -> str:
    """Log a call, email, meeting or note on a deal."""
    deal = store.log_activity(args.id, args.kind, words(args.text))
    return f"logged {args.kind} on {out.ref(deal)}"


def cmd_lost(store: PipelineStore, args: argparse.Namespace) -> str:
    """Close a deal as lost, with the reason."""
    deal = store.mark_lost(args.id, args.reason)
    return f"lost {out.ref(deal)} (reason: {out.safe(deal.lost_reason)})"


def cmd_pause(store: PipelineStore, args: argparse.Namespace) -> str:
    """Park a deal until a date."""
    today = store.today()
    deal = store.pause_deal(args.id, quick_date(args.until, today, "--until"),
                            reason=args.reason or "")
    why = f" (reason: {out.safe(args.reason.strip())})" if (args.reason or "").strip() else ""
    return f"paused {out.ref(deal)} until {out.due_words(deal.paused_until, today)}{why}"


def cmd_resume(store: PipelineStore, args: argparse.Namespace) -> str:
    """Bring a paused deal back onto the board."""
    deal = store.resume_deal(args.id)
    stage = stage_of(deal.stage, {s.key: s for s in store.stages_of(deal.pipeline)})
    return f"resumed {out.ref(deal)}: back on the board in {out.safe(stage.name)}"


_EDIT_OPTIONS = {"title": "title", "org": "organization", "contact": "contact",
                 "owner": "owner", "source": "source"}


def _clears(text: str) -> bool:
    return text.strip().lower() in ("", "none", "-")


def cmd_edit(store: PipelineStore, args: argparse.Namespace) -> str:
    """Change a deal's descriptive fields."""
    before = store.get_deal(args.id)
    fields: dict[str, Any] = {field: getattr(args, option)
                              for option, field in _EDIT_OPTIONS.items()
                              if getattr(args, option) is not None}
    if args.currency is not None:
        fields["currency"] = clean_currency(args.currency)
    if args.value is not None:
        # `--value none` (or '' or '-') clears it: the deal has no value, which is not 0.
        fields["value"] = (None if _clears(args.value)
                           else amount(args.value, fields.get("currency", before.currency)))
    if args.close is not None:
        fields["expected_close"] = (None if _clears(args.close)
                                    else quick_date(args.close, store.today(), "--close"))
    if args.category is not None:
        fields["forecast_category"] = clean_category(args.category)
    if args.probability is not None:
        fields["probability"] = clean_probability(args.probability)
    if not fields:
        usage_error(args, "nothing to edit: give --title, --org, --contact, --value, --currency,"
                     " --owner, --source, --close, --category or --probability")
    # The version pins the edit to the deal read above (its currency read the --value).
    after = store.edit_deal(before.id, expected_version=before.version, **fields)
    changed = [name.replace("_", " ") for name in fields
               if getattr(before, name) != getattr(after, name)]
    if not changed:
        return f"no change to {out.ref(after)}"
    return f"edited {out.ref(after)}: changed {', '.join(changed)}"


def cmd_qualify(store: PipelineStore, args: argparse.Namespace) -> str:
    """Set or clear a deal's qualification facts."""
    facts = {fact: True for option, fact in FACTS.items()
             if getattr(args, option.replace("-", "_"))}
    for option in args.clear or []:
        if FACTS[option] in facts:
            usage_error(args, f"--{option} and --clear {option} contradict each other")
        facts[FACTS[option]] = False
    if not facts:
        usage_error(args, "say which facts to set: --decision-maker, --need, --timeline or --clear")
    deal = store.qualify_deal(args.id, facts)
    held = deal.qualification
    return (f"qualification of {out.ref(deal)}: decision maker {_yes(held.decision_maker)},"
            f" need {_yes(held.need)}, timeline {_yes(held.timeline)}")


def _yes(flag: bool) -> str:
    return "yes" if flag else "no"


def cmd_delete(store: PipelineStore, args: argparse.Namespace) -> str:
    """Delete a duplicate or mistake (history kept, undo restores it)."""
    deal = store.delete_deal(args.id)
    return f"deleted {out.ref(deal)} (its history is kept; `kanban-pipe undo` brings it back)"


def cmd_undo(store: PipelineStore, args: argparse.Namespace) -> str:
    """Undo this user's last change."""
    deal, message = store.undo()
    return f"{out.safe(message)} (#{deal.id})"
