"""A CRM's dates come through: created, stage entered, last activity and closed.

Two sample exports with their formats' real column names (Pipedrive's with a BOM and
"Deal -" prefixes, HubSpot's with datetime close dates and its stage history), imported
on a fixed day; each test asserts the stored dates, the stages, and what the highlights,
the statistics and the review queue then say.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from kanban_pipe.domain.rules import deal_flags, deal_markers, is_on_board
from kanban_pipe.domain.stats import compute_stats
from kanban_pipe.store import open_store
from kanban_pipe.store.review import review_queue
from kanban_pipe.store.stats import gather_stats
from kanban_pipe.transfer.importer import ImportOptions, import_file

NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
TODAY = date(2026, 11, 25)

PIPEDRIVE = (
    "\ufeffDeal - ID,Deal - Title,Deal - Value,Deal - Currency,Deal - Organization,"
    "Deal - Contact person,Deal - Pipeline,Deal - Stage,Deal - Status,Deal - Owner,"
    "Deal - Deal created,Deal - Update time,Deal - Last stage change,"
    "Deal - Next activity date,Deal - Last activity date,Deal - Won time,Deal - Lost time,"
    "Deal - Deal closed on,Deal - Expected close date,Deal - Lost reason\n"
    # Open, quiet since 20 Oct in a stage it entered on 1 Oct, closing in 10 days.
    '101,Acme fleet,"12,000",EUR,Acme AB,Bob Marsh,Sales,Qualified,Open,Ben Ode,'
    "2026-09-01 09:15:00,2026-11-20 08:00:00,2026-10-01 12:00:00,2026-11-28,2026-10-20,,,,"
    "2026-12-05,\n"
    # Open, made five days ago, never moved and no activity logged.
    "102,Beta licences,5000.50,USD,Beta Inc,Carla,Sales,Proposal,Open,Ben Ode,"
    "2026-11-20 10:00:00,2026-11-24 10:00:00,,,,,,,2027-03-31,\n"
    # Won last year: not "won 0d ago", and not in this quarter's win rate.
    "103,Gamma pilot,300,EUR,Gamma,,Sales,Lead,Won,Anna,2025-05-01 10:00:00,"
    "2025-06-02 10:00:00,2025-05-20 10:00:00,,2025-06-01,2025-06-02 10:00:00,,"
    "2025-06-02 10:00:00,2025-06-30,\n"
    # Lost at Proposal in October: keeps that stage, its reason and its dates.
    "104,Delta renewal,800,EUR,Delta,,Sales,Proposal,Lost,Carla,2026-08-01 09:00:00,"
    "2026-10-01 16:30:00,2026-09-01 09:00:00,,2026-09-15,,2026-10-01 16:30:00,"
    "2026-10-01 16:30:00,,Too expensive\n"
    # Won ten days ago from Commitment.
    "105,Epsilon rollout,2500,EUR,Epsilon,,Sales,Commitment,Won,Anna,2026-10-01 08:00:00,"
    "2026-11-15 14:00:00,2026-11-01 08:00:00,,2026-11-14,2026-11-15 14:00:00,,"
    "2026-11-15 14:00:00,2026-11-15,\n"
)

HUBSPOT = (
    "Record ID,Deal Name,Pipeline,Deal Stage,Amount,Close Date,Create Date,"
    "Last Activity Date,Deal owner,Associated Company,"
    'Date entered "Appointment Scheduled (Sales Pipeline)",'
    'Date entered "Qualified To Buy (Sales Pipeline)",'
    'Date entered "Presentation Scheduled (Sales Pipeline)",'
    'Date entered "Closed Won (Sales Pipeline)",Date entered "Closed Lost (Sales Pipeline)"\n'
    "9001,Hub open,Sales Pipeline,Qualified To Buy,1000,2026-12-01 17:00,2026-10-01 09:00,"
    "2026-11-20 11:00,Ann Lee,Acme,2026-10-01 09:00,2026-10-15 10:00,,,\n"
    "9002,Hub won,Sales Pipeline,Closed Won,2000,2026-11-10 15:30,2026-09-01 09:00,"
    "2026-11-10 15:30,Bo,Beta,2026-09-01 09:00,2026-09-20 10:00,2026-10-05 10:00,"
    "2026-11-10 15:30,\n"
    # Lost: its history says the last stage it entered was Presentation Scheduled.
    "9003,Hub lost at a known stage,Sales Pipeline,Closed Lost,3000,2026-11-01 12:00,"
    "2026-08-01 09:00,,Bo,,2026-08-01 09:00,2026-08-20 09:00,2026-09-10 09:00,,"
    "2026-11-01 12:00\n"
    # Lost, and nothing says where: an unknown stage, closed at its Close Date.
    "9004,Hub lost nobody knows where,Sales Pipeline,Closed Lost,,2026-10-20 08:00,"
    "2026-07-01 09:00,,Bo,,,,,,\n"
)
HUBSPOT_MAP = (("Appointment Scheduled", "lead"), ("Qualified To Buy", "qualified"),
               ("Presentation Scheduled", "proposal"))


@pytest.fixture
def pipeline(db):
    store = open_store(db, user="anna", clock=lambda: NOW)
    yield store
    store.close()


def stamps(query):
    return {row.pop("title"): row for row in query(
        "SELECT title, stage, status, created_at, stage_entered_at, last_activity_at,"
        " closed_at, expected_close FROM deals ORDER BY id")}


def test_pipedrive_dates_stages_and_highlights(pipeline, sample, query):
    path = sample("pipedrive.csv", PIPEDRIVE)
    report = import_file(pipeline, path, ImportOptions())
    assert (report.created, report.ignored_columns) == (
        5, ("Deal - Pipeline", "Deal - Update time", "Deal - Next activity date"))
    assert stamps(query) == {
        "Acme fleet": {
            "stage": "qualified", "status": "open", "created_at": "2026-09-01T09:15:00+00:00",
            "stage_entered_at": "2026-10-01T12:00:00+00:00",
            # A date without a time is taken at noon UTC: the same day everywhere.
            "last_activity_at": "2026-10-20T12:00:00+00:00", "closed_at": None,
            "expected_close": "2026-12-05"},
        "Beta licences": {
            # Never moved: in its stage since it was made; made is its last activity.
            "stage": "proposal", "status": "open", "created_at": "2026-11-20T10:00:00+00:00",
            "stage_entered_at": "2026-11-20T10:00:00+00:00",
            "last_activity_at": "2026-11-20T10:00:00+00:00", "closed_at": None,
            "expected_close": "2027-03-31"},
        "Gamma pilot": {
            # Won: in the won stage since it was won, whatever stage it was won from.
            "stage": "won", "status": "won", "created_at": "2025-05-01T10:00:00+00:00",
            "stage_entered_at": "2025-06-02T10:00:00+00:00",
            "last_activity_at": "2025-06-02T10:00:00+00:00",
            "closed_at": "2025-06-02T10:00:00+00:00", "expected_close": "2025-06-30"},
        "Delta renewal": {
            "stage": "proposal", "status": "lost", "created_at": "2026-08-01T09:00:00+00:00",
            "stage_entered_at": "2026-09-01T09:00:00+00:00",
            # The day of its last call was before it was lost: losing it counts too.
            "last_activity_at": "2026-10-01T16:30:00+00:00",
            "closed_at": "2026-10-01T16:30:00+00:00", "expected_close": None},
        "Epsilon rollout": {
            "stage": "won", "status": "won", "created_at": "2026-10-01T08:00:00+00:00",
            "stage_entered_at": "2026-11-15T14:00:00+00:00",
            "last_activity_at": "2026-11-15T14:00:00+00:00",
            "closed_at": "2026-11-15T14:00:00+00:00", "expected_close": "2026-11-15"},
    }
    deals = {deal.title: deal for deal in pipeline.list_deals(statuses=None)}
    stages = {stage.key: stage for stage in pipeline.stages()}

    def markers(title):
        deal = deals[title]
        return [text for text, _ in deal_markers(deal, stages[deal.stage], TODAY)]

    acme = deal_flags(deals["Acme fleet"], stages["qualified"], TODAY)
    assert (acme.days_in_stage, acme.days_since_activity) == (55, 36)
    assert markers("Acme fleet") == ["NO STEP", "STALE 36d", "CLOSE 10d"]
    beta = deal_flags(deals["Beta licences"], stages["proposal"], TODAY)
    assert (beta.days_in_stage, beta.stale) == (5, False)
    assert markers("Beta licences") == ["NO STEP", "UNQUAL"]
    # Won last year: off the board; won ten days ago: on it, ten days in Won.
    assert not is_on_board(deals["Gamma pilot"], TODAY)
    assert is_on_board(deals["Epsilon rollout"], TODAY)
    assert deal_flags(deals["Epsilon rollout"], stages["won"], TODAY).days_in_stage == 10

    stats = compute_stats(gather_stats(pipeline, today=TODAY))
    assert (stats.win_rate.won, stats.win_rate.lost) == (1, 1)  # last year's win is outside
    assert (stats.cycle.won, stats.cycle.median_days) == (1, 45.0)  # created to won
    proposal = next(t for t in stats.time_in_stage if t.stage.key == "proposal")
    assert (proposal.visits, proposal.median_days) == (1, 30.0)  # lost after 30 days there
    assert stats.health.stale == 1 and stats.lost_unknown_stage == 0
    queue = [(item.deal.title, item.queue.value) for item in review_queue(pipeline,
                                                                          today=TODAY)]
    assert queue == [("Acme fleet", "closing_soon"), ("Beta licences", "no_next_step")]


def test_hubspot_dates_stage_history_and_lost_stages(pipeline, sample, query):
    path = sample("hubspot.csv", HUBSPOT)
    report = import_file(pipeline, path, ImportOptions(stage_map=HUBSPOT_MAP))
    assert (report.created, report.ignored_columns) == (4, ("Pipeline",))
    assert stamps(query) == {
        "Hub open": {
            # In its stage since its history says it entered it, not since the import.
            "stage": "qualified", "status": "open", "created_at": "2026-10-01T09:00:00+00:00",
            "stage_entered_at": "2026-10-15T10:00:00+00:00",
            "last_activity_at": "2026-11-20T11:00:00+00:00", "closed_at": None,
            "expected_close": "2026-12-01"},
        "Hub won": {
            "stage": "won", "status": "won", "created_at": "2026-09-01T09:00:00+00:00",
            "stage_entered_at": "2026-11-10T15:30:00+00:00",
            "last_activity_at": "2026-11-10T15:30:00+00:00",
            "closed_at": "2026-11-10T15:30:00+00:00", "expected_close": "2026-11-10"},
        "Hub lost at a known stage": {
            "stage": "proposal", "status": "lost", "created_at": "2026-08-01T09:00:00+00:00",
            "stage_entered_at": "2026-09-10T09:00:00+00:00",
            "last_activity_at": "2026-11-01T12:00:00+00:00",
            "closed_at": "2026-11-01T12:00:00+00:00", "expected_close": "2026-11-01"},
        "Hub lost nobody knows where": {
            "stage": None, "status": "lost", "created_at": "2026-07-01T09:00:00+00:00",
            "stage_entered_at": "2026-07-01T09:00:00+00:00",
            "last_activity_at": "2026-10-20T08:00:00+00:00",
            "closed_at": "2026-10-20T08:00:00+00:00", "expected_close": "2026-10-20"},
    }
    deals = {deal.title: deal for deal in pipeline.list_deals(statuses=None)}
    stages = {stage.key: stage for stage in pipeline.stages()}
    hub = deals["Hub open"]
    assert [text for text, _ in deal_markers(hub, stages["qualified"], TODAY)] == [
        "NO STEP", "CLOSE 6d"]  # active five days ago: not stale
    assert deal_flags(hub, stages["qualified"], TODAY).days_in_stage == 41
    stats = compute_stats(gather_stats(pipeline, today=TODAY))
    assert (stats.win_rate.won, stats.win_rate.lost) == (1, 2)
    assert stats.cycle.median_days == 70.0
    assert stats.lost_unknown_stage == 1
    # The unknown one is in neither conversion nor time in stage; the known one is.
    qualified, proposal = stats.conversion[1], stats.conversion[2]
    assert (qualified.reached, qualified.advanced, qualified.dropped) == (3, 2, 0)
    assert (proposal.reached, proposal.advanced, proposal.dropped) == (2, 1, 1)
    lead = stats.conversion[0]
    assert (lead.reached, lead.dropped) == (3, 0)
    assert next(t for t in stats.time_in_stage if t.stage.key == "proposal").median_days == 52
    queue = [(item.deal.title, item.queue.value) for item in review_queue(pipeline,
                                                                          today=TODAY)]
    assert queue == [("Hub open", "closing_soon")]


def test_a_file_without_dates_still_stamps_the_import_time(pipeline, sample, query):
    path = sample("plain.csv", "Deal Name,Deal Stage,Deal owner\nPlain,Qualified,Bo\n")
    import_file(pipeline, path, ImportOptions())
    now = NOW.isoformat()
    assert stamps(query)["Plain"] == {
        "stage": "qualified", "status": "open", "created_at": now, "stage_entered_at": now,
        "last_activity_at": now, "closed_at": None, "expected_close": None}


def test_an_update_keeps_dates_the_file_does_not_give(pipeline, sample, query):
    first = "Deal - ID,Deal - Title,Deal - Stage,Deal - Deal created\n1,Acme,Lead,2026-09-01\n"
    import_file(pipeline, sample("a.csv", first), ImportOptions())
    moved = "Deal - ID,Deal - Title,Deal - Stage,Deal - Deal created\n1,Acme,Proposal,2026-09-01\n"
    import_file(pipeline, sample("b.csv", moved), ImportOptions(update=True))
    row = stamps(query)["Acme"]
    # The move happened in the CRM since the last file: entered now, not at creation.
    assert (row["stage"], row["created_at"], row["stage_entered_at"]) == (
        "proposal", "2026-09-01T12:00:00+00:00", NOW.isoformat())


def test_hubspot_sample_with_create_stages_keeps_its_order_dates_and_money(pipeline,
                                                                           sample, query):
    """The HubSpot sample without a stage map (#16 items 2, 3, 4): its pipeline replaces
    the empty defaults in the order its history columns give, the dates and highlights still read
    right in the new stages, and the empty Amount is no value, not 0."""
    path = sample("hubspot.csv", HUBSPOT)
    import_file(pipeline, path, ImportOptions(create_stages=True))
    stages = pipeline.stages()
    # The 'Date entered' columns list the pipeline (in order); HubSpot's probabilities.
    assert [(s.name, s.probability) for s in stages] == [
        ("Appointment Scheduled", 20), ("Qualified To Buy", 40),
        ("Presentation Scheduled", 60), ("Won", 100)]
    rows = query("SELECT title, stage, status, value, stage_entered_at FROM deals ORDER BY id")
    assert rows == [
        {"title": "Hub open", "stage": "qualified_to_buy", "status": "open", "value": 100_000,
         "stage_entered_at": "2026-10-15T10:00:00+00:00"},
        {"title": "Hub won", "stage": "won", "status": "won", "value": 200_000,
         "stage_entered_at": "2026-11-10T15:30:00+00:00"},
        {"title": "Hub lost at a known stage", "stage": "presentation_scheduled",
         "status": "lost", "value": 300_000, "stage_entered_at": "2026-09-10T09:00:00+00:00"},
        {"title": "Hub lost nobody knows where", "stage": None, "status": "lost",
         "value": None, "stage_entered_at": "2026-07-01T09:00:00+00:00"}]
    by_key = {stage.key: stage for stage in stages}
    hub = next(d for d in pipeline.list_deals() if d.title == "Hub open")
    assert [text for text, _ in deal_markers(hub, by_key["qualified_to_buy"], TODAY)] == [
        "NO STEP", "CLOSE 6d"]
    won = next(d for d in pipeline.list_deals(statuses=None) if d.title == "Hub won")
    assert deal_flags(won, by_key["won"], TODAY).days_in_stage == 15  # not "won 0d ago"
    stats = compute_stats(gather_stats(pipeline, today=TODAY))
    assert (stats.win_rate.won, stats.win_rate.lost, stats.lost_unknown_stage) == (1, 2, 1)
    assert stats.win_rate.average_won == 200_000


def test_pipedrive_sample_amounts_without_a_rate_are_shown_apart(pipeline, sample):
    """The Pipedrive sample's USD deal with no exchange rate to EUR (#16 item 6): the open
    pipeline is 12k EUR and 5k USD apart, never 0 EUR or a sum of both."""
    from kanban_pipe.cli.output import money_text
    from kanban_pipe.domain.money import compact_text

    import_file(pipeline, sample("pipedrive.csv", PIPEDRIVE), ImportOptions())
    stats = compute_stats(gather_stats(pipeline, today=TODAY))
    value = stats.pipeline.value
    assert (value.amount, dict(value.unconverted)) == (1_200_000, {"USD": 500_050})
    assert compact_text(value) == "12k EUR + 5k USD"
    proposal = next(line for line in stats.pipeline.lines if line.stage.key == "proposal")
    assert compact_text(proposal.value) == "5k USD"  # not '0 EUR'
    assert "`kanban-pipe currency set USD RATE`" in money_text(value)
