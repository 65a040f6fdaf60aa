"""Several pipelines in one file or server (schema 7): a v6 file upgraded to one pipeline
"Sales"; adding, renaming and removing pipelines; moving deals between them (logged and
undoable); everything read narrowed to the pipeline in view; statistics per pipeline,
worked by hand.

The worked example (fixture `two`), values in EUR, today 2026-11-25:

- Sales (lead 10 %, qualified 25 %, proposal 50 %, commitment 80 %):
  S1 10,000 in Proposal, S2 20,000 in Lead.
- Renewals (a copy of Sales' stages): R1 5,000 in Proposal.

Sales: 2 deals, 30,000, weighted 5,000 + 2,000 = 7,000. Renewals: 1 deal, 5,000,
weighted 2,500. Together: 3 deals, 35,000, weighted 9,500.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import pytest

from kanban_pipe.domain.errors import (
    InvalidInputError,
    InvalidStageError,
    NotFoundError,
    NothingToUndoError,
)
from kanban_pipe.domain.models import ActivityKind, DealStatus, NextStep, Pipeline
from kanban_pipe.domain.stats import compute_stats
from kanban_pipe.store import PipelineStore, open_store, schema
from kanban_pipe.store.due import next_steps
from kanban_pipe.store.listing import listed_deals
from kanban_pipe.store.review import review_queue
from kanban_pipe.store.schema import APPLICATION_ID, SCHEMA_VERSION
from kanban_pipe.store.stats import gather_stats

TODAY = date(2026, 11, 25)
EUR = 100
STAMP = "2026-11-01T10:00:00+00:00"
SALES_STAGES = ["Lead", "Qualified", "Proposal", "Commitment", "Won"]


# -- the v6 file -------------------------------------------------------------------------

def make_v6_file(path: Path) -> None:
    """A pipeline file exactly as schema 6 left it: an open, a won and a lost deal."""
    conn = sqlite3.connect(str(path), isolation_level=None)
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("BEGIN")
    for step in schema.MIGRATIONS[:6]:
        step(conn)
    deals = [
        (1, "Open deal", 120_000, "proposal", "open", None),
        (2, "Won deal", 50_000, "won", "won", STAMP),
        (3, "Lost deal", 7_000, "qualified", "lost", STAMP),
    ]
    conn.executemany(
        "INSERT INTO deals (id, title, value, currency, stage, status, closed_at, owner,"
        " position, version, created_at, updated_at, stage_entered_at, last_activity_at)"
        " VALUES (?, ?, ?, 'EUR', ?, ?, ?, 'anna', 1, 1, ?, ?, ?, ?)",
        [(*deal, STAMP, STAMP, STAMP, STAMP) for deal in deals])
    conn.executemany("INSERT INTO activities (deal_id, at, actor, kind, detail) VALUES"
                     " (?, ?, 'anna', 'created', 'created')", [(i, STAMP) for i in (1, 2, 3)])
    conn.execute("PRAGMA user_version = 6")
    conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    conn.execute("COMMIT")
    conn.close()


def stage_rows(path: Path) -> list[tuple[object, ...]]:
    conn = sqlite3.connect(str(path))
    try:
        return conn.execute(
            "SELECT key, name, position, probability, stale_after_days, milestone, qualifies,"
            " requires_qualification, is_won FROM stages ORDER BY position").fetchall()
    finally:
        conn.close()


def test_a_v6_file_becomes_one_pipeline_sales_with_its_stages_and_deals(
        db_path: Path, raw) -> None:
    make_v6_file(db_path)
    assert raw.scalar("PRAGMA user_version") == 6
    before = stage_rows(db_path)
    assert [row[1] for row in before] == SALES_STAGES
    store = open_store(str(db_path), user="anna")
    try:
        assert SCHEMA_VERSION >= 7
        assert raw.scalar("PRAGMA user_version") == SCHEMA_VERSION
        assert store.pipelines() == [Pipeline("sales", "Sales", 1)]
        assert store.pipeline is None  # every pipeline in view by default
        assert stage_rows(db_path) == before  # names, order, probabilities, rules unchanged
        assert {s.pipeline for s in store.all_stages()} == {"sales"}
        assert [(s.name, s.probability) for s in store.stages_of("sales")] == [
            ("Lead", 10), ("Qualified", 25), ("Proposal", 50), ("Commitment", 80),
            ("Won", 100)]
        assert [(r["id"], r["pipeline"], r["stage"]) for r in raw.rows(
            "SELECT id, pipeline, stage FROM deals ORDER BY id")] == [
            (1, "sales", "proposal"), (2, "sales", "won"), (3, "sales", "qualified")]
        assert [d.pipeline for d in store.list_deals(statuses=None)] == ["sales"] * 3
        # The past forecasts' cache is kept per pipeline now.
        columns = [r["name"] for r in raw.rows("PRAGMA table_info(forecast_snapshots)")]
        assert "pipeline" in columns
        assert raw.rows("SELECT * FROM settings WHERE key = 'forecast_snapshot_months'") == []
        assert raw.rows("PRAGMA foreign_key_check") == []
        assert raw.scalar("PRAGMA integrity_check") == "ok"
        # With one pipeline nothing is narrowed: the queries are what they were.
        store.use_pipeline("sales")
        assert store.in_pipeline() == ""
        # A deal added after the upgrade is in Sales, and a second pipeline can be added.
        assert store.add_deal("New one", value=1_000).pipeline == "sales"
        assert store.add_pipeline("Renewals").key == "renewals"
    finally:
        store.close()


def test_a_v6_server_schema_becomes_one_pipeline_sales(pg_url: str) -> None:
    from kanban_pipe.store.postgres import schema as server_schema
    from kanban_pipe.store.postgres.connection import ServerAddress, ServerConnection
    from tests.engines import RawRows

    old = ServerConnection(ServerAddress(pg_url))
    for step in server_schema.MIGRATIONS[:6]:
        step(old)
    old.execute("INSERT INTO kanban_pipe (key, value) VALUES ('schema_version', '6')")
    old.execute(
        "INSERT INTO deals (title, value, currency, stage, owner, created_at, updated_at,"
        " stage_entered_at, last_activity_at) VALUES ('Acme', 120000, 'EUR', 'proposal',"
        f" 'anna', '{STAMP}', '{STAMP}', '{STAMP}', '{STAMP}')")
    old.close()
    raw = RawRows(pg_url)
    before = raw.tuples("SELECT key, name, position, probability, is_won FROM stages"
                        " ORDER BY position")
    store = open_store(pg_url, user="anna")
    try:
        assert store.pipelines() == [Pipeline("sales", "Sales", 1)]
        assert raw.tuples("SELECT key, name, position, probability, is_won FROM stages"
                          " ORDER BY position") == before
        assert [s.name for s in store.stages()] == SALES_STAGES
        assert {s.pipeline for s in store.all_stages()} == {"sales"}
        deal = store.get_deal(1)
        assert (deal.title, deal.pipeline, deal.stage) == ("Acme", "sales", "proposal")
        assert raw.scalar("SELECT value FROM kanban_pipe WHERE key = 'schema_version'") \
            == str(server_schema.SCHEMA_VERSION)
        assert store.add_pipeline("Renewals").key == "renewals"
    finally:
        store.close()


def test_a_new_file_has_the_pipeline_sales(store: PipelineStore, raw) -> None:
    assert store.pipelines() == [Pipeline("sales", "Sales", 1)]
    assert [r["pipeline"] for r in raw.rows("SELECT pipeline FROM stages")] == ["sales"] * 5
    deal = store.add_deal("First", value=100 * EUR)
    assert raw.deal(deal.id)["pipeline"] == "sales"


# -- adding, renaming, refusing -----------------------------------------------------------

def test_a_new_pipeline_copies_the_first_pipelines_stages_by_default(
        store: PipelineStore, raw) -> None:
    added = store.add_pipeline("Renewals")
    assert added == Pipeline("renewals", "Renewals", 2)
    assert store.pipelines() == [Pipeline("sales", "Sales", 1), added]
    sales, renewals = store.stages_of("sales"), store.stages_of("renewals")
    assert [s.name for s in renewals] == [s.name for s in sales] == SALES_STAGES
    assert [s.key for s in renewals] == ["renewals_lead", "renewals_qualified",
                                         "renewals_proposal", "renewals_commitment",
                                         "renewals_won"]
    assert [(s.position, s.probability, s.stale_after_days, s.milestone, s.qualifies,
             s.requires_qualification, s.is_won) for s in renewals] == [
        (s.position, s.probability, s.stale_after_days, s.milestone, s.qualifies,
         s.requires_qualification, s.is_won) for s in sales]
    assert {s.pipeline for s in renewals} == {"renewals"}
    # Sales' own stages are untouched, and stage keys stay unique in the file.
    assert [s.key for s in sales] == ["lead", "qualified", "proposal", "commitment", "won"]
    assert raw.scalar("SELECT count(DISTINCT key) FROM stages") == raw.count("stages") == 10


def test_a_new_pipeline_with_named_stages_gets_rising_probabilities_and_won(
        store: PipelineStore) -> None:
    added = store.add_pipeline("Partner deals", stages=["Intro", "Pilot", "Contract"])
    assert added.key == "partner_deals"
    stages = store.stages_of(added.key)
    assert [(s.key, s.name, s.position, s.probability, s.is_won) for s in stages] == [
        ("partner_deals_intro", "Intro", 1, 25, False),
        ("partner_deals_pilot", "Pilot", 2, 50, False),
        ("partner_deals_contract", "Contract", 3, 75, False),
        ("partner_deals_won", "Won", 4, 100, True),
    ]
    # "Won" named last is the won stage, not an open one before it.
    again = store.add_pipeline("Channel", stages=["Intro", "won"])
    assert [(s.name, s.probability, s.is_won) for s in store.stages_of(again.key)] == [
        ("Intro", 50, False), ("Won", 100, True)]


def test_a_new_pipeline_like_another_copies_that_ones_stages(store: PipelineStore) -> None:
    store.add_pipeline("Partner deals", stages=["Intro", "Pilot"])
    copy = store.add_pipeline("Resellers", like="partner deals")
    assert [(s.key, s.name, s.probability) for s in store.stages_of(copy.key)] == [
        ("resellers_intro", "Intro", 33), ("resellers_pilot", "Pilot", 67),
        ("resellers_won", "Won", 100)]


@pytest.mark.parametrize(("name", "options", "error", "message"), [
    ("Sales", {}, InvalidInputError, "already exists"),
    ("sales", {}, InvalidInputError, "already exists"),
    ("all", {}, InvalidInputError, "every pipeline"),
    (" ALL ", {}, InvalidInputError, "every pipeline"),
    ("", {}, InvalidInputError, "pipeline name"),
    ("Renewals", {"stages": ["Won"]}, InvalidStageError, "at least one open stage"),
    ("Renewals", {"stages": ["A", "a"]}, InvalidStageError, "same name"),
    ("Renewals", {"stages": ["Won", "A"]}, InvalidStageError, "Won is the last stage"),
    ("Renewals", {"stages": ["A"], "like": "sales"}, InvalidInputError, "not both"),
    ("Renewals", {"like": "nope"}, NotFoundError, "no pipeline 'nope'"),
])
def test_a_pipeline_that_cannot_be_added_is_refused_and_nothing_is_written(
        store: PipelineStore, raw, name: str, options: dict[str, object],
        error: type[Exception], message: str) -> None:
    stages_before = raw.count("stages")
    with pytest.raises(error, match=message):
        store.add_pipeline(name, **options)  # type: ignore[arg-type]
    assert store.pipelines() == [Pipeline("sales", "Sales", 1)]
    assert raw.count("stages") == stages_before


def test_renaming_keeps_the_key_and_refuses_a_taken_name(store: PipelineStore) -> None:
    store.add_pipeline("Renewals")
    renamed = store.rename_pipeline("renewals", "Customer renewals")
    assert renamed == Pipeline("renewals", "Customer renewals", 2)
    assert store.find_pipeline("customer").key == "renewals"  # the start of its name
    assert store.find_pipeline("2").key == "renewals"  # its number
    with pytest.raises(InvalidInputError, match="already exists"):
        store.rename_pipeline("renewals", "SALES")
    with pytest.raises(InvalidInputError, match="every pipeline"):
        store.rename_pipeline("renewals", "All")
    # Its own name in other letters is fine.
    assert store.rename_pipeline("renewals", "CUSTOMER RENEWALS").name == "CUSTOMER RENEWALS"
    assert [p.name for p in store.pipelines()] == ["Sales", "CUSTOMER RENEWALS"]
    with pytest.raises(NotFoundError, match="no pipeline 'nope'; pipelines are: Sales, "):
        store.rename_pipeline("nope", "X")


# -- the worked example ------------------------------------------------------------------

@dataclass
class Two:
    store: PipelineStore
    ids: dict[str, int]


@pytest.fixture
def two(store: PipelineStore) -> Two:
    """The two pipelines of the module doc, each deal with an overdue next step."""
    store.add_pipeline("Renewals")
    step = NextStep("Call", "anna", TODAY - timedelta(days=1))
    ids = {
        "S1": store.add_deal("S1 Sales proposal", value=10_000 * EUR, stage="proposal",
                             next_step=step).id,
        "S2": store.add_deal("S2 Sales lead", value=20_000 * EUR, next_step=step).id,
    }
    store.use_pipeline("renewals")
    ids["R1"] = store.add_deal("R1 Renewal", value=5_000 * EUR, stage="Proposal",
                               next_step=step).id
    store.use_pipeline(None)
    return Two(store, ids)


def test_a_deal_added_with_a_pipeline_in_view_lands_in_it(two: Two, raw) -> None:
    row = raw.deal(two.ids["R1"])
    assert (row["pipeline"], row["stage"]) == ("renewals", "renewals_proposal")
    assert (raw.deal(two.ids["S1"])["pipeline"], raw.deal(two.ids["S1"])["stage"]) == (
        "sales", "proposal")
    # With every pipeline in view a new deal goes to the first pipeline.
    assert two.store.home_pipeline().key == "sales"
    assert raw.deal(two.store.add_deal("Another").id)["pipeline"] == "sales"


def test_a_stage_named_for_another_pipeline_is_not_found(two: Two) -> None:
    two.store.use_pipeline("renewals")
    with pytest.raises(InvalidStageError, match="no stage 'commitment_x'"):
        two.store.add_deal("X", stage="commitment_x")
    # A Sales deal's verbs use Sales' stages, whatever pipeline is in view.
    with pytest.raises(InvalidStageError, match="no stage 'renewals_lead'"):
        two.store.move_deal(two.ids["S1"], "renewals_lead")
    assert two.store.move_deal(two.ids["S1"], "Commitment").stage == "commitment"
    assert two.store.move_deal(two.ids["R1"], "Commitment").stage == "renewals_commitment"


def test_the_pipeline_in_view_narrows_lists_sums_review_and_due(two: Two) -> None:
    store, ids = two.store, two.ids

    def seen() -> dict[str, object]:
        return {
            "listed": sorted(row.id for row in listed_deals(store, today=TODAY)),
            "sums": sorted((s.stage, s.deals, s.value) for s in store.board_sums(today=TODAY)),
            "review": sorted(item.deal.id for item in review_queue(store, today=TODAY)),
            "due": sorted(step.deal_id for step in next_steps(store, today=TODAY)),
            "stages": [s.key for s in store.stages()],
        }

    store.use_pipeline("renewals")
    assert seen() == {
        "listed": [ids["R1"]],
        "sums": [("renewals_proposal", 1, 5_000 * EUR)],
        "review": [ids["R1"]],
        "due": [ids["R1"]],
        "stages": ["renewals_lead", "renewals_qualified", "renewals_proposal",
                   "renewals_commitment", "renewals_won"],
    }
    store.use_pipeline("Sales")
    assert seen() == {
        "listed": sorted([ids["S1"], ids["S2"]]),
        "sums": [("lead", 1, 20_000 * EUR), ("proposal", 1, 10_000 * EUR)],
        "review": sorted([ids["S1"], ids["S2"]]),
        "due": sorted([ids["S1"], ids["S2"]]),
        "stages": ["lead", "qualified", "proposal", "commitment", "won"],
    }
    for everything in (None, "all", "ALL"):
        store.use_pipeline(everything)
        assert store.pipeline is None
        found = seen()
        assert found["listed"] == found["review"] == found["due"] == sorted(ids.values())
        assert found["sums"] == [("lead", 1, 20_000 * EUR), ("proposal", 1, 10_000 * EUR),
                                 ("renewals_proposal", 1, 5_000 * EUR)]
        assert len(found["stages"]) == 10  # type: ignore[arg-type]
    with pytest.raises(NotFoundError, match="no pipeline 'nope'"):
        store.use_pipeline("nope")
    assert store.pipeline is None  # unchanged by the refusal


def test_open_deals_are_counted_per_pipeline(two: Two) -> None:
    store = two.store
    assert store.pipeline_counts(today=TODAY) == {"sales": 2, "renewals": 1}
    store.mark_lost(two.ids["S2"], "price")
    store.pause_deal(two.ids["S1"], TODAY + timedelta(days=3))
    assert store.pipeline_counts(today=TODAY) == {"renewals": 1}
    # A paused deal whose resume date has come is open again.
    assert store.pipeline_counts(today=TODAY + timedelta(days=3)) == {"sales": 1, "renewals": 1}


def figures(store: PipelineStore) -> tuple[int, int, int]:
    stats = compute_stats(gather_stats(store, today=TODAY))
    return (stats.pipeline.deals, stats.pipeline.value.amount // EUR,
            stats.pipeline.weighted.amount // EUR)


def test_statistics_are_per_pipeline_and_together(two: Two) -> None:
    store = two.store
    store.use_pipeline("sales")
    assert figures(store) == (2, 30_000, 7_000)
    store.use_pipeline("renewals")
    assert figures(store) == (1, 5_000, 2_500)
    store.use_pipeline(None)
    assert figures(store) == (3, 35_000, 9_500)


def test_with_every_pipeline_in_view_each_stage_line_names_its_pipeline(two: Two) -> None:
    store = two.store
    stats = compute_stats(gather_stats(store, today=TODAY))
    lines = [(line.stage.name, line.deals, line.value.amount // EUR,
              line.weighted.amount // EUR) for line in stats.pipeline.lines]
    assert lines == [
        ("Sales · Lead", 1, 20_000, 2_000), ("Sales · Qualified", 0, 0, 0),
        ("Sales · Proposal", 1, 10_000, 5_000), ("Sales · Commitment", 0, 0, 0),
        ("Renewals · Lead", 0, 0, 0), ("Renewals · Qualified", 0, 0, 0),
        ("Renewals · Proposal", 1, 5_000, 2_500), ("Renewals · Commitment", 0, 0, 0),
    ]
    # One pipeline in view: the plain stage names.
    store.use_pipeline("renewals")
    stats = compute_stats(gather_stats(store, today=TODAY))
    assert [line.stage.name for line in stats.pipeline.lines] == SALES_STAGES[:-1]
    assert [line.deals for line in stats.pipeline.lines] == [0, 0, 1, 0]


def test_conversion_never_crosses_pipelines(two: Two) -> None:
    store, ids = two.store, two.ids
    store.mark_won(ids["S1"])  # Sales: reached Proposal, won
    store.mark_lost(ids["R1"], "price")  # Renewals: lost in Proposal
    stats = compute_stats(gather_stats(store, today=TODAY))
    pairs = [(c.from_stage.key, c.to_stage.key, c.reached, c.advanced, c.dropped)
             for c in stats.conversion]
    assert all(c.from_stage.pipeline == c.to_stage.pipeline for c in stats.conversion)
    assert pairs == [
        # Sales: S1 won (passed every stage), S2 open in Lead.
        ("lead", "qualified", 2, 1, 0), ("qualified", "proposal", 1, 1, 0),
        ("proposal", "commitment", 1, 1, 0), ("commitment", "won", 1, 1, 0),
        # Renewals: R1 reached Proposal and was lost there.
        ("renewals_lead", "renewals_qualified", 1, 1, 0),
        ("renewals_qualified", "renewals_proposal", 1, 1, 0),
        ("renewals_proposal", "renewals_commitment", 1, 0, 1),
        ("renewals_commitment", "renewals_won", 0, 0, 0),
    ]
    store.use_pipeline("renewals")
    alone = compute_stats(gather_stats(store, today=TODAY))
    assert [(c.from_stage.key, c.reached, c.advanced, c.dropped)
            for c in alone.conversion] == [
        ("renewals_lead", 1, 1, 0), ("renewals_qualified", 1, 1, 0),
        ("renewals_proposal", 1, 0, 1), ("renewals_commitment", 0, 0, 0)]
    assert (alone.win_rate.won, alone.win_rate.lost) == (0, 1)
    store.use_pipeline("sales")
    sales = compute_stats(gather_stats(store, today=TODAY))
    assert (sales.win_rate.won, sales.win_rate.lost) == (1, 0)


# -- moving a deal into another pipeline ------------------------------------------------

def moved_entries(raw, deal_id: int) -> list[str]:
    return [a["detail"] for a in raw.activities(deal_id) if a["kind"] == "moved"]


def test_a_moved_deal_keeps_a_stage_of_the_same_name_and_says_so(two: Two, raw) -> None:
    store, s1 = two.store, two.ids["S1"]
    moved = store.move_to_pipeline(s1, "renewals")
    assert (moved.pipeline, moved.stage, moved.status) == (
        "renewals", "renewals_proposal", DealStatus.OPEN)
    row = raw.deal(s1)
    assert (row["pipeline"], row["stage"]) == ("renewals", "renewals_proposal")
    assert moved_entries(raw, s1) == ["Sales · Proposal → Renewals · Proposal"]
    latest = store.activities(s1)[0]  # newest first
    assert (latest.kind, latest.actor) == (ActivityKind.MOVED, "anna")
    # Now a renewal: its moves are along Renewals' stages.
    assert store.move_deal(s1, "Commitment").stage == "renewals_commitment"
    assert store.mark_won(s1).stage == "renewals_won"
    with pytest.raises(InvalidInputError, match=f"deal #{s1} is already in Renewals"):
        store.move_to_pipeline(s1, "renewals")


def test_a_moved_deal_without_a_stage_of_that_name_goes_to_the_first(
        two: Two, raw) -> None:
    store = two.store
    partners = store.add_pipeline("Partners", stages=["Intro", "Pilot"])
    moved = store.move_to_pipeline(two.ids["S1"], "partners")
    assert (moved.pipeline, moved.stage) == (partners.key, "partners_intro")
    assert moved_entries(raw, two.ids["S1"]) == ["Sales · Proposal → Partners · Intro"]
    # A stage named for the move.
    chosen = store.move_to_pipeline(two.ids["S2"], "partners", stage="Pilot")
    assert (chosen.pipeline, chosen.stage) == (partners.key, "partners_pilot")
    with pytest.raises(InvalidStageError, match="won stage"):
        store.move_to_pipeline(two.ids["R1"], "partners", stage="Won")
    assert raw.deal(two.ids["R1"])["pipeline"] == "renewals"
    with pytest.raises(InvalidStageError):
        store.move_to_pipeline(two.ids["R1"], "partners", stage="Proposal")
    assert raw.deal(two.ids["R1"])["stage"] == "renewals_proposal"


def test_a_won_deal_moves_to_the_won_stage(two: Two, raw) -> None:
    store = two.store
    store.mark_won(two.ids["S1"])
    moved = store.move_to_pipeline(two.ids["S1"], "renewals")
    assert (moved.pipeline, moved.stage, moved.status) == (
        "renewals", "renewals_won", DealStatus.WON)
    assert moved_entries(raw, two.ids["S1"])[-1] == "Sales · Won → Renewals · Won"


def test_undo_brings_the_pipeline_and_the_stage_back(two: Two, raw) -> None:
    store, s1 = two.store, two.ids["S1"]
    store.move_to_pipeline(s1, "renewals")
    deal, said = store.undo()
    assert (deal.pipeline, deal.stage) == ("sales", "proposal")
    assert "Sales · Proposal → Renewals · Proposal" in said
    row = raw.deal(s1)
    assert (row["pipeline"], row["stage"]) == ("sales", "proposal")
    assert store.pipeline_counts(today=TODAY) == {"sales": 2, "renewals": 1}
    store.use_pipeline("sales")
    assert sorted(row.id for row in listed_deals(store, today=TODAY)) == sorted(
        [s1, two.ids["S2"]])


# -- removing a pipeline ------------------------------------------------------------------

def test_a_pipeline_holding_deals_is_not_removed(two: Two, raw) -> None:
    store = two.store
    with pytest.raises(InvalidInputError, match=r"pipeline Renewals holds 1 deal\(s\)"):
        store.remove_pipeline("renewals")
    with pytest.raises(InvalidInputError, match=r"pipeline Sales holds 2 deal\(s\)"):
        store.remove_pipeline("Sales")
    assert [p.key for p in store.pipelines()] == ["sales", "renewals"]
    assert raw.count("stages") == 10
    assert raw.deal(two.ids["R1"])["pipeline"] == "renewals"
    with pytest.raises(InvalidInputError, match="cannot move to itself"):
        store.remove_pipeline("renewals", move_to="renewals")


def test_removing_with_move_to_moves_every_deal_and_logs_each(two: Two, raw) -> None:
    store, ids = two.store, two.ids
    moved = store.remove_pipeline("sales", move_to="renewals")
    assert moved == 2
    assert store.pipelines() == [Pipeline("renewals", "Renewals", 2)]
    assert raw.rows("SELECT key FROM stages WHERE pipeline = 'sales'") == []
    assert raw.count("stages") == 5
    assert [(r["id"], r["pipeline"], r["stage"]) for r in raw.rows(
        "SELECT id, pipeline, stage FROM deals ORDER BY id")] == sorted([
        (ids["S1"], "renewals", "renewals_proposal"),
        (ids["S2"], "renewals", "renewals_lead"),
        (ids["R1"], "renewals", "renewals_proposal")])
    assert moved_entries(raw, ids["S1"]) == ["Sales · Proposal → Renewals · Proposal"]
    assert moved_entries(raw, ids["S2"]) == ["Sales · Lead → Renewals · Lead"]
    assert moved_entries(raw, ids["R1"]) == []
    assert store.pipeline_counts(today=TODAY) == {"renewals": 3}
    with pytest.raises(InvalidInputError, match="Renewals is the only pipeline; it stays"):
        store.remove_pipeline("renewals")
    assert [p.key for p in store.pipelines()] == ["renewals"]


def test_an_empty_pipeline_is_removed_and_the_view_goes_back_to_all(store: PipelineStore,
                                                                    raw) -> None:
    store.add_pipeline("Renewals")
    store.use_pipeline("renewals")
    assert store.remove_pipeline("renewals") == 0
    assert store.pipeline is None
    assert store.pipelines() == [Pipeline("sales", "Sales", 1)]
    assert raw.count("stages") == 5
    with pytest.raises(InvalidInputError, match="Sales is the only pipeline; it stays"):
        store.remove_pipeline("sales")


def test_a_deleted_deal_of_a_removed_pipeline_comes_back_in_the_other(two: Two, raw) -> None:
    store, r1 = two.store, two.ids["R1"]
    store.delete_deal(r1)
    assert store.remove_pipeline("renewals") == 0  # a deleted deal does not hold it
    row = raw.deal(r1)
    assert (row["pipeline"], row["stage"]) == ("sales", "lead")
    deal, _ = store.undo()  # the delete
    assert (deal.id, deal.pipeline, deal.stage, deal.deleted) == (r1, "sales", "lead", False)


def test_undoing_a_move_out_of_a_removed_pipeline_is_refused_in_words(two: Two) -> None:
    """A deal moved out of Renewals, which is then removed: undoing the move cannot put
    it back. The refusal should be a clear one, not a database error."""
    store, r1 = two.store, two.ids["R1"]
    store.move_to_pipeline(r1, "sales")
    store.remove_pipeline("renewals")
    with pytest.raises(InvalidInputError) as refused:
        store.undo()
    assert "database error" not in str(refused.value)


def test_undo_right_after_removing_a_pipeline_is_refused_in_words(two: Two, raw) -> None:
    store = two.store
    store.remove_pipeline("renewals", move_to="sales")
    # Undo stops at the removal: its moves cannot go back into stages that are gone.
    with pytest.raises(NothingToUndoError) as refused:
        store.undo()
    assert "database error" not in str(refused.value)
    assert raw.deal(two.ids["R1"])["pipeline"] == "sales"


# -- past months' forecasts, per pipeline ------------------------------------------------
#
# Made on Aug 25, 10:00 UTC: Sales A 10,000 in Proposal (50 %, best case), close Sep 20;
# Renewals B 4,000 in Commitment (80 %, commit), close Sep 25, won Sep 25. On Sep 1:
# Sales weighted 5,000, best case 10,000; Renewals weighted 3,200, commit 4,000 (best
# case includes it), won 4,000, all of it committed.
# (weighted, commit, best case, won, committed and won, deals forecast, deals won)
SALES_SEPTEMBER = (5_000, 0, 10_000, 0, 0, 1, 0)
RENEWALS_SEPTEMBER = (3_200, 4_000, 4_000, 4_000, 4_000, 1, 1)
BOTH_SEPTEMBER = (8_200, 4_000, 14_000, 4_000, 4_000, 2, 1)
NOTHING = (0, 0, 0, 0, 0, 0, 0)


def september(store: PipelineStore) -> tuple[int, ...]:
    stats = compute_stats(gather_stats(store, today=TODAY))
    [month] = [m for m in stats.accuracy if m.month == "2026-09"]
    return (month.weighted.amount // EUR, month.commit.amount // EUR,
            month.best_case.amount // EUR, month.won.amount // EUR,
            month.committed_won.amount // EUR, month.forecast_deals, month.won_deals)


@pytest.fixture
def past(store: PipelineStore, clock) -> dict[str, int]:
    from datetime import UTC, datetime

    store.add_pipeline("Renewals")
    clock.now = datetime(2026, 8, 25, 10, tzinfo=UTC)
    a = store.add_deal("A", value=10_000 * EUR, stage="proposal",
                       expected_close=date(2026, 9, 20)).id
    store.use_pipeline("renewals")
    b = store.add_deal("B", value=4_000 * EUR, stage="Commitment",
                       expected_close=date(2026, 9, 25)).id
    store.use_pipeline(None)
    clock.now = datetime(2026, 9, 25, 10, tzinfo=UTC)
    store.mark_won(b)
    clock.now = datetime(2026, 11, 25, 10, tzinfo=UTC)
    return {"A": a, "B": b}


def test_past_forecasts_are_per_pipeline(store: PipelineStore, past: dict[str, int]) -> None:
    assert september(store) == BOTH_SEPTEMBER  # rebuilt and kept for every pipeline
    store.use_pipeline("sales")
    assert september(store) == SALES_SEPTEMBER
    store.use_pipeline("renewals")
    assert september(store) == RENEWALS_SEPTEMBER


def test_a_deal_moved_to_another_pipeline_counts_there_in_past_forecasts(
        store: PipelineStore, past: dict[str, int]) -> None:
    assert september(store) == BOTH_SEPTEMBER  # the months are kept now
    store.move_to_pipeline(past["A"], "renewals")
    store.use_pipeline("renewals")
    assert september(store) == BOTH_SEPTEMBER
    store.use_pipeline("sales")
    assert september(store) == NOTHING
