"""Deals lost at a stage the file does not say: kept apart as an unknown stage, not in Lead."""

from __future__ import annotations

import json
import sqlite3

from kanban_pipe.cli import main

CRM = ("Record ID,Deal Name,Deal Stage,status,Amount\n"
       "1,Lost somewhere,Closed Lost,,100\n"
       "2,Lost with a status,,lost,200\n"
       "3,Still open,Qualified,,300\n"
       "4,No stage,,,400\n")


def imported(run, sample):
    result = run("import", sample("crm.csv", CRM))
    assert result.code == 0, result.err
    return result


def test_list_show_and_export_name_the_unknown_stage(run, sample, query):
    imported(run, sample)
    assert query("SELECT id, stage, status FROM deals ORDER BY id") == [
        {"id": 1, "stage": None, "status": "lost"},
        {"id": 2, "stage": None, "status": "lost"},
        {"id": 3, "stage": "qualified", "status": "open"},
        {"id": 4, "stage": "lead", "status": "open"},  # no stage, not lost: the first one
    ]
    listed = run("list", "--status", "all")
    assert listed.code == 0, listed.err
    rows = listed.out.splitlines()[1:-1]
    assert [row.split()[0] for row in rows] == ["#4", "#3", "#1", "#2"]  # unknown ones last
    assert rows[2].split()[1:4] == ["unknown", "stage", "Lost"]
    assert rows[2].rstrip().endswith("LOST")
    shown = run("show", "1")
    assert "stage          unknown (lost at a stage the imported file did not say)" in shown.out
    as_json = json.loads(run("list", "--status", "lost", "--json").out)
    assert [(d["id"], d["stage"]) for d in as_json] == [(1, None), (2, None)]
    exported = run("export", "--status", "lost").out.splitlines()
    assert exported[1].split(",")[6:8] == ["", "lost"]


def test_moving_a_deal_lost_at_an_unknown_stage(run, sample, query):
    imported(run, sample)
    refused = run("move", "1", "next")
    assert refused.code == 1
    assert "deal #1 was lost at an unknown stage, so it has no next stage" in refused.err
    moved = run("move", "1", "proposal")
    assert moved.code == 0, moved.err
    assert moved.out.strip() == ("moved #1 'Lost somewhere' unknown stage → Proposal "
                                 "(reopened, was lost)")
    assert query("SELECT stage, status, decision_maker FROM deals WHERE id = 1") == [
        {"stage": "proposal", "status": "open", "decision_maker": 0}]  # no milestone claimed
    assert run("undo").code == 0
    assert query("SELECT stage, status FROM deals WHERE id = 1") == [
        {"stage": None, "status": "lost"}]


def test_statistics_count_them_apart(run, sample):
    imported(run, sample)
    stats = json.loads(run("stats", "--json").out)
    assert stats["lost_at_unknown_stage"] == 2
    assert stats["win_rate"]["lost"] == 2  # still lost deals for the win rate
    first = stats["conversion"][0]
    assert (first["reached"], first["dropped"]) == (2, 0)  # not "lost in Lead"
    text = run("stats").out
    assert "Not counted: 2 deals were lost at a stage the imported file did not say." in text


def test_own_export_of_an_unknown_stage_comes_back_unknown(run, sample, tmp_path, query):
    imported(run, sample)
    for kind in ("csv", "json"):
        target = tmp_path / f"out.{kind}"
        assert run("export", "--status", "lost", "-o", str(target)).code == 0
        other = str(tmp_path / f"other-{kind}.db")
        assert main(["--db", other, "--user", "anna", "import", str(target)]) == 0
        conn = sqlite3.connect(other)
        try:
            assert conn.execute("SELECT title, stage, status FROM deals ORDER BY id").fetchall(
                ) == [("Lost somewhere", None, "lost"), ("Lost with a status", None, "lost")]
        finally:
            conn.close()
