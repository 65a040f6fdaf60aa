"""Importing the column layouts of Pipedrive, HubSpot, Salesforce and kanban-pipe itself."""

from __future__ import annotations

import json

PIPEDRIVE = (
    "Deal - ID,Deal - Title,Deal - Value,Deal - Currency,Deal - Organization,"
    "Deal - Contact person,Deal - Stage,Deal - Status,Deal - Owner,"
    "Deal - Expected close date,Deal - Lost reason,Deal - Source channel\n"
    "17,Acme fleet,12000,EUR,Acme,Bob Marsh,Qualified,open,Ben,2026-12-31,,Web\n"
    "18,Beta licences,5000.50,USD,Beta Inc,Carla,Proposal,won,Ben,2026-11-30,,\n"
    "19,Gamma pilot,300,EUR,Gamma,,Lead,lost,Anna,,Too expensive,Referral\n"
)


def test_pipedrive_export(run, sample, query):
    result = run("import", sample("pipedrive.csv", PIPEDRIVE))
    assert result.code == 0, result.err
    assert "imported pipedrive.csv: 3 new deals" in result.out
    deals = query("SELECT title, value, currency, organization, contact, stage, status, owner,"
                  " expected_close, lost_reason, source, source_ref, closed_at IS NOT NULL"
                  " AS closed FROM deals ORDER BY id")
    assert deals == [
        {"title": "Acme fleet", "value": 1_200_000, "currency": "EUR", "organization": "Acme",
         "contact": "Bob Marsh", "stage": "qualified", "status": "open", "owner": "Ben",
         "expected_close": "2026-12-31", "lost_reason": "", "source": "Web",
         "source_ref": "pipedrive:17", "closed": 0},
        # A won deal goes to the won stage whatever stage it was won from.
        {"title": "Beta licences", "value": 500_050, "currency": "USD",
         "organization": "Beta Inc", "contact": "Carla", "stage": "won", "status": "won",
         "owner": "Ben", "expected_close": "2026-11-30", "lost_reason": "", "source": "",
         "source_ref": "pipedrive:18", "closed": 1},
        # A lost deal keeps the stage it was lost in, and its reason.
        {"title": "Gamma pilot", "value": 30_000, "currency": "EUR", "organization": "Gamma",
         "contact": "", "stage": "lead", "status": "lost", "owner": "Anna",
         "expected_close": None, "lost_reason": "Too expensive", "source": "Referral",
         "source_ref": "pipedrive:19", "closed": 1},
    ]
    activities = query("SELECT deal_id, actor, kind, detail FROM activities ORDER BY id")
    assert activities == [
        {"deal_id": 1, "actor": "anna", "kind": "imported",
         "detail": "imported from pipedrive.csv line 2"},
        {"deal_id": 2, "actor": "anna", "kind": "imported",
         "detail": "imported from pipedrive.csv line 3"},
        {"deal_id": 3, "actor": "anna", "kind": "imported",
         "detail": "imported from pipedrive.csv line 4"},
    ]


def test_hubspot_export_with_us_dates_and_closed_stages(run, sample, query):
    hubspot = (
        "Record ID,Deal Name,Deal Stage,Amount,Close Date,Deal owner,Associated Company,"
        "Pipeline\n"
        "9001,Hub one,Qualified,1000,03/15/2026,Ann Lee,Acme,Sales Pipeline\n"
        "9002,Hub two,Closed Won,2000,04/01/2026,Bo,Beta,Sales Pipeline\n"
        "9003,Hub three,closedlost,,,Bo,,Sales Pipeline\n"
    )
    result = run("import", sample("hubspot.csv", hubspot))
    assert result.code == 0, result.err
    assert "ignored columns (use --map COLUMN=FIELD to read one): 'Pipeline'" in result.out
    deals = query("SELECT title, stage, status, value, expected_close, owner, organization,"
                  " source_ref FROM deals ORDER BY id")
    assert deals == [
        {"title": "Hub one", "stage": "qualified", "status": "open", "value": 100_000,
         # 03/15 can only be month-first, so 04/01 is read month-first too: April 1.
         "expected_close": "2026-03-15", "owner": "Ann Lee", "organization": "Acme",
         "source_ref": "hubspot:9001"},
        {"title": "Hub two", "stage": "won", "status": "won", "value": 200_000,
         "expected_close": "2026-04-01", "owner": "Bo", "organization": "Beta",
         "source_ref": "hubspot:9002"},
        # Lost, and the file does not say at which stage: an unknown stage, not Lead.
        # Its empty amount is no value, not 0 (#16 item 4).
        {"title": "Hub three", "stage": None, "status": "lost", "value": None,
         "expected_close": None, "owner": "Bo", "organization": "",
         "source_ref": "hubspot:9003"},
    ]


def test_salesforce_export_semicolons_bom_and_day_first_dates(run, sample, query):
    salesforce = (
        "Opportunity Name;Stage;Amount;Close Date;Opportunity Owner;Account Name;Lead Source\n"
        "SF one;Proposal;1 500,50;31.12.2026;Sam;Acme;Web\n"
        "SF two;Closed Won;2,000;01.02.2026;Sam;Beta;Partner\n"
    )
    path = sample("salesforce.csv", salesforce, encoding="utf-8-sig")
    result = run("import", path)
    assert result.code == 0, result.err
    deals = query("SELECT title, stage, status, value, expected_close, owner, organization,"
                  " source, currency FROM deals ORDER BY id")
    assert deals == [
        {"title": "SF one", "stage": "proposal", "status": "open", "value": 150_050,
         "expected_close": "2026-12-31", "owner": "Sam", "organization": "Acme",
         "source": "Web", "currency": "EUR"},
        {"title": "SF two", "stage": "won", "status": "won", "value": 200_000,
         "expected_close": "2026-02-01", "owner": "Sam", "organization": "Beta",
         "source": "Partner", "currency": "EUR"},
    ]
    # No id column: each row is known again by a hash of its cells.
    refs = [row["source_ref"] for row in query("SELECT source_ref FROM deals")]
    assert all(ref.startswith("row:") for ref in refs) and len(set(refs)) == 2


def test_own_columns_any_case_tabs_and_defaults(run, sample, query):
    own = ("TITLE\tValue\tStage\tNext_Action\tnext_due\tDecision_Maker\n"
           "Tabbed deal\t$1,250\tcommitment\tSend contract\t2026-12-01\tyes\n")
    result = run("import", sample("own.tsv", own), user="carl")
    assert result.code == 0, result.err
    deal = query("SELECT title, value, currency, stage, owner, next_action, next_owner,"
                 " next_due, decision_maker FROM deals")[0]
    # Owner and currency were not in the file: the importing user and the home currency.
    assert deal == {"title": "Tabbed deal", "value": 125_000, "currency": "EUR",
                    "stage": "commitment", "owner": "carl", "next_action": "Send contract",
                    "next_owner": "carl", "next_due": "2026-12-01", "decision_maker": 1}


def test_map_adds_and_ignores_columns(run, sample, query):
    text = "Name,Worth,Amount,Company\nMapped deal,700,999,Initech\n"
    path = sample("custom.csv", text)
    missing = run("import", path)
    assert missing.code == 1
    assert "has no title column" in missing.err and "'Name'" in missing.err
    result = run("import", path, "--map", "name=title", "--map", "Worth=value",
                 "--map", "Amount=", "--map", "Company=organization")
    assert result.code == 0, result.err
    assert query("SELECT title, value, organization FROM deals") == [
        {"title": "Mapped deal", "value": 70_000, "organization": "Initech"}]


def test_two_columns_for_one_field_are_refused(run, sample, counts):
    result = run("import", sample("two.csv", "Deal Name,Amount,Deal - Value\nX,1,2\n"))
    assert result.code == 1
    assert "'Amount' and 'Deal - Value'" in result.err and "--map 'Deal - Value='" in result.err
    assert counts() == (0, 0)


def test_json_list_with_crm_keys_and_own_minor_units(run, sample, query):
    # kanban-pipe's JSON gives `value` as minor units, a number; other keys are amounts.
    own = [{"title": "Own JSON", "value": 123456, "currency": "JPY", "stage": "lead"}]
    crm = [{"Deal Name": "CRM keys", "Amount": "1,500.25", "Deal Stage": "Proposal"}]
    for name, deals in (("own.json", own), ("crm.json", crm)):
        result = run("import", sample(name, json.dumps(deals, indent=2)))
        assert result.code == 0, result.err
    assert query("SELECT title, value, currency, stage FROM deals ORDER BY id") == [
        {"title": "Own JSON", "value": 123456, "currency": "JPY", "stage": "lead"},
        {"title": "CRM keys", "value": 150_025, "currency": "EUR", "stage": "proposal"},
    ]


def test_json_problems_name_their_lines(run, sample, counts):
    text = '[\n  {"title": "ok"},\n  {"title": "bad",\n   "value": -5},\n  7\n]\n'
    result = run("import", sample("bad.json", text))
    assert result.code == 1
    assert "line 3, column 'value', value '-5': an amount can't be negative" in result.err
    assert "line 5: expected a deal object, found int" in result.err
    assert counts() == (0, 0)


def test_minified_json_counts_deals_instead_of_lines(run, sample, counts):
    text = json.dumps([{"title": "a"}, {"title": ""}])
    result = run("import", sample("flat.json", text))
    assert result.code == 1
    assert "deal 2, column 'title', value '': title is required" in result.err
    assert counts() == (0, 0)
