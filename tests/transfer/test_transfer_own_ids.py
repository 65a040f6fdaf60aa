"""Re-importing kanban-pipe's own export elsewhere: deal ids kept where they are free."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from kanban_pipe.cli import main
from kanban_pipe.store import open_store

# Deals made here earlier than the export's: same ids, other deals (see _own_deals).
EARLIER = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


def add_here(db: str, *titles: str, delete: int | None = None) -> None:
    pipeline = open_store(db, user="anna", clock=lambda: EARLIER)
    try:
        for title in titles:
            pipeline.add_deal(title)
        if delete is not None:
            pipeline.delete_deal(delete)
    finally:
        pipeline.close()


@pytest.fixture
def exported(tmp_path: Path, store, capsys) -> dict[str, Path]:
    """Deals #1, #3 (with history) and #4 exported as CSV and JSON (#2 was deleted)."""
    source = str(tmp_path / "source.db")
    pipeline = store(source)
    for title in ("One", "Two", "Three", "Four"):
        pipeline.add_deal(title, value=1000)
    pipeline.delete_deal(2)
    pipeline.log_activity(3, "call", "Talked to the CFO")
    files = {}
    for kind in ("csv", "json"):
        files[kind] = tmp_path / f"export.{kind}"
        assert main(["--db", source, "--user", "anna", "export", "-o", str(files[kind])]) == 0
    capsys.readouterr()
    return files


@pytest.mark.parametrize("kind", ["csv", "json"])
def test_into_a_new_pipeline_the_ids_are_kept(run, exported, kind, query):
    result = run("import", str(exported[kind]))
    assert result.code == 0, result.err
    assert "imported export." + kind + ": 3 new deals, 0 updated (#1, #3, #4)" in result.out
    assert "new id" not in result.out
    assert query("SELECT id, title, source_ref FROM deals ORDER BY id") == [
        {"id": 1, "title": "One", "source_ref": "kanban-pipe:1"},
        {"id": 3, "title": "Three", "source_ref": "kanban-pipe:3"},
        {"id": 4, "title": "Four", "source_ref": "kanban-pipe:4"},
    ]
    added = run("add", "Five")
    assert added.out.strip() == "5"  # new deals follow the highest id, not the gap
    if kind == "json":  # the JSON export brings the history along
        assert query("SELECT kind, detail FROM activities WHERE deal_id = 3 AND"
                        " kind = 'call'") == [{"kind": "call", "detail": "Talked to the CFO"}]


def test_where_an_id_is_taken_the_deal_gets_the_next_free_one(run, exported, query, db):
    add_here(db, "Already here")  # takes #1
    dry = run("import", str(exported["json"]), "--dry-run")
    assert ("1 deal of kanban-pipe's export would get a new id, another deal here having "
            "its: #1 → #5; importing the file again still finds them") in dry.out
    result = run("import", str(exported["json"]))
    assert result.code == 0, result.err
    assert result.out.splitlines()[:2] == [
        "imported export.json: 3 new deals, 0 updated (#3-#5)",
        "1 deal of kanban-pipe's export got a new id, another deal here having its: #1 → #5;"
        " importing the file again still finds them"]
    assert query("SELECT id, title, source_ref FROM deals ORDER BY id") == [
        {"id": 1, "title": "Already here", "source_ref": None},
        {"id": 3, "title": "Three", "source_ref": "kanban-pipe:3"},
        {"id": 4, "title": "Four", "source_ref": "kanban-pipe:4"},
        {"id": 5, "title": "One", "source_ref": "kanban-pipe:1"},
    ]
    again = run("import", str(exported["json"]))
    assert "0 new deals, 0 updated; 3 imported before" in again.out


def test_a_deleted_deal_keeps_its_id_taken(run, exported, query, db):
    add_here(db, "Mine 1", "Mine 2", "Mine 3", delete=3)  # still #3: undo brings it back
    result = run("import", str(exported["csv"]))
    assert result.code == 0, result.err
    # #4 was free, so it is kept; the others follow the highest id.
    assert ("2 deals of kanban-pipe's export got a new id, another deal here having theirs: "
            "#1 → #5, #3 → #6") in result.out
    assert [r["id"] for r in query("SELECT id FROM deals ORDER BY id")] == [1, 2, 3, 4, 5, 6]


def test_json_amounts_say_their_unit(run, exported, query):
    assert run("import", str(exported["json"])).code == 0
    listed = json.loads(run("list", "--json").out)
    assert [(d["value"], d["value_minor"], d["value_decimal"]) for d in listed] == [
        (1000, 1000, "10.00")] * 3
    # The export carries them too, and importing it reads `value` only, as before.
    record = json.loads(exported["json"].read_text(encoding="utf-8"))[0]
    assert (record["value"], record["value_minor"], record["value_decimal"]) == (
        1000, 1000, "10.00")
