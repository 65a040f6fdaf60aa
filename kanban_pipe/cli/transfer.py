"""Command-line commands for transfer (registered into the main parser by cli.build_parser)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from kanban_pipe import paths
from kanban_pipe.cli import output as out
from kanban_pipe.collector import cyclic_gc_paused
from kanban_pipe.domain.errors import InvalidInputError
from kanban_pipe.domain.models import DealStatus
from kanban_pipe.domain.validation import MAX_TEXT, MAX_TITLE
from kanban_pipe.store import PipelineStore, open_store
from kanban_pipe.store.engine import is_server_url
from kanban_pipe.transfer.backup import backup_file, check_file, schema_words, sqlite_words
from kanban_pipe.transfer.columns import FIELDS, parse_pairs
from kanban_pipe.transfer.exporter import FORMATS, export_text, write_export
from kanban_pipe.transfer.importer import (
    ImportOptions,
    ImportPlan,
    ImportReport,
    import_file,
    prepare_import,
    with_stages,
)
from kanban_pipe.transfer.problems import ImportRefusedError
from kanban_pipe.transfer.reader import DEFAULT_ENCODING, MAX_COLUMNS, MAX_FILE_BYTES
from kanban_pipe.transfer.values import DateOrder

_SHOWN_OWNERS = 15


def register(commands: Any, sub: Callable[..., Any]) -> None:
    """Add this module's commands to the parser's subcommand group."""
    limits = (f"Recognises kanban-pipe's own columns and Pipedrive, HubSpot and Salesforce "
              f"exports. Limits: {MAX_FILE_BYTES // 2**20} MB, {MAX_COLUMNS} columns, titles "
              f"of {MAX_TITLE} characters, notes of {MAX_TEXT}.")
    importing = sub(commands, "import", file_import,
                    "import deals from a CSV or JSON file, all or nothing")
    importing.epilog = limits
    # A pipeline file that does not exist yet is made only when deals are written to it.
    importing.set_defaults(file_handler=file_import, creates_file_late=True)
    importing.add_argument("file", metavar="FILE", help="a CSV or JSON file")
    importing.add_argument("--map", action="append", default=[], metavar="COLUMN=FIELD",
                           help="read COLUMN as FIELD (empty FIELD ignores it); fields: "
                                + ", ".join(FIELDS))
    importing.add_argument("--stage-map", action="append", default=[], metavar="FROM=TO",
                           help="put deals of the file's stage FROM into stage TO")
    importing.add_argument("--create-stages", action="store_true",
                           help="add the file's unknown stages to the pipeline, in its "
                                "pipeline's order; on a pipeline without deals they replace "
                                "its empty stages (asked first on a terminal)")
    importing.add_argument("--stage-order", action="append", default=[], metavar="A,B,C",
                           help="with --create-stages: the pipeline's stage names in order "
                                "(default: from the file)")
    importing.add_argument("--keep-stages", action="store_true",
                           help="with --create-stages: keep an empty pipeline's stages and "
                                "add the file's before the won stage")
    order = importing.add_mutually_exclusive_group()
    order.add_argument("--dayfirst", dest="date_order", action="store_const",
                       const=DateOrder.DAY_FIRST, help="read 03/04/2026 as 3 April")
    order.add_argument("--monthfirst", dest="date_order", action="store_const",
                       const=DateOrder.MONTH_FIRST, help="read 03/04/2026 as March 4")
    importing.add_argument("--encoding", default=DEFAULT_ENCODING,
                           help=f"the file's text encoding (default {DEFAULT_ENCODING})")
    importing.add_argument("--format", dest="file_format", choices=FORMATS,
                           help="csv or json (default: from the name and content)")
    importing.add_argument("--update", action="store_true",
                           help="update deals imported before instead of skipping them")
    importing.add_argument("--dry-run", action="store_true",
                           help="check the file and show what would happen; write nothing")

    exporting = sub(commands, "export", cmd_export, "export deals as CSV or JSON")
    exporting.add_argument("--format", dest="file_format", choices=FORMATS,
                           help="csv (default) or json (with each deal's history)")
    exporting.add_argument("--status", action="append",
                           choices=(*(s.value for s in DealStatus), "all"),
                           help="only deals of this status (repeatable; default all)")
    exporting.add_argument("-o", "--output", metavar="FILE", help="write to FILE, not stdout")

    backup = sub(commands, "backup", file_backup,
                 "copy the pipeline to FILE safely, even while others save")
    backup.add_argument("file", metavar="FILE", help="the copy (or a folder to put it in)")
    backup.set_defaults(file_handler=file_backup)
    check = sub(commands, "check", file_check,
                "check the pipeline file for damage and show what it holds")
    check.set_defaults(file_handler=file_check)


def file_import(args: argparse.Namespace, db_path: str, user: str) -> str:
    """Import a file all or nothing, or with --dry-run say what it would do.

    When the pipeline file does not exist yet, the file is first read and checked against
    a new pipeline's defaults in memory: a refused file, a dry run or a file without deals
    leaves no pipeline file (nor its folder) behind.
    """
    options = ImportOptions(
        column_map=parse_pairs(args.map, "--map"),
        stage_map=parse_pairs(args.stage_map, "--stage-map"),
        create_stages=args.create_stages, date_order=args.date_order,
        encoding=args.encoding, update=args.update, file_format=args.file_format,
        stage_order=[name.strip() for value in args.stage_order for name in value.split(",")
                     if name.strip()],
        keep_stages=args.keep_stages,
    )
    plan: ImportPlan | None = None
    if db_path != ":memory:" and not is_server_url(db_path) and not Path(db_path).exists():
        scratch = open_store(":memory:", user=user)
        try:
            with _refusal_listed(), cyclic_gc_paused():
                plan = prepare_import(scratch, args.file, options)
            if not args.dry_run:
                plan = _confirm_replacing(plan, scratch)
            if not args.dry_run and not len(plan.batch):
                return (f"nothing to import: {out.safe(plan.file_name)} holds no deals; "
                        f"{out.safe(db_path)} was not created")
            if args.dry_run:
                report = import_file(scratch, args.file, options, dry_run=True, plan=plan)
                return (f"{import_text(report)}\n\n{out.safe(db_path)} does not exist yet: "
                        "the import would create it")
            fresh = (scratch.stages(), scratch.home_currency())
        finally:
            scratch.close()
        if Path(db_path) == paths.default_db_path():
            paths.ensure_parent(db_path)
    store = open_store(db_path, user=user)
    try:
        if store.location_warning:
            print(f"kanban-pipe: warning: {out.safe(store.location_warning)}", file=sys.stderr)
        # An import goes into one pipeline (its stages are what the file's are matched
        # with): the one named, else the first.
        if store.use_pipeline(getattr(args, "pipeline", None) or store.home_pipeline().key) \
                is None:
            raise InvalidInputError("an import goes into one pipeline: name it with "
                                    "--pipeline NAME")
        if plan is not None and (store.stages(), store.home_currency()) != fresh:
            plan = None  # someone made the file meanwhile, unlike a new one: read it again
        with _refusal_listed(), cyclic_gc_paused():
            if plan is None:
                plan = prepare_import(store, args.file, options)
                if not args.dry_run:
                    plan = _confirm_replacing(plan, store)
            report = import_file(store, args.file, options, dry_run=args.dry_run, plan=plan)
    finally:
        store.close()
    return import_text(report)


def _confirm_replacing(plan: ImportPlan, store: PipelineStore) -> ImportPlan:
    """On a terminal, ask before the file's stages replace an empty pipeline's own."""
    if not plan.replaced_stages or not (sys.stdin.isatty() and sys.stdout.isatty()):
        return plan
    names = {stage.key: stage.name for stage in store.stages()}
    replaced = ", ".join(out.safe(names.get(key, key)) for key in plan.replaced_stages)
    added = ", ".join(out.safe(stage.name) for stage in plan.new_stages)
    question = (f"The pipeline has no deals yet. Replace its empty stages ({replaced}) with "
                f"the file's ({added})? [Y/n] ")
    try:
        answer = input(question).strip().lower()
    except EOFError:
        answer = "n"
    if answer in ("", "y", "yes"):
        return plan
    return with_stages(plan, store.stages(), replace_empty=False)


@contextmanager
def _refusal_listed() -> Iterator[None]:
    """A refused file's problems go to stderr one per line, above the one-line error."""
    try:
        yield
    except ImportRefusedError as refused:
        if refused.problems.total > 1:
            for line in refused.details():
                print(f"{out.safe(refused.file_name)}: {out.safe(line)}", file=sys.stderr)
        raise


def import_text(report: ImportReport) -> str:
    """The import (or dry-run) summary: counts, new stages, per stage and per owner."""
    name = out.safe(report.file_name)
    skipped = []
    if report.unchanged:
        skipped.append(f"{report.unchanged:,} unchanged")
    if report.skipped:
        skipped.append(f"{report.skipped:,} imported before (skipped; --update updates them)")
    if report.deleted:
        skipped.append(f"{report.deleted:,} deleted here (left deleted)")
    counts = f"{report.created:,} new deal{'' if report.created == 1 else 's'}, " \
        f"{report.updated:,} updated" + (
        f"; {', '.join(skipped)}" if skipped else "")
    if report.dry_run:
        lines = [f"dry run of {name}: nothing was written", f"would import {counts}"]
    else:
        lines = [f"imported {name}: {counts}"]
        if report.ids:
            lines[0] += f" ({_id_span(report.ids)})"
    if report.renumbered:
        verb = "would get" if report.dry_run else "got"
        shown = ", ".join(f"#{old} → #{new}" for old, new in report.renumbered[:5])
        more = len(report.renumbered) - 5
        count = len(report.renumbered)
        lines.append(f"{count:,} deal{'s' if count != 1 else ''} of kanban-pipe's export {verb}"
                     f" a new id, another deal here having {'theirs' if count != 1 else 'its'}"
                     f": {shown}" + (f" and {more:,} more" if more > 0 else "")
                     + "; importing the file again still finds them")
    if report.new_stages:
        verb = "would add" if report.dry_run else "added"
        lines.append(f"{verb} stages: " + ", ".join(
            f"{out.safe(s.name)} ({s.key})" for s in report.new_stages))
    lines += [f"  {out.safe(note)}" for note in report.notes]
    if report.by_stage:
        lines += ["", out.render_table(("STAGE", "NEW", "UPDATED"), (
            (stage, str(new), str(old)) for stage, new, old in report.by_stage),
            frozenset({1, 2}))]
        owners = report.by_owner[:_SHOWN_OWNERS]
        lines += ["", out.render_table(("OWNER", "NEW", "UPDATED"), (
            (owner, str(new), str(old)) for owner, new, old in owners), frozenset({1, 2}))]
        if len(report.by_owner) > _SHOWN_OWNERS:
            lines.append(f"… and {len(report.by_owner) - _SHOWN_OWNERS} more owners")
    if report.ignored_columns:
        lines += ["", "ignored columns (use --map COLUMN=FIELD to read one): " + ", ".join(
            repr(out.safe(c)) for c in report.ignored_columns)]
    return "\n".join(lines)


def _id_span(ids: list[int]) -> str:
    """'#4-#9' for ids in a row, '#12' for one, '#3, #12 and 5 more' otherwise."""
    low, high = min(ids), max(ids)
    if high - low + 1 == len(ids):
        return f"#{low}" + (f"-#{high}" if high > low else "")
    ordered = sorted(ids)
    return ", ".join(f"#{i}" for i in ordered[:3]) + (
        f" and {len(ordered) - 3:,} more" if len(ordered) > 3 else "")


def cmd_export(store: PipelineStore, args: argparse.Namespace) -> str:
    """Export deals as CSV or JSON, to stdout or a file."""
    file_format = args.file_format or (
        "json" if args.output and args.output.lower().endswith(".json") else "csv")
    chosen = args.status or ["all"]
    statuses = None if "all" in chosen else [DealStatus(s) for s in dict.fromkeys(chosen)]
    if args.output:
        text, count = export_text(store, file_format=file_format, statuses=statuses,
                                  newline="\r\n")
        path = write_export(text, args.output, file_format=file_format, pipeline=store.path)
        deals = f"{count:,} deal" + ("" if count == 1 else "s")
        return f"exported {deals} to {out.safe(str(path))} ({file_format})"
    text, _count = export_text(store, file_format=file_format, statuses=statuses)
    if sys.stdout.isatty():
        # Data for a pipe goes out as is; on a terminal, control characters are not run.
        text = "\n".join(out.safe(line) for line in text.split("\n"))
    return text.removesuffix("\n")


def file_backup(args: argparse.Namespace, db_path: str, user: str) -> str:
    """Copy the pipeline with SQLite's backup API (or a server's in one snapshot) and
    check the copy."""
    if is_server_url(db_path):
        from kanban_pipe.transfer.server_backup import backup_server

        db_path, destination, found = backup_server(db_path, args.file, user=user)
    else:
        destination, found = backup_file(db_path, args.file)
    return (f"backed up {out.safe(db_path)} to {out.safe(str(destination))}: "
            f"{found.deals:,} deals, {found.activities:,} activities, "
            f"{_size(found.size)}; the copy passes the integrity check")


def file_check(args: argparse.Namespace, db_path: str, user: str) -> str:
    """Check the pipeline file read-only; a damaged file is one line and exit 1."""
    if is_server_url(db_path):
        return _server_check(db_path, user)
    found = check_file(db_path)
    deleted = f" (and {found.deleted_deals:,} deleted)" if found.deleted_deals else ""
    return "\n".join([
        f"{out.safe(db_path)}: ok",
        f"location:       {out.safe(str(found.location))}",
        f"size:           {_size(found.size)} ({found.journal_mode} journal)",
        f"schema version: {schema_words(found.schema_version)}",
        f"deals:          {found.deals:,}{deleted}",
        f"activities:     {found.activities:,}",
        f"stages:         {found.stages}",
        "integrity:      ok (integrity check and foreign keys)",
        f"sqlite:         {sqlite_words()}",
    ])


def _server_check(url: str, user: str) -> str:
    """`check` of a pipeline on a server."""
    from kanban_pipe.transfer.server_backup import check_server

    found = check_server(url, user=user)
    deleted = f" (and {found.deleted_deals:,} deleted)" if found.deleted_deals else ""
    return "\n".join([
        f"{out.safe(found.location)}: ok",
        f"location:       {out.safe(found.location)} ({out.safe(found.server)})",
        f"size:           {_size(found.size)} (the whole database)",
        f"schema version: {schema_words(found.schema_version)}",
        f"deals:          {found.deals:,}{deleted}",
        f"activities:     {found.activities:,}",
        f"stages:         {found.stages}",
        "integrity:      ok (every table and trigger of the schema; the server checks its "
        "own pages)",
    ])


def _size(size: int) -> str:
    if size < 2**20:
        return f"{size / 1024:.0f} KB"
    return f"{size / 2**20:.1f} MB"
