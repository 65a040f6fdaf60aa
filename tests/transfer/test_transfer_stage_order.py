"""--create-stages: the file's pipeline order and probabilities, replacing empty stages."""

from __future__ import annotations

import builtins
import sys

import pytest

from kanban_pipe.domain.errors import InvalidInputError
from kanban_pipe.store import open_store
from kanban_pipe.transfer.importer import ImportOptions, import_file, prepare_import

HUBSPOT = (
    "Record ID,Deal Name,Pipeline,Deal Stage,Amount,Close Date\n"
    "1,Signed soon,Sales Pipeline,Contract Sent,100,2026-12-20 10:00\n"
    "2,First call,Sales Pipeline,Appointment Scheduled,100,2026-12-20 10:00\n"
    "3,Won one,Sales Pipeline,Closed Won,100,2026-11-20 10:00\n"
    "4,Haggling,Sales Pipeline,Negotiation,100,2026-12-20 10:00\n"
    "5,Lost one,Sales Pipeline,Closed Lost,100,2026-11-20 10:00\n"
    "6,Qualified one,Sales Pipeline,Qualified To Buy,100,2026-12-20 10:00\n"
)
HUBSPOT_STAGES = [
    # key, name, position, probability, stale after, milestone, qualifies, requires
    ("appointment_scheduled", "Appointment Scheduled", 1, 20, 14, "Need and budget confirmed",
     "need", 0),
    ("qualified_to_buy", "Qualified To Buy", 2, 40, 14,
     "Decision maker agreed to a presentation", "decision_maker", 0),
    ("presentation_scheduled", "Presentation Scheduled", 3, 60, 10,
     "Decision maker bought in, with a timeline", "timeline", 0),
    ("decision_maker_bought_in", "Decision Maker Bought-In", 4, 80, 7,
     "Customer asked for the contract", None, 1),
    ("contract_sent", "Contract Sent", 5, 90, 7, "Contract signed", None, 1),
    ("negotiation", "Negotiation", 6, 95, 14, "", None, 0),
    ("won", "Won", 7, 100, 0, "", None, 0),
]
PIPEDRIVE = (
    "Deal - ID,Deal - Title,Deal - Stage,Deal - Status,Deal - Value\n"
    "1,A,Negotiations Started,open,100\n"
    "2,B,Qualified,open,100\n"
    "3,C,Contact Made,won,100\n"
    "4,D,Proposal Made,lost,100\n"
    "5,E,Demo Scheduled,open,100\n"
)
PIPEDRIVE_ORDER = "Qualified,Contact Made,Demo Scheduled,Proposal Made,Negotiations Started"


def stage_rows(query):
    return [tuple(row.values()) for row in query(
        "SELECT key, name, position, probability, stale_after_days, milestone, qualifies,"
        " requires_qualification FROM stages ORDER BY position")]


def test_hubspot_default_pipeline_replaces_the_empty_defaults(run, sample, query):
    result = run("import", sample("hubspot.csv", HUBSPOT), "--create-stages")
    assert result.code == 0, result.err
    assert stage_rows(query) == HUBSPOT_STAGES
    # Closed Won / Closed Lost say how deals ended: never stages of their own.
    assert query("SELECT title, stage, status FROM deals ORDER BY id") == [
        {"title": "Signed soon", "stage": "contract_sent", "status": "open"},
        {"title": "First call", "stage": "appointment_scheduled", "status": "open"},
        {"title": "Won one", "stage": "won", "status": "won"},
        {"title": "Haggling", "stage": "negotiation", "status": "open"},
        {"title": "Lost one", "stage": None, "status": "lost"},
        {"title": "Qualified one", "stage": "qualified_to_buy", "status": "open"},
    ]
    out = result.out
    assert ("added stages: Appointment Scheduled (appointment_scheduled), Qualified To Buy "
            "(qualified_to_buy), Presentation Scheduled (presentation_scheduled), Decision "
            "Maker Bought-In (decision_maker_bought_in), Contract Sent (contract_sent), "
            "Negotiation (negotiation)") in out
    assert ("the pipeline has no deals yet: its empty stages Lead, Qualified, Proposal, "
            "Commitment are replaced by the file's (--keep-stages keeps them)") in out
    assert "stage order: HubSpot's default deal pipeline, each of its stages in its place" in out
    assert "probabilities spread between their neighbours: Negotiation 95%" in out
    assert "no exit milestones for negotiation" in out


def test_hubspot_internal_stage_ids_read_as_its_stages(run, sample, query):
    text = "Deal Name,Deal Stage\nA,qualifiedtobuy\nB,closedwon\nC,contractsent\n"
    result = run("import", sample("api.csv", text), "--create-stages")
    assert result.code == 0, result.err
    rows = stage_rows(query)
    assert [(key, probability) for key, _, _, probability, *_ in rows] == [
        ("appointment_scheduled", 20), ("qualifiedtobuy", 40), ("presentation_scheduled", 60),
        ("decision_maker_bought_in", 80), ("contractsent", 90), ("won", 100)]


def test_history_columns_give_the_order_and_their_stages_without_deals(run, sample, query):
    text = (
        "Deal Name,Pipeline,Deal Stage,"
        'Date entered "Discovery (Sales)",Date entered "Demo (Sales)",'
        'Date entered "Security review (Sales)",Date entered "Closed Won (Sales)",'
        'Date entered "Onboarding (Renewals)"\n'
        "A,Sales,Security review,2026-10-01,2026-10-05,2026-10-09,,\n"
        "B,Sales,Discovery,2026-11-01,,,,\n"
    )
    result = run("import", sample("history.csv", text), "--create-stages")
    assert result.code == 0, result.err
    # Demo has no deal now but is one of the pipeline's stages; Renewals' are not.
    assert [row[:4] for row in stage_rows(query)] == [
        ("discovery", "Discovery", 1, 25), ("demo", "Demo", 2, 50),
        ("security_review", "Security review", 3, 75), ("won", "Won", 4, 100)]
    assert "stage order: as the file's 'Date entered' columns list them" in result.out


def test_pipedrive_order_is_inferred_and_said_so_or_given(run, sample, query, tmp_path):
    path = sample("pipedrive.csv", PIPEDRIVE)
    inferred = run("import", path, "--create-stages", "--dry-run")
    assert inferred.code == 0, inferred.err
    assert ("stage order: the order the file first names them in; give it with "
            "--stage-order A,B,C if your pipeline's differs") in inferred.out
    given = run("import", path, "--create-stages", "--stage-order", PIPEDRIVE_ORDER,
                "--stage-order", "Signed")  # a stage no deal is in yet is made too
    assert given.code == 0, given.err
    assert "stage order: as --stage-order gives it" in given.out
    assert [row[:4] for row in stage_rows(query)] == [
        # The default Qualified is the file's own Qualified: kept, with its milestone.
        ("qualified", "Qualified", 1, 25), ("contact_made", "Contact Made", 2, 38),
        ("demo_scheduled", "Demo Scheduled", 3, 50), ("proposal_made", "Proposal Made", 4, 62),
        ("negotiations_started", "Negotiations Started", 5, 75), ("signed", "Signed", 6, 88),
        ("won", "Won", 7, 100)]
    assert query("SELECT milestone FROM stages WHERE key = 'qualified'") == [
        {"milestone": "Need and goals confirmed"}]
    # Pipedrive keeps the stage of a won deal too: it is a stage even though it was won.
    assert query("SELECT stage, status FROM deals WHERE title = 'C'") == [
        {"stage": "won", "status": "won"}]


def test_stage_order_needs_create_stages(run, sample, counts):
    result = run("import", sample("p.csv", PIPEDRIVE), "--stage-order", PIPEDRIVE_ORDER)
    assert result.code == 1
    assert "--stage-order orders the stages --create-stages adds: give both" in result.err
    assert counts() == (0, 0)


def test_keep_stages_adds_before_won(run, sample, query):
    result = run("import", sample("p.csv", PIPEDRIVE), "--create-stages", "--keep-stages")
    assert result.code == 0, result.err
    assert [row[0] for row in stage_rows(query)] == [
        "lead", "qualified", "proposal", "commitment", "negotiations_started", "contact_made",
        "proposal_made", "demo_scheduled", "won"]
    assert "replaced" not in result.out


class _Terminal:
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize(("answer", "replaced"), [("", True), ("y", True), ("n", False)])
def test_a_terminal_is_asked_before_replacing(run, sample, query, monkeypatch, answer,
                                              replaced):
    asked: list[str] = []
    monkeypatch.setattr(sys, "stdin", _Terminal())
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True)
    monkeypatch.setattr(builtins, "input", lambda prompt: asked.append(prompt) or answer)
    result = run("import", sample("hubspot.csv", HUBSPOT), "--create-stages")
    assert result.code == 0, result.err
    assert asked == [
        "The pipeline has no deals yet. Replace its empty stages (Lead, Qualified, Proposal, "
        "Commitment) with the file's (Appointment Scheduled, Qualified To Buy, Presentation "
        "Scheduled, Decision Maker Bought-In, Contract Sent, Negotiation)? [Y/n] "]
    keys = [row[0] for row in stage_rows(query)]
    assert ("lead" not in keys) is replaced
    assert keys[-2:] == ["negotiation", "won"]


def test_deals_added_meanwhile_stop_the_replacement(db, sample, query):
    store = open_store(db, user="anna")
    try:
        path = sample("hubspot.csv", HUBSPOT)
        options = ImportOptions(create_stages=True)
        plan = prepare_import(store, path, options)
        assert plan.replaced_stages == ["lead", "qualified", "proposal", "commitment"]
        store.add_deal("Someone else's", stage="lead")
        with pytest.raises(InvalidInputError, match="can no longer be replaced; nothing was"):
            import_file(store, path, options, plan=plan)
    finally:
        store.close()
    assert [r["title"] for r in query("SELECT title FROM deals")] == ["Someone else's"]
    assert len(query("SELECT key FROM stages")) == 5
