"""Importing into a pipeline file that does not exist yet: made only when deals are written."""

from __future__ import annotations

from pathlib import Path

from kanban_pipe import paths

GOOD = "Deal Name,Amount\nAcme fleet,1200\nBeta licences,300\n"
BAD = "Deal Name,Amount\nAcme fleet,-5\nBeta licences,lots\n"


def test_a_refused_file_creates_no_pipeline_file(run, sample, db):
    result = run("import", sample("bad.csv", BAD))
    assert result.code == 1
    assert "2 problems found; nothing was imported" in result.err
    assert "line 2, column 'Amount', value '-5'" in result.err
    assert not Path(db).exists()
    assert not list(Path(db).parent.glob("pipe.db*"))  # no -wal, -shm or journal either


def test_a_dry_run_into_a_missing_file_creates_nothing(run, sample, db):
    result = run("import", sample("good.csv", GOOD), "--dry-run")
    assert result.code == 0, result.err
    assert "would import 2 new deals, 0 updated" in result.out
    assert result.out.rstrip().endswith(f"{db} does not exist yet: the import would create it")
    assert not Path(db).exists()


def test_a_file_without_deals_creates_nothing(run, sample, db):
    result = run("import", sample("empty.csv", "Deal Name,Amount\n"))
    assert result.code == 0, result.err
    assert result.out.strip() == (f"nothing to import: empty.csv holds no deals; {db} was "
                                  "not created")
    assert not Path(db).exists()


def test_deals_create_the_file_as_before(run, sample, db, query):
    result = run("import", sample("good.csv", GOOD))
    assert result.code == 0, result.err
    assert "imported good.csv: 2 new deals, 0 updated (#1-#2)" in result.out
    assert [r["title"] for r in query("SELECT title FROM deals ORDER BY id")] == [
        "Acme fleet", "Beta licences"]
    assert len(query("SELECT key FROM stages")) == 5


def test_the_default_location_gets_no_folder_from_a_refused_file(sample, capsys):
    from kanban_pipe.cli import main

    folder = paths.default_db_path().parent
    assert not folder.exists()  # isolated_env points the data dir at a fresh tmp path
    assert main(["--user", "anna", "import", sample("bad.csv", BAD)]) == 1
    assert not folder.exists()
    assert main(["--user", "anna", "import", sample("good.csv", GOOD)]) == 0
    assert paths.default_db_path().exists()
    assert "imported good.csv: 2 new deals" in capsys.readouterr().out
