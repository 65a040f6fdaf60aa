"""Validating a whole import file into store-ready deals, collecting every problem."""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from kanban_pipe.domain.errors import InvalidInputError
from kanban_pipe.domain.models import DealStatus, Stage
from kanban_pipe.domain.rules import stage_category
from kanban_pipe.domain.validation import (
    clean_category,
    clean_currency,
    clean_name,
    clean_probability,
)
from kanban_pipe.store.transfer import COLUMN_DEFAULTS, IMPORT_COLUMNS, ImportBatch
from kanban_pipe.transfer.checks import Column, ColumnChecker
from kanban_pipe.transfer.columns import CLOSING_FIELDS, ColumnPlan, normalise
from kanban_pipe.transfer.history import (
    STAMPS,
    lost_at_stage,
    read_history,
    settle_file_dates,
)
from kanban_pipe.transfer.problems import ImportRefusedError, Problems
from kanban_pipe.transfer.reader import ABSENT, SourceTable
from kanban_pipe.transfer.stage_match import NewStage, StageMatcher
from kanban_pipe.transfer.stage_order import FileOrder, deal_pipelines, gather_order
from kanban_pipe.transfer.values import (
    DateOrder,
    date_order_evidence,
    read_file_date,
    read_flag,
    read_moment,
    read_position,
)

_TEXTS = {"title": ("title", 200), "organization": ("organization", 200),
          "contact": ("contact", 200), "source": ("source", 100),
          "lost_reason": ("lost reason", 500), "next_action": ("next step", 300)}
_DATES = ("expected_close", "next_due", "paused_until")
_STAMPS = (*STAMPS, *CLOSING_FIELDS)
_FLAGS = ("decision_maker", "need_confirmed", "timeline_confirmed")
_SPECIAL = ("id", "value", "stage", "status")
_MAX_ID = 200
_PAUSED, _LOST = DealStatus.PAUSED.value, DealStatus.LOST.value
_CLOSED = (DealStatus.WON.value, _LOST)


@dataclass(frozen=True, slots=True)
class ImportContext:
    """What validation needs from the pipeline and the command line."""

    stages: Sequence[Stage]
    home_currency: str
    user: str
    today: date
    date_order: DateOrder | None = None
    stage_map: Sequence[tuple[str, str]] = ()
    create_stages: bool = False
    stage_order: Sequence[str] = ()


@dataclass(frozen=True, slots=True)
class Validated:
    """A file's deals, every one valid, and the stages to create for them."""

    batch: ImportBatch
    new_stages: list[NewStage]
    order: FileOrder | None = None  # with --create-stages: the file's stages in order


def _set(value: Any) -> bool:
    return value is not ABSENT and value is not None and value != ""


def decide_order(texts: dict[str, Column], more: Sequence[Column] = ()) -> DateOrder | None:
    """Day-first or month-first when the file's numeric dates show it, else None."""
    seen: set[str] = set()
    for column in (*(texts.get(name, ()) for name in (*_DATES, *_STAMPS)), *more):
        seen.update(v for v in column if v is not ABSENT)
    day_first, month_first = date_order_evidence(seen)
    if day_first != month_first:
        return DateOrder.DAY_FIRST if day_first else DateOrder.MONTH_FIRST
    return None


def _readers(context: ImportContext, order: DateOrder | None
             ) -> dict[str, tuple[bool, Callable[[str], Any]]]:
    """Per field: (checked once per distinct value?, reader of the cell's text)."""
    today = context.today

    def day(text: str) -> str | None:
        return read_file_date(text, order, today).isoformat() if text.strip() else None

    readers: dict[str, tuple[bool, Callable[[str], Any]]] = {
        # An empty owner or currency is no value: you, or the home currency, apply.
        "owner": (True, lambda t: clean_name(t, "owner") if t.strip() else ABSENT),
        "currency": (True, lambda t: clean_currency(t) if t.strip() else ABSENT),
        "next_owner": (True, lambda t: clean_name(t, "next step owner") if t.strip() else None),
        "position": (True, read_position),
        "forecast_category": (True, read_category),
        "probability": (True, clean_probability),
    }
    readers.update(dict.fromkeys(_FLAGS, (True, lambda t: int(read_flag(t)))))
    readers.update(dict.fromkeys(_DATES, (True, day)))
    return readers


def validate_table(table: SourceTable, plan: ColumnPlan, context: ImportContext
                   ) -> Validated:
    """Check every cell; return the deals, or raise ImportRefusedError listing what's wrong."""
    problems = Problems(unit=table.unit)
    for line, reason in table.problems:
        problems.add(line, None, None, reason)
    lines = [line for line, _ in table.rows]
    size = len(lines)
    check = ColumnChecker(lines, problems, csv=table.kind == "csv", guarded=table.guarded)
    header = plan.header
    # Rows turned into columns in one C-level pass (every row has every column).
    by_column = list(zip(*(cells for _, cells in table.rows), strict=True)) if size else []
    raw = {name: list(by_column[at]) if size else [] for name, at in plan.index.items()}
    texts = {name: check.texts(column, header[name]) for name, column in raw.items()}
    history_texts = [(stage, check.texts(list(by_column[at]) if size else [],
                                         table.headers[at]), table.headers[at])
                     for stage, _pipeline, at in plan.history]
    date_order = context.date_order or decide_order(texts, [t for _, t, _ in history_texts])
    readers = _readers(context, date_order)

    def moment(text: str) -> str:
        return read_moment(text, date_order, context.today)

    history = read_history([(stage, check.stamps(column, name, moment))
                            for stage, column, name in history_texts])
    out: dict[str, Column] = {}
    for name, column in texts.items():
        if name in _TEXTS:
            label, limit = _TEXTS[name]
            out[name] = check.text(column, header[name], label, limit, name == "title")
        elif name in _STAMPS:
            out[name] = check.stamps(column, header[name], moment)
        elif name not in _SPECIAL:
            once, read = readers[name]
            out[name] = (check.mapped if once else check.each)(column, header[name], read)
    for index in (i for i, t in enumerate(out["title"]) if t is ABSENT):
        check.fail(index, header["title"], None, "title is required")
    given = set(out)
    owners = _filled(out.setdefault("owner", [ABSENT] * size), context.user)
    currencies = _filled(out.setdefault("currency", [ABSENT] * size), context.home_currency)
    if "value" in texts:
        minor_json = table.kind == "json" and normalise(header["value"]) == "value"
        out["value"] = check.amounts(raw["value"], texts["value"], currencies, header["value"],
                                     minor_json)
        given.add("value")
    matcher = StageMatcher(context.stages, context.stage_map, context.create_stages)
    names, words = _stage_words(texts, size, csv=check.csv)
    lost_at_stage(names, words, history)
    stages, statuses = _stages(names, words, header, check, matcher)
    out["stage"], out["status"] = stages, statuses
    file_order = gather_order(matcher, names, [(s, p) for s, p, _ in plan.history],
                              deal_pipelines(table), context.stage_order
                              ) if context.create_stages else None
    if "stage" in texts or "status" in texts:
        given.update(("stage", "status", "paused_until", "lost_reason", "closed_at"))
        _settle_status(out, statuses, header, check, size)
    _settle_call(out, stages, context.stages)  # a stage made by the import: kept as given
    estimated = settle_file_dates(out, statuses, names, history, texts, header, moment,
                                  size)
    given.difference_update(CLOSING_FIELDS)
    given.update(name for name in STAMPS if name in out)
    _settle_next_step(out, given, owners, header, check, size)
    refs = _refs(raw.get("id"), texts.get("id"), table, plan, check)
    histories = {i: check.history(entries, i) for i, entries in table.histories.items()}
    if matcher.unknown:
        problems.add_first(matcher.unknown_message())
    if problems:
        raise ImportRefusedError(table.name, problems)
    batch = _assemble(out, given, lines, refs, histories, owners, currencies,
                      json=table.kind == "json", estimated=estimated)
    return Validated(batch, list(matcher.new_stages.values()), file_order)


def read_category(text: str) -> str | None:
    """A forecast category cell: pipeline, best case, commit, omitted (Salesforce's words
    too); 'closed' or empty is none (a closed deal is in no call)."""
    if text.strip().lower() == "closed":
        return None
    category = clean_category(text)
    return category.value if category else None


def _settle_call(out: dict[str, Column], stage_keys: Column, stages: Sequence[Stage]
                 ) -> None:
    """A CRM writes every deal's category and probability; only where they differ from
    what the deal's stage gives are they the owner's own call (else the stage's, None)."""
    by_key = {stage.key: stage for stage in stages}
    if "probability" in out:
        out["probability"] = [
            None if p is ABSENT or (k in by_key and p == by_key[k].probability) else p
            for p, k in zip(out["probability"], stage_keys, strict=True)]
    if "forecast_category" in out:
        out["forecast_category"] = [
            None if c is ABSENT or (k in by_key and c == stage_category(by_key[k]).value)
            else c for c, k in zip(out["forecast_category"], stage_keys, strict=True)]


def _filled(column: Column, default: Any) -> list[Any]:
    return [default if value is ABSENT else value for value in column]


def _stage_words(texts: dict[str, Column], size: int, *, csv: bool
                 ) -> tuple[list[str], list[str]]:
    """Each row's stage and status text ('' where the file has none)."""
    blank = [""] * size
    names, words = list(texts.get("stage", blank)), list(texts.get("status", blank))
    if not csv:
        names = [t if t is not ABSENT else "" for t in names]
        words = [t if t is not ABSENT else "" for t in words]
    return names, words


def _stages(names: list[str], words: list[str], header: dict[str, str],
            check: ColumnChecker, matcher: StageMatcher) -> tuple[Column, Column]:
    """Each row's stage key and status, from its stage and status texts (pairs once)."""
    pairs = list(zip(names, words, strict=True))
    answers: dict[tuple[str, str], tuple[str | None, str, str | None]] = {}
    for pair, count in Counter(pairs).items():
        try:
            answers[pair] = found = matcher.resolve(*pair)
        except InvalidInputError as error:
            column = header.get("status" if pair[1] else "stage")
            for index in (i for i, p in enumerate(pairs) if p == pair):
                check.fail(index, column, pair[1] or pair[0], str(error))
            continue
        if found[2] is not None:
            matcher.note_unknown(found[2], count, check.lines[pairs.index(pair)])
    # Pairs that failed have no answer: their rows are refused, whatever is filled in here.
    stage_of = {pair: found[0] for pair, found in answers.items()}
    status_of = {pair: found[1] for pair, found in answers.items()}
    return list(map(stage_of.get, pairs)), list(map(status_of.get, pairs))


def _settle_status(out: dict[str, Column], statuses: Column, header: dict[str, str],
                   check: ColumnChecker, size: int) -> None:
    """What only some statuses keep (store invariants), and the date a paused deal needs."""
    absent = [ABSENT] * size
    paused = out.get("paused_until", absent)
    for index, (until, status) in enumerate(zip(paused, statuses, strict=True)):
        if status == _PAUSED and not _set(until):
            check.fail(index, header.get("status"), status,
                       "a paused deal needs its paused_until date")
    out["paused_until"] = [u if s == _PAUSED else None
                           for u, s in zip(paused, statuses, strict=True)]
    out["lost_reason"] = [r if s == _LOST else ""
                          for r, s in zip(out.get("lost_reason", absent), statuses, strict=True)]
    out["closed_at"] = [c if s in _CLOSED else None
                        for c, s in zip(out.get("closed_at", absent), statuses, strict=True)]


def _settle_next_step(out: dict[str, Column], given: set[str], owners: Column,
                      header: dict[str, str], check: ColumnChecker, size: int) -> None:
    """A next step is an action with an owner (the deal's by default) and maybe a due date."""
    if not {"next_action", "next_owner", "next_due"} & out.keys():
        return  # the usual CRM file: no next steps at all
    nothing = [None] * size
    actions = out.get("next_action", nothing)
    step_owners, dues = out.get("next_owner", nothing), out.get("next_due", nothing)
    for index, (action, owner, due) in enumerate(zip(actions, step_owners, dues, strict=True)):
        if not _set(action) and (_set(owner) or _set(due)):
            check.fail(index, header.get("next_action"), action or "",
                       "a next step owner or due date needs a next action")
    if "next_action" not in out:
        return
    out["next_action"] = [a if a is ABSENT else (a or None) for a in actions]
    out["next_owner"] = [
        ABSENT if a is ABSENT else ((o if _set(o) else w) if a else None)
        for a, o, w in zip(actions, step_owners, owners, strict=True)]
    out["next_due"] = [ABSENT if a is ABSENT else ((d if _set(d) else None) if a else None)
                       for a, d in zip(actions, dues, strict=True)]
    given.update(("next_owner", "next_due"))


def _refs(raw: Column | None, texts: Column | None, table: SourceTable, plan: ColumnPlan,
          check: ColumnChecker) -> list[str]:
    """Each row's source id ('pipedrive:12'), or a hash of its cells when it has none."""
    ids = [t.strip() if t is not ABSENT else "" for t in texts] if texts is not None else None
    if ids is not None and max(map(len, ids), default=0) > _MAX_ID:
        for index in (i for i, source_id in enumerate(ids) if len(source_id) > _MAX_ID):
            check.fail(index, plan.header["id"], ids[index],
                       f"an id is at most {_MAX_ID} characters")
    where = f"the same id is on {table.unit}"
    if ids is not None and "" not in ids:  # the usual case: every row has its id
        refs = [f"{plan.id_system}:{source_id}" for source_id in ids]
        if len(set(refs)) < len(refs):
            first: dict[str, int] = {}
            for index, ref in enumerate(refs):
                if ref in first:
                    check.fail(index, plan.header["id"], raw[index] if raw else ids[index],
                               f"{where} {check.lines[first[ref]]}")
                first.setdefault(ref, index)
        return refs
    names = [normalise(h) for h in table.headers]
    seen: dict[str, int] = {}
    repeats: dict[str, int] = {}
    refs = []
    for index, (_, cells) in enumerate(table.rows):
        if ids is not None and ids[index]:
            ref = f"{plan.id_system}:{ids[index]}"
            if ref in seen:
                check.fail(index, plan.header["id"], raw[index] if raw else ids[index],
                           f"{where} {check.lines[seen[ref]]}")
            seen.setdefault(ref, index)
        else:
            joined = "\x1f".join(f"{names[i]}\x1e{cells[i]}" for i in plan.hash_columns
                                 if cells[i] is not ABSENT)
            ref = "row:" + hashlib.blake2b(joined.encode("utf-8", "surrogatepass"),
                                           digest_size=16).hexdigest()
            # Identical rows are told apart by their count, so each is a deal and
            # re-importing the file matches each one again.
            count = repeats[ref] = repeats.get(ref, 0) + 1
            if count > 1:
                ref = f"{ref}#{count}"
        refs.append(ref)
    return refs


def _assemble(out: dict[str, Column], given: set[str], lines: list[int], refs: list[str],
              histories: dict[int, tuple[tuple[str, str, str, str], ...]], owners: Column,
              currencies: Column, *, json: bool,
              estimated: dict[str, list[str | None]]) -> ImportBatch:
    """The checked columns as an ImportBatch: gaps filled, `given` worked out per deal."""
    # Cells a deal lacks (JSON keys, an empty owner or currency, a closed deal's reason or
    # date with no column for it) make `given` differ per deal; a CSV file has no other
    # gaps, so only those columns are searched.
    searched = given if json else given & {"owner", "currency", "lost_reason", "closed_at"}
    partial = [name for name in searched if ABSENT in out[name]]
    presence = [[value is not ABSENT for value in out[name]] for name in partial]
    out["owner"], out["currency"] = owners, currencies
    columns = {}
    for name in IMPORT_COLUMNS:
        if name not in out:  # a column the file lacks: every deal gets the default
            columns[name] = [COLUMN_DEFAULTS.get(name)] * len(lines)
        elif name in partial:
            columns[name] = _filled(out[name], COLUMN_DEFAULTS.get(name))
        else:
            columns[name] = out[name]
    constant = frozenset(given - set(partial))
    per_deal: frozenset[str] | list[frozenset[str]] = constant
    if partial:
        shapes: dict[tuple[bool, ...], frozenset[str]] = {}
        per_deal = [
            shapes.get(shape) or shapes.setdefault(shape, constant | {
                name for name, present in zip(partial, shape, strict=True) if present})
            for shape in zip(*presence, strict=True)]
    return ImportBatch(lines, refs, columns, per_deal, histories, estimated)
