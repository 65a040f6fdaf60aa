"""Stage names in import files: unknown ones stop the import; --stage-map and --create-stages."""

from __future__ import annotations

CRM = (
    "Deal Name,Deal Stage,Amount\n"
    "One,Demo Scheduled,100\n"
    "Two,Negotiation,200\n"
    "Three,demo scheduled,300\n"
    "Four,QUALIFIED,400\n"
)


def test_unknown_stages_are_listed_with_how_to_resolve_them(run, sample, counts):
    result = run("import", sample("crm.csv", CRM))
    assert result.code == 1
    assert result.out == ""
    message = result.err.strip()
    assert "\n" not in message  # one problem: the error line itself says it
    assert "unknown stages: 'Demo Scheduled' (2 deals, first on line 2), " \
           "'Negotiation' (1 deal, first on line 3)" in message
    assert "--stage-map 'Demo Scheduled=STAGE'" in message
    assert "stages are: lead, qualified, proposal, commitment, won" in message
    assert "--create-stages" in message
    assert "nothing was imported" in message
    assert counts() == (0, 0)


def test_stage_map_puts_deals_into_existing_stages(run, sample, query):
    result = run("import", sample("crm.csv", CRM), "--stage-map", "demo scheduled=Proposal",
                 "--stage-map", "Negotiation=commitment")
    assert result.code == 0, result.err
    assert query("SELECT title, stage FROM deals ORDER BY id") == [
        {"title": "One", "stage": "proposal"}, {"title": "Two", "stage": "commitment"},
        {"title": "Three", "stage": "proposal"}, {"title": "Four", "stage": "qualified"},
    ]


def test_stage_map_to_a_stage_that_does_not_exist_is_refused(run, sample, counts):
    result = run("import", sample("crm.csv", CRM), "--stage-map", "Negotiation=closing")
    assert result.code == 1
    assert "--stage-map Negotiation=closing: no stage 'closing'" in result.err
    assert counts() == (0, 0)


def test_create_stages_adds_them_before_won_in_file_order(run, sample, query, store):
    store().add_deal("Already here")  # a pipeline with deals keeps its stages
    result = run("import", sample("crm.csv", CRM), "--create-stages")
    assert result.code == 0, result.err
    assert "added stages: Demo Scheduled (demo_scheduled), Negotiation (negotiation)" \
        in result.out
    assert "stage order: the order the file first names them in" in result.out
    stages = query("SELECT key, name, position, probability FROM stages ORDER BY position")
    assert [s["key"] for s in stages] == [
        "lead", "qualified", "proposal", "commitment", "demo_scheduled", "negotiation", "won"]
    assert [s["position"] for s in stages] == list(range(1, 8))
    # Between Commitment's 80 % and Won's 100 %, evenly.
    assert [s["probability"] for s in stages[4:6]] == [87, 93]
    assert query("SELECT title, stage FROM deals WHERE id > 1 ORDER BY id") == [
        {"title": "One", "stage": "demo_scheduled"}, {"title": "Two", "stage": "negotiation"},
        {"title": "Three", "stage": "demo_scheduled"}, {"title": "Four", "stage": "qualified"},
    ]


def test_dry_run_with_create_stages_creates_nothing(run, sample, query, counts, store, db):
    store().close()  # an existing pipeline: a dry run into a missing one makes no file at all
    result = run("import", sample("crm.csv", CRM), "--create-stages", "--dry-run")
    assert result.code == 0, result.err
    assert "would add stages: Demo Scheduled (demo_scheduled)" in result.out
    assert counts() == (0, 0)
    assert len(query("SELECT key FROM stages")) == 5


def test_new_stage_key_never_clashes_with_an_existing_key(run, sample, query):
    result = run("import", sample("x.csv", "title,stage\nA,Lead!\n"), "--create-stages")
    assert result.code == 0, result.err
    assert query("SELECT key, name FROM stages WHERE name = 'Lead!'") == [
        {"key": "lead_2", "name": "Lead!"}]


def test_closed_stage_names_and_status_columns(run, sample, query):
    text = ("title,stage,status\n"
            "W1,Closed Won,\n"
            "W2,closedwon,won\n"
            "L1,Closed - Lost,\n"
            "L2,Proposal,lost\n"
            "P1,,\n")
    result = run("import", sample("closed.csv", text))
    assert result.code == 0, result.err
    assert query("SELECT title, stage, status FROM deals ORDER BY id") == [
        {"title": "W1", "stage": "won", "status": "won"},
        {"title": "W2", "stage": "won", "status": "won"},
        {"title": "L1", "stage": None, "status": "lost"},  # lost at an unknown stage
        {"title": "L2", "stage": "proposal", "status": "lost"},
        {"title": "P1", "stage": "lead", "status": "open"},
    ]


def test_stage_and_status_that_disagree_are_a_problem(run, sample, counts):
    text = "title,stage,status\nX,Closed Won,open\nY,Lead,deleted\n"
    result = run("import", sample("clash.csv", text))
    assert result.code == 1
    assert ("line 2, column 'status', value 'open': stage 'Closed Won' says won but status "
            "says open") in result.err
    assert ("line 3, column 'status', value 'deleted': status 'deleted' is not one of open, "
            "won, lost, paused") in result.err
    assert counts() == (0, 0)
