"""What each `kanban-pipe` subcommand does: call the store, return the text to print."""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

from kanban_pipe import cli_output as out
from kanban_pipe import paths
from kanban_pipe.domain.amounts import parse_amount
from kanban_pipe.domain.dates import parse_date
from kanban_pipe.domain.errors import InvalidInputError, KanbanPipeError
from kanban_pipe.domain.models import Deal, DealStatus, NextStep, QualificationFact, Stage
from kanban_pipe.domain.rules import is_stale
from kanban_pipe.domain.serialize import activity_to_json, deal_to_json
from kanban_pipe.domain.stages import find_stage, milestones_passed, neighbour_stage
from kanban_pipe.domain.validation import clean_currency
from kanban_pipe.store import PipelineStore, open_store

FACTS = {"decision-maker": QualificationFact.DECISION_MAKER, "need": QualificationFact.NEED,
         "timeline": QualificationFact.TIMELINE}


# -- reading arguments --------------------------------------------------------------------

def _date(text: str, today: date, option: str) -> date:
    """A quick date, with the option it came from named in the error."""
    try:
        return parse_date(text, today)
    except InvalidInputError as error:
        raise InvalidInputError(f"{option}: {error}") from None


def _amount(text: str, currency: str, option: str = "--value") -> int:
    try:
        return parse_amount(text, currency)
    except InvalidInputError as error:
        raise InvalidInputError(f"{option}: {error}") from None


def _words(parts: Sequence[str]) -> str:
    # Multi-word text may be given unquoted: `kanban-pipe next 12 Call Bob --due fri`.
    return " ".join(parts)


def _usage(args: argparse.Namespace, message: str) -> None:
    args.parser.error(message)  # prints usage and exits 2, like argparse's own errors


# -- deal verbs ---------------------------------------------------------------------------

def cmd_add(store: PipelineStore, args: argparse.Namespace) -> str:
    """Create a deal and print its id."""
    if (args.due is not None or args.next_owner is not None) and args.next is None:
        _usage(args, "--due and --next-owner belong to --next ACTION")
    if args.next is not None and args.due is None:
        _usage(args, "--next ACTION needs --due DATE")
    today = store.today()
    currency = clean_currency(args.currency) if args.currency else store.home_currency()
    step = None
    if args.next is not None:
        step = NextStep(args.next, args.next_owner or "", _date(args.due, today, "--due"))
    deal = store.add_deal(
        _words(args.title), organization=args.org or "", contact=args.contact or "",
        value=_amount(args.value, currency) if args.value is not None else 0,
        currency=currency, stage=args.stage, owner=args.owner, source=args.source or "",
        expected_close=_date(args.close, today, "--close") if args.close else None,
        next_step=step,
    )
    return str(deal.id)


def _moved(verb: str, before: Deal, after: Deal, stages: list[Stage]) -> str:
    source, target = find_stage(stages, before.stage), find_stage(stages, after.stage)
    confirmed = [s.milestone for s in milestones_passed(stages, source.key, target.key)
                 if s.milestone]
    notes = [f"confirmed: {'; '.join(out.safe(m) for m in confirmed)}"] if confirmed else []
    if before.status in (DealStatus.WON, DealStatus.LOST) and after.status is DealStatus.OPEN:
        notes.append(f"reopened, was {before.status.value}")
    tail = f" ({', '.join(notes)})" if notes else ""
    return (f"{verb} {out.ref(after)} {out.safe(source.name)} → {out.safe(target.name)}"
            f"{tail}")


def cmd_move(store: PipelineStore, args: argparse.Namespace) -> str:
    """Move a deal to a stage, or one stage on (`next`) or back (`back`)."""
    deal, stages = store.get_deal(args.id), store.stages()
    wanted = args.stage.strip().lower()
    if wanted in ("next", "back"):
        target = neighbour_stage(stages, deal.stage, 1 if wanted == "next" else -1)
    else:
        target = find_stage(stages, args.stage)
    # The version pins the move to the deal read above, so the milestones printed are exact.
    moved = store.move_deal(deal.id, target.key, expected_version=deal.version)
    return _moved("moved", deal, moved, stages)


def cmd_won(store: PipelineStore, args: argparse.Namespace) -> str:
    """Close a deal as won."""
    deal, stages = store.get_deal(args.id), store.stages()
    return _moved("won", deal, store.mark_won(deal.id, expected_version=deal.version), stages)


def cmd_next(store: PipelineStore, args: argparse.Namespace) -> str:
    """Set a deal's next step."""
    today = store.today()
    deal = store.set_next_step(args.id, _words(args.action), owner=args.owner,
                               due=_date(args.due, today, "--due"))
    step = deal.next_step
    assert step is not None  # set_next_step always leaves one
    return (f"next step for {out.ref(deal)}: {out.safe(step.action)} - {out.safe(step.owner)},"
            f" due {out.due_words(step.due, today)}")


def cmd_done(store: PipelineStore, args: argparse.Namespace) -> str:
    """Mark a deal's next step done."""
    before = store.get_deal(args.id)
    deal = store.complete_next_step(args.id, expected_version=before.version)
    action = before.next_step.action if before.next_step else ""
    return (f"done on {out.ref(deal)}: {out.safe(action)}; set the next one with "
            f"`kanban-pipe next {deal.id} ACTION --due DATE`")


def cmd_log(store: PipelineStore, args: argparse.Namespace) -> str:
    """Log a call, email, meeting or note on a deal."""
    deal = store.log_activity(args.id, args.kind, _words(args.text))
    return f"logged {args.kind} on {out.ref(deal)}"


def cmd_lost(store: PipelineStore, args: argparse.Namespace) -> str:
    """Close a deal as lost, with the reason."""
    deal = store.mark_lost(args.id, args.reason)
    return f"lost {out.ref(deal)} (reason: {out.safe(deal.lost_reason)})"


def cmd_pause(store: PipelineStore, args: argparse.Namespace) -> str:
    """Park a deal until a date."""
    today = store.today()
    deal = store.pause_deal(args.id, _date(args.until, today, "--until"))
    return f"paused {out.ref(deal)} until {out.due_words(deal.paused_until, today)}"


def cmd_resume(store: PipelineStore, args: argparse.Namespace) -> str:
    """Bring a paused deal back onto the board."""
    deal = store.resume_deal(args.id)
    stage = find_stage(store.stages(), deal.stage)
    return f"resumed {out.ref(deal)}: back on the board in {out.safe(stage.name)}"


_EDIT_OPTIONS = {"title": "title", "org": "organization", "contact": "contact",
                 "owner": "owner", "source": "source"}


def cmd_edit(store: PipelineStore, args: argparse.Namespace) -> str:
    """Change a deal's descriptive fields."""
    before = store.get_deal(args.id)
    fields: dict[str, Any] = {field: getattr(args, option)
                              for option, field in _EDIT_OPTIONS.items()
                              if getattr(args, option) is not None}
    if args.currency is not None:
        fields["currency"] = clean_currency(args.currency)
    if args.value is not None:
        fields["value"] = _amount(args.value, fields.get("currency", before.currency))
    if args.close is not None:
        clear = args.close.strip().lower() in ("", "none", "-")
        fields["expected_close"] = None if clear else _date(args.close, store.today(), "--close")
    if not fields:
        _usage(args, "nothing to edit: give --title, --org, --contact, --value, --currency,"
                     " --owner, --source or --close")
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
            _usage(args, f"--{option} and --clear {option} contradict each other")
        facts[FACTS[option]] = False
    if not facts:
        _usage(args, "say which facts to set: --decision-maker, --need, --timeline or --clear")
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


# -- reading ------------------------------------------------------------------------------

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
        deals = [d for d in deals if is_stale(d, by_key[d.stage], today)]
    if args.json:
        return _json([deal_to_json(d, by_key[d.stage], today) for d in deals])
    if not deals:
        return "no deals match"
    money = out.deals_total(deals, store.home_currency(), store.exchange_rates())
    return (f"{out.deals_table(deals, by_key, today)}\n"
            f"{out.count_words(len(deals))}, {out.money_text(money)}")


def cmd_show(store: PipelineStore, args: argparse.Namespace) -> str:
    """Show a deal's fields and activity history."""
    deal, today = store.get_deal(args.id), store.today()
    stage = find_stage(store.stages(), deal.stage)
    history = store.activities(deal.id)
    if args.json:
        return _json({**deal_to_json(deal, stage, today),
                      "activities": [activity_to_json(a) for a in history]})
    return out.show_deal(deal, stage, history, today)


# -- configuration ------------------------------------------------------------------------

def cmd_stages(store: PipelineStore, args: argparse.Namespace) -> str:
    """List stages, or add / rename / move / set / remove one."""
    action = args.stage_command
    if action is None:
        return out.stages_table(store.stages())
    if action == "remove":
        stage = find_stage(store.stages(), args.stage)
        store.remove_stage(stage.key)
        return f"removed stage {out.safe(stage.name)} ({stage.key})"
    if action == "add":
        options = {"key": args.key, "position": args.position, "probability": args.probability,
                   "stale_after_days": args.stale_after, "milestone": args.milestone}
        stage = store.add_stage(_words(args.name),
                                **{k: v for k, v in options.items() if v is not None})
        return f"added stage {out.safe(stage.name)} ({stage.key}) at position {stage.position}"
    if action == "rename":
        old = find_stage(store.stages(), args.stage)
        stage = store.rename_stage(old.key, _words(args.name))
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


# -- the board, the demo ------------------------------------------------------------------

def _open_board(store: PipelineStore) -> str | None:
    """Run the board until the user quits."""
    from kanban_pipe.ui.app import run_board  # imports Textual: only here

    run_board(store)
    return None


def cmd_board(store: PipelineStore, args: argparse.Namespace) -> str | None:
    """Open the board (what `kanban-pipe` with no command does)."""
    return _open_board(store)


def cmd_demo(args: argparse.Namespace, user: str) -> str | None:
    """Fill a demo pipeline with deterministic data, then open the board on it."""
    # Only an explicit --db is used: KANBAN_PIPE_DB names the real pipeline, never demo data.
    explicit = args.db is not None
    path = Path(args.db).expanduser() if explicit else paths.ensure_parent(paths.demo_db_path())
    if not explicit:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    shown = out.safe(str(path))
    store = open_store(str(path), user=user)
    try:
        held = store.db["deals"].count
        if held:
            raise InvalidInputError(
                f"{shown} already holds {held} deal(s); demo data goes into a new or empty "
                "file: choose another --db, or leave --db out to use the demo file"
            )
        try:
            from kanban_pipe.store.bulk import load_demo
        except ModuleNotFoundError as error:
            if error.name != "kanban_pipe.store.bulk":
                raise
            raise KanbanPipeError("demo data is not available in this version") from None
        count = load_demo(store, deals=args.deals, seed=args.seed)
        made = f"demo pipeline: {out.count_words(count)} in {shown} (seed {args.seed})"
        if args.no_open:
            return f"{made}\nopen it with: kanban-pipe --db {shown}"
        board = _open_board(store)
        return None if board is None else f"{made}\n\n{board}"
    finally:
        store.close()
