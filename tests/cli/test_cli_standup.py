"""`standup` in text, Markdown and JSON; `review` opening the TUI; a v1 file upgraded."""

from __future__ import annotations

import json
import sqlite3
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from kanban_pipe.domain.models import NextStep, QualificationFact
from kanban_pipe.domain.review_walk import Decision, ReviewSummary
from kanban_pipe.store import schema
from kanban_pipe.store.review import record_review
from tests.engines import RawRows

QUEUES = ["closing_soon", "stale", "overdue", "no_next_step", "unqualified", "slipping"]
HOSTILE = "Acme [bold]x[/] | *big*\x1b[31m"


def _seed(store) -> dict[str, int]:
    """One deal per queue (the closing one with hostile text), a healthy one, a closed one."""
    today = date.today()
    step = NextStep("Demo", "anna", today + timedelta(days=3))
    old = store(days_ago=30)
    ids = {"stale": old.add_deal("Dusty", next_step=step, owner="bob").id}
    now = store()
    ids["closing"] = now.add_deal(HOSTILE, organization="<Org>", value=1_250_000,
                                  expected_close=today + timedelta(days=5)).id
    ids["overdue"] = now.add_deal(
        "Late call", next_step=NextStep("Call back", "anna", today - timedelta(days=2))).id
    ids["no_step"] = now.add_deal("No plan", owner="bob").id
    ids["unqualified"] = now.add_deal("Half known", stage="proposal", next_step=step).id
    now.qualify_deal(ids["unqualified"], {QualificationFact.NEED: True})
    ids["healthy"] = now.add_deal("Fine", next_step=step).id
    ids["lost"] = now.add_deal("Gone").id
    now.mark_lost(ids["lost"], "budget cut")
    return ids


def _reviews(db: str) -> int:
    return RawRows(db).count("reviews")


def test_json_has_one_key_per_queue_in_the_list_json_shape(run, store, db) -> None:
    ids = _seed(store)
    result = run("standup", "--format", "json")
    assert result.code == 0, result.err
    report: dict[str, list[dict[str, Any]]] = json.loads(result.out)
    assert list(report) == QUEUES
    assert {queue: [d["id"] for d in deals] for queue, deals in report.items()} == {
        "closing_soon": [ids["closing"]], "stale": [ids["stale"]],
        "overdue": [ids["overdue"]], "no_next_step": [ids["no_step"]],
        "unqualified": [ids["unqualified"]], "slipping": []}
    listed = {d["id"]: d for d in json.loads(run("list", "--json").out)}
    for deals in report.values():
        if not deals:
            continue  # nothing slipping here (tests/cli/test_cli_slipping.py)
        [deal] = deals
        reason = deal.pop("reason")
        assert reason and deal == listed[deal["id"]]  # exactly `list --json` plus a reason
    assert report["closing_soon"][0]["title"] == HOSTILE  # JSON keeps the text as it is
    assert report["overdue"][0]["next_step_state"] == "overdue"
    assert json.loads(result.out)["unqualified"][0]["reason"] == (
        "in Proposal without decision maker, timeline confirmed")
    assert _reviews(db) == 0  # standup records no review


def test_text_starts_with_the_changes_then_each_queue(run, store) -> None:
    ids = _seed(store)
    result = run("standup", "--full")
    assert result.code == 0, result.err
    lines = result.out.splitlines()
    assert lines[0] == f"Stand-up · everyone · {date.today().isoformat()}"
    assert lines[2] == "In the last 7 days (no review recorded yet):"
    # Dusty was added 30 days ago: outside the window.
    assert lines[3] == "  6 added (anna 6)" and "  1 lost (anna 1)" in lines
    assert f"anna lost #{ids['lost']} 'Gone': budget cut" in result.out
    headings = [line for line in lines if line and not line.startswith(" ")]
    assert headings[2:] == ["Closing soon (1)", "Stale (1)", "Next step overdue (1)",
                            "No next step (1)", "Unqualified (1)", "Slipping (0)",
                            "5 deals to review"]
    row = next(line for line in lines if line.strip().startswith(f"#{ids['closing']} "))
    assert "Acme [bold]x[/] | *big*?[31m" in row and "\x1b" not in result.out
    assert "expected close in 5d" in row and "12.5k EUR" in row
    overdue = next(line for line in lines if line.strip().startswith(f"#{ids['overdue']} "))
    assert "next step 2d overdue: Call back" in overdue


def test_markdown_escapes_user_text(run, store) -> None:
    ids = _seed(store)
    result = run("standup", "--format", "markdown", "--full")
    assert result.code == 0, result.err
    text = result.out
    assert text.startswith(f"# Stand-up · everyone · {date.today().isoformat()}\n")
    assert "## What changed" in text and "- 6 added (anna 6)" in text
    for heading in ("## Closing soon (1)", "## Stale (1)", "## Next step overdue (1)",
                    "## No next step (1)", "## Unqualified (1)"):
        assert heading in text
    assert "| ID | TITLE | ORG | VALUE | OWNER | STAGE | NEXT STEP | REASON |" in text
    row = next(line for line in text.splitlines() if line.startswith(f"| #{ids['closing']} "))
    assert r"Acme \[bold\]x\[/\] \| \*big\*?\[31m" in row and r"\<Org\>" in row
    assert row.count(" | ") == 7  # the | in the title does not split the row


def test_owner_limits_to_one_rep_and_changes_follow_the_last_review(run, store, db) -> None:
    ids = _seed(store)
    report = json.loads(run("standup", "--owner", "bob", "--format", "json").out)
    assert [d["id"] for deals in report.values() for d in deals] == [ids["stale"],
                                                                      ids["no_step"]]
    text = run("standup", "--owner", "bob", "--full").out
    assert text.startswith("Stand-up · bob ·") and "1 added (anna 1)" in text
    assert "2 deals to review" in text

    anna = store()
    record_review(anna, started_at=anna.clock(), summary=ReviewSummary(None, 0, 0, 0, (), ()))
    store(user="erik").set_next_step(ids["no_step"], "Call", due=date.today())
    text = run("standup", "--full").out
    assert "Since the review of " in text and " by anna:" in text
    assert "  1 next steps set (erik 1)" in text and "added" not in text
    assert "No next step (0)" in text
    assert _reviews(db) == 1


def test_review_opens_the_app_straight_into_review_mode(run, monkeypatch) -> None:
    import kanban_pipe.ui.app as app_module

    opened: list[dict[str, Any]] = []

    class FakeApp:
        fatal_error = None
        return_code = 0

        def run(self) -> None:
            opened.append({"ran": True})

    def fake_create_app(store, **options):
        opened.append(options)
        return FakeApp()

    monkeypatch.setattr(app_module, "create_app", fake_create_app)
    result = run("review", "--owner", "erik")
    assert (result.code, result.out) == (0, "")
    assert opened == [{"db_label": None, "start_in_review": True, "review_owner": "erik",
                       "review_top": None, "review_since": ""}, {"ran": True}]
    run("review", "--top", "20", "--since", "monday")
    assert opened[-2]["review_top"] == 20 and opened[-2]["review_since"] == "monday"


@pytest.mark.parametrize(("args", "words"), [
    (("review", "--since", "someday"), "since what?"),
    (("standup", "--since", "tomorrow"), "is in the future"),
    (("review", "--top", "0"), "--top takes a number of deals"),
])
def test_a_bad_since_or_top_is_one_line_and_opens_nothing(run, args, words: str) -> None:
    result = run(*args)
    assert result.code in (1, 2) and result.out == "" and "Traceback" not in result.err
    assert words in result.err.strip().splitlines()[-1]


def test_standup_since_a_day_reaches_back_past_the_last_review(run, store) -> None:
    _seed(store)
    anna = store()
    record_review(anna, started_at=anna.clock(), summary=ReviewSummary(None, 0, 0, 0, (), ()))
    assert "6 added" not in run("standup").out
    text = run("standup", "--since", "2d", "--full").out
    since = date.today() - timedelta(days=2)
    assert f"Since {since:%a} {since.isoformat()}:" in text and "6 added (anna 6)" in text
    assert "Dusty" not in text.split("Closing soon")[0]  # added 30 days ago: not news


@pytest.mark.parametrize("fmt", ["yaml", ""])
def test_unknown_format_is_a_usage_error(run, fmt: str) -> None:
    result = run("standup", "--format", fmt)
    assert result.code == 2 and "invalid choice" in result.err


@pytest.mark.file_only("makes a version 1 file with sqlite3 (tests/store covers a server's)")
def test_standup_upgrades_a_v1_file(run, db) -> None:
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("BEGIN")
    schema.MIGRATIONS[0](conn)
    conn.execute(f"PRAGMA application_id = {schema.APPLICATION_ID}")
    conn.execute("PRAGMA user_version = 1")
    conn.execute("COMMIT")
    conn.close()
    result = run("standup", "--format", "json")
    assert result.code == 0, result.err
    assert json.loads(result.out) == {queue: [] for queue in QUEUES}
    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == schema.SCHEMA_VERSION
    assert conn.execute("SELECT count(*) FROM reviews").fetchone()[0] == 0
    conn.close()
    assert Path(db).exists()


def _many(store, count: int = 12) -> dict[str, int]:
    """A queue longer than the summary shows: deals without a next step, one long title."""
    now = store()
    ids = {"long": now.add_deal("Northwind Traders – enterprise platform renewal and "
                                "expansion for all regional offices", value=9_000_000,
                                owner="erik").id}
    for n in range(count):
        now.add_deal(f"Deal number {n}", value=1000 * (n + 1), owner="bob")
    ids["closing"] = now.add_deal("#1 priority & more", value=500,
                                  expected_close=date.today() + timedelta(days=2)).id
    return ids


def test_markdown_by_default_is_a_short_summary_for_a_chat(run, store) -> None:
    ids = _many(store)
    anna = store()
    summary = ReviewSummary(None, 3, 1, 2, (), ((ids["closing"], "#1 priority & more",
                                                 Decision.CLOSE_DATE_SET),))
    record_review(anna, started_at=anna.clock(), summary=summary)
    full = run("standup", "--format", "markdown", "--full").out
    result = run("standup", "--format", "markdown")
    assert result.code == 0, result.err
    text = result.out
    assert len(text) < len(full) and "| ID |" not in text  # no table
    assert "**14 deals** to review: Closing soon 1 · Stale 0 · Next step overdue 0 · " \
           "No next step 13 · Unqualified 0" in text
    assert "## No next step (13) · fix: set a next step with a due date" in text
    lines = text.splitlines()
    listed = [line for line in lines if line.startswith("- **#")]
    assert len(listed) == 4  # the top 3 of no next step, the 1 closing soon
    # What is at stake first; owner and value with each; whole words of a long title.
    assert listed[1] == (f"- **#{ids['long']} Northwind Traders – enterprise "
                         "platform…** (erik · 90k EUR): no next step")
    assert "- …and 10 more" in lines
    assert "## Decided in the last review (" in text
    assert f"- #{ids['closing']} #1 priority & more: close date set" in text
    assert "\\#" not in text and "\\&" not in text and "\\-" not in text  # no stray escapes


def test_top_and_full_choose_how_much_is_printed(run, store) -> None:
    _many(store)
    text = run("standup", "--top", "1").out
    assert "…and 12 more" in text and "Deal number 11" not in text
    full = run("standup", "--full").out
    assert "No next step (13)" in full and "Deal number 0" in full
    capped = json.loads(run("standup", "--format", "json", "--top", "2").out)
    assert len(capped["no_next_step"]) == 2
    assert len(json.loads(run("standup", "--format", "json").out)["no_next_step"]) == 13


def test_full_titles_are_cut_at_a_word(run, store) -> None:
    ids = _many(store)
    row = next(line for line in run("standup", "--full").out.splitlines()
               if line.strip().startswith(f"#{ids['long']} "))
    assert "Northwind Traders…" in row  # not 'Northwind Traders – ent…'


def test_standup_is_parsed_alone_as_the_full_parser_would(capsys) -> None:
    import pytest

    from kanban_pipe.cli import run
    from kanban_pipe.cli.parser import build_parser

    for argv in (["standup"], ["--db", "x.db", "standup", "--format", "json"],
                 ["standup", "--user", "bob", "--owner", "anna", "--since", "mon", "--full"],
                 ["--read-only", "standup", "--format", "markdown", "--top", "2"]):
        alone = run._alone(argv)
        assert alone is not None and alone.command == "standup"
        full = build_parser().parse_args(argv)
        assert {k: v for k, v in vars(alone).items() if k != "parser"} == {
            k: v for k, v in vars(full).items() if k != "parser"}
    assert run._alone(["--db", "standup", "list"]) is None  # "standup" is the file here
    for parser in (build_parser(only="standup"), build_parser()):
        with pytest.raises(SystemExit):
            parser.parse_args(["standup", "--help"])
    alone_help, full_help = capsys.readouterr().out.split("usage: kanban-pipe standup")[1:]
    assert alone_help == full_help and "--format" in alone_help
    for parser in (build_parser(only="standup"), build_parser()):  # the same one-line error
        with pytest.raises(SystemExit):
            parser.parse_args(["standup", "--top", "0"])
    alone_error, full_error = capsys.readouterr().err.split("usage: kanban-pipe standup")[1:]
    assert alone_error == full_error and "--top takes a number" in alone_error
