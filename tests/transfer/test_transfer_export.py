"""Export: CSV round-trips through import without loss, JSON carries history, no formulas."""

from __future__ import annotations

import csv
import dataclasses
import io
import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from kanban_pipe.domain.models import Deal, NextStep, QualificationFact
from kanban_pipe.store import PipelineStore, open_store

START = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
HOSTILE = '=HYPERLINK("http://evil","click"), "quoted"\nsecond line'


class Clock:
    """A clock the test moves on, so every timestamp differs."""

    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        self.now += timedelta(hours=7, minutes=13, seconds=5)
        return self.now


def fill(store: PipelineStore) -> None:
    """A pipeline using every field: steps, facts, pauses, losses, wins, odd text."""
    today = store.today()
    first = store.add_deal(HOSTILE, organization="+Org ; drop", contact="-2+3 Bob",
                           value=1_234_567, currency="EUR", source="@SUM(A1)",
                           expected_close=date(2027, 1, 31),
                           next_step=NextStep("Send deck", "Carla", today + timedelta(3)))
    store.add_deal("Yen deal ü 日本", value=9_876, currency="JPY", owner="Ken", stage="proposal")
    store.add_deal("Dinar deal", value=1_005, currency="KWD", stage="qualified")
    lost = store.add_deal("'=already guarded", value=0, stage="commitment")
    store.mark_lost(lost.id, "\tBudget cut")
    paused = store.add_deal("Paused deal", value=50)
    store.pause_deal(paused.id, today + timedelta(days=20))
    won = store.add_deal("Won deal", value=70_000, owner="Ben")
    store.mark_won(won.id)
    store.qualify_deal(first.id, {QualificationFact.DECISION_MAKER: True,
                                  QualificationFact.NEED: True})
    store.move_deal(first.id, "proposal")
    second = store.add_deal("Second in proposal", value=1)
    store.move_deal(second.id, "proposal")
    store.reorder_deal(second.id, -1)  # manual order in the column
    store.delete_deal(store.add_deal("Deleted deal").id)


def comparable(deal: Deal) -> Deal:
    """A deal without what a new file gives it afresh: its id, version and save time."""
    return dataclasses.replace(deal, id=0, version=1, updated_at=START)


@pytest.fixture
def filled(db: str) -> str:
    pipeline = open_store(db, user="anna", clock=Clock())
    try:
        fill(pipeline)
    finally:
        pipeline.close()
    return db


def deals_of(path: str) -> dict[str, Deal]:
    pipeline = open_store(path, user="check")
    try:
        return {deal.title: deal for deal in pipeline.list_deals(statuses=None)}
    finally:
        pipeline.close()


@pytest.mark.parametrize("file_format", ["csv", "json"])
def test_export_then_import_into_a_new_pipeline_keeps_every_field(
        run, filled, tmp_path, file_format):
    exported = tmp_path / f"deals.{file_format}"
    result = run("export", "-o", str(exported))
    assert result.code == 0, result.err
    assert result.out.strip() == f"exported 7 deals to {exported} ({file_format})"
    copy = str(tmp_path / "copy.db")
    imported = run("import", str(exported), user="zoe", db_path=copy)
    assert imported.code == 0, imported.err
    original, again = deals_of(filled), deals_of(copy)
    assert "Deleted deal" not in original and set(again) == set(original)
    for title, deal in original.items():
        assert comparable(again[title]) == comparable(deal), title
    # Importing the export again adds nothing.
    assert "7 imported before" in run("import", str(exported), db_path=copy).out


def test_json_export_carries_each_deals_history(run, filled):
    result = run("export", "--format", "json")
    assert result.code == 0, result.err
    deals = json.loads(result.out)
    first = next(d for d in deals if d["title"] == HOSTILE)
    kinds = [a["kind"] for a in first["activities"]]
    assert kinds == ["moved", "qualified", "created"]
    assert first["activities"][0]["at"] > first["activities"][-1]["at"]  # newest first
    assert first["value"] == 1_234_567 and first["position"] >= 1


def test_json_import_brings_the_history_along(run, filled, tmp_path):
    exported = tmp_path / "deals.json"
    assert run("export", "-o", str(exported)).code == 0
    copy = str(tmp_path / "copy.db")
    assert run("import", str(exported), user="zoe", db_path=copy).code == 0
    pipeline = open_store(copy, user="zoe")
    try:
        deal = next(d for d in pipeline.list_deals(statuses=None) if d.title == "Won deal")
        history = pipeline.activities(deal.id)
    finally:
        pipeline.close()
    assert [(a.actor, a.kind.value) for a in history] == [
        ("zoe", "imported"), ("anna", "won"), ("anna", "created")]
    assert history[1].detail.startswith("Lead → Won")


def test_csv_cells_that_would_run_as_formulas_are_neutralised(run, filled):
    result = run("export")
    assert result.code == 0, result.err
    records = list(csv.DictReader(io.StringIO(result.out)))
    first = next(r for r in records if "HYPERLINK" in r["title"])
    assert first["title"] == "'" + HOSTILE
    assert first["organization"] == "'+Org ; drop"
    assert first["contact"] == "'-2+3 Bob"
    assert first["source"] == "'@SUM(A1)"
    guarded = next(r for r in records if "already" in r["title"])
    assert guarded["title"] == "''=already guarded"  # so import gives back one apostrophe
    assert guarded["lost_reason"] == "Budget cut"  # stored trimmed: nothing to guard
    for record in records:
        for cell in record.values():
            assert not cell or cell[0] not in "=+-@\t\r", cell


def test_status_filter_and_stdout_shape(run, filled):
    result = run("export", "--status", "won", "--status", "lost")
    assert result.code == 0, result.err
    records = list(csv.DictReader(io.StringIO(result.out)))
    assert sorted(r["status"] for r in records) == ["lost", "won"]
    assert result.out.splitlines()[0].startswith("id,title,organization,contact,value,")
    assert not result.out.startswith("\ufeff")  # a BOM only in files, for Excel


def test_export_file_has_a_bom_and_never_overwrites_the_pipeline(run, filled, tmp_path):
    target = tmp_path / "out.csv"
    assert run("export", "-o", str(target)).code == 0
    assert target.read_bytes().startswith(b"\xef\xbb\xbfid,title,")
    refused = run("export", "-o", filled)
    assert refused.code == 1
    assert "is the pipeline file itself" in refused.err
    assert Path(filled).read_bytes().startswith(b"SQLite format 3\x00")
