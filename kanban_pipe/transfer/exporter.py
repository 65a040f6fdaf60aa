"""Exporting deals as CSV (own columns, formula-safe) or JSON (with each deal's history)."""

from __future__ import annotations

import csv
import io
import json
import os
from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

from kanban_pipe.domain.amounts import format_plain
from kanban_pipe.domain.errors import InvalidInputError
from kanban_pipe.domain.models import Deal, DealStatus
from kanban_pipe.domain.serialize import activity_to_json, deal_to_json
from kanban_pipe.domain.stages import stage_of
from kanban_pipe.store.pipeline import PipelineStore
from kanban_pipe.store.rows import stamp
from kanban_pipe.store.transfer import activities_by_deal
from kanban_pipe.transfer.columns import FIELDS
from kanban_pipe.transfer.values import neutralise

FORMATS = ("csv", "json")
# The export's columns: the fields import reads, and the name of each deal's pipeline
# (an import goes into the one pipeline it is given, so it reads no pipeline column).
EXPORT_COLUMNS = (*FIELDS, "pipeline")


def _day(day: date | None) -> str:
    return day.isoformat() if day else ""


def _moment(moment: datetime | None) -> str:
    return stamp(moment) if moment else ""


def _plain(value: int | None, currency: str) -> str:
    return "" if value is None else format_plain(value, currency)  # no value: an empty cell


def _yes(flag: bool) -> str:
    return "yes" if flag else "no"


def csv_cells(deal: Deal, pipelines: dict[str, str] | None = None) -> list[str]:
    """One deal as the cells of the EXPORT_COLUMNS, before formula neutralising
    (`pipelines`: each pipeline's name by key)."""
    step = deal.next_step
    held = deal.qualification
    return [
        str(deal.id), deal.title, deal.organization, deal.contact,
        _plain(deal.value, deal.currency), deal.currency, deal.stage or "",
        deal.status.value,
        deal.owner, deal.source, _day(deal.expected_close), step.action if step else "",
        step.owner if step else "", _day(step.due) if step else "", _day(deal.paused_until),
        deal.lost_reason, _yes(held.decision_maker), _yes(held.need), _yes(held.timeline),
        str(deal.position), _moment(deal.created_at), _moment(deal.stage_entered_at),
        _moment(deal.last_activity_at), _moment(deal.closed_at),
        deal.forecast_category.value if deal.forecast_category else "",
        "" if deal.probability is None else str(deal.probability),
        (pipelines or {}).get(deal.pipeline, deal.pipeline),
    ]


def export_text(store: PipelineStore, *, file_format: str,
                statuses: Sequence[DealStatus] | None = None, newline: str = "\n"
                ) -> tuple[str, int]:
    """The deals (all statuses unless told; never deleted ones) as CSV or JSON text."""
    deals = store.list_deals(statuses=statuses)
    if file_format == "json":
        return _json(store, deals), len(deals)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator=newline)
    writer.writerow(EXPORT_COLUMNS)
    names = {p.key: p.name for p in store.pipelines()}
    # A spreadsheet opening the file would run '=HYPERLINK(...)' typed as a deal title.
    writer.writerows([neutralise(cell) for cell in csv_cells(deal, names)] for deal in deals)
    return buffer.getvalue(), len(deals)


def _json(store: PipelineStore, deals: Sequence[Deal]) -> str:
    stages = {stage.key: stage for stage in store.stages()}
    names = {p.key: p.name for p in store.pipelines()}
    today = store.today()
    history = activities_by_deal(store) if deals else {}
    records: list[dict[str, Any]] = []
    for deal in deals:
        record = deal_to_json(deal, stage_of(deal.stage, stages), today)
        record["closed_at"] = deal.closed_at.isoformat() if deal.closed_at else None
        record["position"] = deal.position
        record["pipeline_name"] = names.get(deal.pipeline, deal.pipeline)
        record["activities"] = [activity_to_json(a) for a in history.get(deal.id, [])]
        records.append(record)
    return json.dumps(records, indent=2, ensure_ascii=False)


def write_export(text: str, target: str, *, file_format: str, pipeline: str) -> Path:
    """Write an export to `target` whole (via a temporary file), never over the pipeline."""
    path = Path(target).expanduser()
    if path.exists() and path.is_dir():
        raise InvalidInputError(f"{target} is a folder; give a file name with -o")
    if path.resolve() == Path(pipeline).resolve():
        raise InvalidInputError(f"-o {target} is the pipeline file itself; choose another name")
    if not path.parent.is_dir():
        raise InvalidInputError(f"cannot write {target}: the folder {path.parent} does not exist")
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    # CSV files carry a BOM so Excel reads them as UTF-8 (import accepts it either way).
    encoding = "utf-8-sig" if file_format == "csv" else "utf-8"
    try:
        with temporary.open("w", encoding=encoding, newline="") as handle:
            handle.write(text if text.endswith("\n") or not text else text + "\n")
        os.replace(temporary, path)
    except OSError as error:
        temporary.unlink(missing_ok=True)
        raise InvalidInputError(f"cannot write {target}: {error.strerror}") from None
    return path
