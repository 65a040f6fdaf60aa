"""Importing again: no duplicates, --update, dry runs, and what the activity log says."""

from __future__ import annotations

import pytest

from kanban_pipe.domain.errors import ReadOnlyError
from kanban_pipe.transfer.importer import ImportOptions, import_file

CRM = (
    "Deal - ID,Deal - Title,Deal - Value,Deal - Stage,Deal - Owner\n"
    "1,Acme fleet,1000,Lead,Ben\n"
    "2,Beta licences,2000,Proposal,Ben\n"
    "3,Gamma pilot,3000,Proposal,Carla\n"
)
CHANGED = (
    "Deal - ID,Deal - Title,Deal - Value,Deal - Stage,Deal - Owner\n"
    "1,Acme fleet,1000,Lead,Ben\n"
    "2,Beta licences,2500,Commitment,Ben\n"
    "3,Gamma pilot,3000,Proposal,Dana\n"
    "4,Delta new,4000,Lead,Ben\n"
)


def test_dry_run_writes_nothing_and_shows_stages_and_owners(run, sample, counts):
    result = run("import", sample("crm.csv", CRM), "--dry-run")
    assert result.code == 0, result.err
    assert counts() == (0, 0)
    lines = result.out.splitlines()
    assert lines[:2] == ["dry run of crm.csv: nothing was written",
                         "would import 3 new deals, 0 updated"]
    assert "\n".join(lines[3:6]) == ("STAGE     NEW  UPDATED\n"
                                     "Lead        1        0\n"
                                     "Proposal    2        0")
    assert "\n".join(lines[7:10]) == ("OWNER  NEW  UPDATED\n"
                                      "Ben      2        0\n"
                                      "Carla    1        0")


def test_reimport_creates_no_duplicates(run, sample, counts, query):
    path = sample("crm.csv", CRM)
    assert run("import", path).code == 0
    assert counts() == (3, 3)
    again = run("import", path)
    assert again.code == 0, again.err
    assert "0 new deals, 0 updated; 3 imported before (skipped; --update updates them)" \
        in again.out
    assert counts() == (3, 3)
    # Without --update, a changed file still adds only the new deal.
    assert run("import", sample("changed.csv", CHANGED)).code == 0
    assert counts() == (4, 4)
    assert query("SELECT value FROM deals WHERE source_ref = 'pipedrive:2'") == [
        {"value": 200_000}]


def test_reimport_without_ids_matches_rows_by_content(run, sample, counts, query):
    text = "Deal Name,Amount\nSame,100\nSame,100\nOther,5\n"
    path = sample("noids.csv", text)
    assert run("import", path).code == 0
    assert counts() == (3, 3)  # identical rows are two deals, as the file says
    assert run("import", path).code == 0
    assert counts() == (3, 3)
    refs = [r["source_ref"] for r in query("SELECT source_ref FROM deals ORDER BY id")]
    assert refs[1] == refs[0] + "#2"


def test_update_changes_matched_deals_and_logs_what_changed(run, sample, counts, query):
    assert run("import", sample("crm.csv", CRM)).code == 0
    before = query("SELECT id, version, stage_entered_at FROM deals WHERE id = 2")[0]
    result = run("import", sample("changed.csv", CHANGED), "--update", user="dana")
    assert result.code == 0, result.err
    assert result.out.splitlines()[0].startswith(
        "imported changed.csv: 1 new deal, 2 updated; 1 unchanged (#4)")
    assert counts() == (4, 6)  # 3 + 1 new + 2 updated `imported` entries
    deals = query("SELECT id, title, value, stage, owner, version FROM deals ORDER BY id")
    assert deals == [
        {"id": 1, "title": "Acme fleet", "value": 100_000, "stage": "lead", "owner": "Ben",
         "version": 1},
        {"id": 2, "title": "Beta licences", "value": 250_000, "stage": "commitment",
         "owner": "Ben", "version": 2},
        {"id": 3, "title": "Gamma pilot", "value": 300_000, "stage": "proposal",
         "owner": "Dana", "version": 2},
        {"id": 4, "title": "Delta new", "value": 400_000, "stage": "lead", "owner": "Ben",
         "version": 1},
    ]
    log = query("SELECT deal_id, actor, kind, detail, version FROM activities WHERE id > 3"
                " ORDER BY id")
    assert log == [
        {"deal_id": 4, "actor": "dana", "kind": "imported",
         "detail": "imported from changed.csv line 5", "version": 1},
        {"deal_id": 2, "actor": "dana", "kind": "imported",
         "detail": "imported from changed.csv line 3: changed value, stage",
         "version": 2},
        {"deal_id": 3, "actor": "dana", "kind": "imported",
         "detail": "imported from changed.csv line 4: changed owner", "version": 2},
    ]
    moved = query("SELECT stage_entered_at, position FROM deals WHERE id = 2")[0]
    assert moved["stage_entered_at"] >= before["stage_entered_at"]
    assert moved["position"] == 1  # the end of its new (empty) column


def test_update_leaves_fields_the_file_does_not_have(run, sample, store, query):
    pipeline = store()
    assert run("import", sample("crm.csv", CRM)).code == 0
    pipeline.edit_deal(1, organization="Acme Corp", contact="Bob")
    pipeline.set_next_step(1, "Call Bob")
    text = "Deal - ID,Deal - Value\n1,999\n"
    assert run("import", sample("values.csv", text), "--map", "Deal - Value=value",
               "--update").code == 1  # no title column: the file is refused whole
    text = "Deal - ID,Deal - Title,Deal - Value\n1,Acme fleet,999\n"
    assert run("import", sample("values.csv", text), "--update").code == 0
    deal = query("SELECT value, organization, contact, next_action, owner, stage FROM deals"
                 " WHERE id = 1")[0]
    assert deal == {"value": 99_900, "organization": "Acme Corp", "contact": "Bob",
                    "next_action": "Call Bob", "owner": "Ben", "stage": "lead"}


def test_deleted_deals_stay_deleted(run, sample, store, counts):
    path = sample("crm.csv", CRM)
    assert run("import", path).code == 0
    store().delete_deal(2)
    result = run("import", path, "--update")
    assert result.code == 0, result.err
    assert "1 deleted here (left deleted)" in result.out
    assert counts() == (3, 4)


def test_dry_run_of_an_update_counts_per_stage(run, sample, counts):
    assert run("import", sample("crm.csv", CRM)).code == 0
    result = run("import", sample("changed.csv", CHANGED), "--update", "--dry-run")
    assert result.code == 0, result.err
    assert "would import 1 new deal, 2 updated; 1 unchanged" in result.out
    assert "Commitment    0        1" in result.out
    assert counts() == (3, 3)


def test_a_read_only_pipeline_refuses_the_import_and_keeps_nothing(sample, store, counts):
    pipeline = store()
    pipeline.read_only = True  # as open_store leaves a file it cannot write
    with pytest.raises(ReadOnlyError, match="is open read-only"):
        import_file(pipeline, sample("crm.csv", CRM), ImportOptions())
    assert counts() == (0, 0)
    # A dry run only reads, so it still works.
    report = import_file(pipeline, sample("crm.csv", CRM), ImportOptions(), dry_run=True)
    assert (report.created, report.dry_run) == (3, True)


def test_own_export_back_into_the_same_pipeline_updates_in_place(run, store, tmp_path,
                                                                  counts, query):
    pipeline = store()
    for title in ("Native one", "Native two"):
        pipeline.add_deal(title, value=1000)
    exported = tmp_path / "mine.csv"
    assert run("export", "-o", str(exported)).code == 0
    again = run("import", str(exported))
    assert again.code == 0, again.err
    assert "0 new deals, 0 updated; 2 imported before" in again.out
    edited = exported.read_text(encoding="utf-8-sig").replace("Native two", "Native 2")
    exported.write_text(edited, encoding="utf-8-sig")
    updated = run("import", str(exported), "--update")
    assert updated.code == 0, updated.err
    assert "0 new deals, 1 updated; 1 unchanged" in updated.out
    assert counts() == (2, 3)
    assert query("SELECT id, title, source_ref FROM deals ORDER BY id") == [
        {"id": 1, "title": "Native one", "source_ref": None},
        {"id": 2, "title": "Native 2", "source_ref": None},
    ]


def test_another_pipelines_export_with_the_same_ids_makes_new_deals(run, store, tmp_path,
                                                                     counts):
    other = str(tmp_path / "other.db")
    elsewhere = store(other)
    elsewhere.add_deal("Elsewhere one")
    exported = tmp_path / "theirs.csv"
    assert run("export", "-o", str(exported), db_path=other).code == 0
    # Deal #1 here was made at another moment: the ids agree, the deals do not.
    text = exported.read_text(encoding="utf-8-sig").replace(
        elsewhere.get_deal(1).created_at.isoformat(), "2020-01-01T00:00:00+00:00")
    exported.write_text(text, encoding="utf-8-sig")
    store().add_deal("Mine")
    result = run("import", str(exported))
    assert result.code == 0, result.err
    assert "1 new deal, 0 updated" in result.out
    assert counts() == (2, 2)
