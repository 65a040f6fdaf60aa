"""`kanban-pipe due`: which next steps are due, the lines and JSON it prints at a fixed
today, its exit codes (0 none, 1 some, 2 an error), and hostile text kept as text."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from kanban_pipe.cli import output as out
from kanban_pipe.cli.due import cmd_due
from kanban_pipe.cli.parser import build_parser
from kanban_pipe.domain.due import parse_within
from kanban_pipe.domain.errors import InvalidInputError
from kanban_pipe.domain.models import NextStep
from kanban_pipe.store import PipelineStore, open_store

TODAY = date(2026, 3, 4)  # a Wednesday
NOON = datetime(2026, 3, 4, 12, 0, tzinfo=UTC)  # the same day in every zone within 11 h


@pytest.fixture
def fixed(db: str) -> Iterator[Callable[[str], PipelineStore]]:
    """Open the test pipeline as a user, on a clock stopped at noon on TODAY."""
    opened: list[PipelineStore] = []

    def open_as(user: str = "anna") -> PipelineStore:
        store = open_store(db, user=user, clock=lambda: NOON)
        opened.append(store)
        return store

    yield open_as
    for store in opened:
        store.close()


def _due(store: PipelineStore, *args: str) -> out.Outcome:
    return cmd_due(store, build_parser().parse_args(["due", *args]))


def _day(days: int) -> date:
    return TODAY + timedelta(days=days)


def _seed(store: PipelineStore) -> dict[str, int]:
    """Deals whose next steps are overdue, due today, tomorrow, in 3 days, undated..."""
    ids = {
        "overdue": store.add_deal("Acme fleet", organization="Acme AB", value=1_200_000,
                                  next_step=NextStep("Call the CFO", "anna", _day(-2))).id,
        "today": store.add_deal("Globex pilot", owner="bob",
                                next_step=NextStep("Send proposal", "bob", TODAY)).id,
        "delegated": store.add_deal("Initech renewal", organization="Initech",
                                    next_step=NextStep("Book the demo", "bob", _day(1))).id,
        "later": store.add_deal("Umbrella", next_step=NextStep("Workshop", "anna", _day(3))).id,
        "undated": store.add_deal("Hooli", next_step=NextStep("Think it over", "anna")).id,
        "none": store.add_deal("Stark").id,
    }
    for name, status in (("won", "won"), ("lost", "lost"), ("deleted", "deleted")):
        deal = store.add_deal(f"Closed {name}", next_step=NextStep("Old step", "anna", _day(-5)))
        ids[name] = deal.id
        if status == "won":
            store.mark_won(deal.id)
        elif status == "lost":
            store.mark_lost(deal.id, "budget")
        else:
            store.delete_deal(deal.id)
    back = store.add_deal("Paused and back", next_step=NextStep("Re-open talks", "anna",
                                                                 _day(-1)))
    store.pause_deal(back.id, _day(5))
    ids["paused_back"] = back.id
    away = store.add_deal("Paused away", next_step=NextStep("Wait", "anna", _day(-1)))
    store.pause_deal(away.id, _day(5))
    ids["paused_away"] = away.id
    return ids


def _back_from_pause(store: PipelineStore, deal_id: int) -> None:
    """Pretend the resume date has come (the store refuses a pause date in the past)."""
    with store.lock:
        store.conn.execute("UPDATE deals SET paused_until = ? WHERE id = ?",
                           (_day(-1).isoformat(), deal_id))


def test_lines_at_a_fixed_today(fixed) -> None:
    store = fixed()
    ids = _seed(store)
    _back_from_pause(store, ids["paused_back"])
    result = _due(store)
    assert result.code == 1
    assert (ids["overdue"], ids["paused_back"], ids["today"]) == (1, 10, 2)
    # Dates and ids in aligned columns; won, lost, deleted, undated, later, still paused
    # and step-less deals are not due.
    assert result.text == "\n".join([
        "2d overdue   #1  Call the CFO — Acme fleet (Acme AB)  anna",
        "1d overdue  #10  Re-open talks — Paused and back  anna",
        "today        #2  Send proposal — Globex pilot  bob",
    ])


def test_within_looks_ahead_and_mine_is_who_does_the_step(fixed) -> None:
    store = fixed()
    ids = _seed(store)

    def listed(outcome: out.Outcome) -> list[str]:
        return re.findall(r"#\d+", outcome.text or "")

    assert listed(_due(store, "--within", "1d")) == [
        f"#{ids['overdue']}", f"#{ids['today']}", f"#{ids['delegated']}"]
    assert listed(_due(store, "--within", "2d")) == listed(_due(store, "--within", "1d"))
    assert f"#{ids['later']}" in listed(_due(store, "--within", "3d"))
    assert f"#{ids['later']}" in listed(_due(store, "--within", "1w"))
    # anna owns the Initech deal but bob is to book its demo: it is bob's reminder.
    mine = _due(store, "--mine", "--within", "1w")
    assert listed(mine) == [f"#{ids['overdue']}", f"#{ids['later']}"]
    assert "anna" not in (mine.text or "")  # --mine leaves out the owner: it is you
    bobs = _due(fixed("bob"), "--mine", "--within", "1d")
    assert listed(bobs) == [f"#{ids['today']}", f"#{ids['delegated']}"]


def test_nothing_due_prints_nothing_and_exits_0(fixed) -> None:
    store = fixed()
    assert _due(store) == out.Outcome(None, 0)
    store.add_deal("Far away", next_step=NextStep("Call", "anna", _day(10)))
    assert _due(store) == out.Outcome(None, 0)
    assert _due(store, "--count") == out.Outcome("0", 0)
    assert _due(store, "--json") == out.Outcome("[]", 0)
    assert _due(store, "--within", "10d").code == 1


def test_json_and_count(fixed) -> None:
    store = fixed()
    ids = _seed(store)
    counted = _due(store, "--count", "--within", "1d")
    assert counted == out.Outcome("3", 1)
    result = _due(store, "--json", "--within", "1d")
    assert result.code == 1
    records = json.loads(result.text or "")
    assert [r["id"] for r in records] == [ids["overdue"], ids["today"], ids["delegated"]]
    assert records[0] == {
        "id": ids["overdue"], "title": "Acme fleet", "organization": "Acme AB",
        "owner": "anna", "stage": "lead", "value": 1_200_000, "currency": "EUR",
        "next_step": {"action": "Call the CFO", "owner": "anna", "due": "2026-03-02"},
        "days_left": -2,
    }
    assert records[2]["owner"] == "anna" and records[2]["next_step"]["owner"] == "bob"
    assert records[2]["days_left"] == 1


def test_hostile_text_stays_text(fixed) -> None:
    store = fixed()
    evil = "Acme\x1b[2J\x07\u202eevil\x9b [@click=app.quit]"
    store.add_deal(evil, organization="\x1b]0;title\x07",
                   next_step=NextStep("Call\x1b[31m\u2028now", "anna", TODAY))
    text = _due(store).text or ""
    for raw in ("\x1b", "\x07", "\x9b", "\u202e", "\u2028"):
        assert raw not in text
    assert "Call?[31m?now — Acme?[2J??evil? [@click=app.quit] (?]0;title?)  anna" in text
    raw_json = _due(store, "--json").text or ""
    for raw in ("\x1b", "\x07", "\x9b", "\u202e", "\u2028"):
        assert raw not in raw_json
    assert json.loads(raw_json)[0]["title"] == evil  # exact, only escaped


def test_long_text_is_cut_to_keep_one_line(fixed) -> None:
    store = fixed()
    store.add_deal("T" * 150, organization="O" * 90,
                   next_step=NextStep("A" * 200, "anna", TODAY))
    line = _due(store).text or ""
    assert "\n" not in line
    assert f"{'A' * 39}… — {'T' * 39}… ({'O' * 23}…)" in line


@pytest.mark.parametrize(("text", "days"), [
    ("0", 0), ("today", 0), ("tomorrow", 1), ("3", 3), ("2d", 2), ("+2d", 2), ("1w", 7),
    (" 2W ", 14),
])
def test_within_forms(text: str, days: int) -> None:
    assert parse_within(text) == days


@pytest.mark.parametrize("text", ["", "x", "2m", "-1d", "1.5d", "99999w"])
def test_within_refuses_other_forms(text: str) -> None:
    with pytest.raises(InvalidInputError, match="--within"):
        parse_within(text)


def test_exit_codes_through_main(run) -> None:
    assert run("due") == type(run("due"))(0, "", "")
    assert run("add", "Acme", "--next", "Call", "--due", "today").code == 0
    found = run("due")
    assert found.code == 1 and found.out.startswith("today  #1  Call — Acme  anna")
    bad = run("due", "--within", "soon")
    assert bad.code == 2 and bad.err.startswith("kanban-pipe: error: --within takes")
    assert run("due", "--json", "--count").code == 2  # argparse: not both


def test_errors_exit_2_in_a_real_process(run_process, tmp_path: Path) -> None:
    missing = run_process("--db", str(tmp_path / "no" / "such.db"), "due")
    assert missing.returncode == 2 and "does not exist" in missing.stderr
    db = str(tmp_path / "p.db")
    assert run_process("--db", db, "--user", "anna", "add", "Acme", "--next", "Call",
                       "--due", "yesterday").returncode == 0
    done = run_process("--db", db, "--user", "anna", "due", "--mine")
    assert done.returncode == 1 and done.stdout == "1d overdue  #1  Call — Acme\n"


def test_due_is_parsed_alone_as_the_full_parser_would(capsys) -> None:
    from kanban_pipe.cli import run

    for argv in (["due"], ["--db", "x.db", "due", "--mine", "--within", "2d"],
                 ["due", "--user", "bob", "--json"], ["--read-only", "due", "--count"]):
        alone = run._alone(argv)
        assert alone is not None
        full = build_parser().parse_args(argv)
        assert {k: v for k, v in vars(alone).items() if k != "parser"} == {
            k: v for k, v in vars(full).items() if k != "parser"}
    assert run._alone(["--db", "due", "list"]) is None  # "due" is the file here
    assert run._alone(["list"]) is None and run._alone([]) is None
    for parser in (build_parser(only="due"), build_parser()):
        with pytest.raises(SystemExit):
            parser.parse_args(["due", "--help"])
    alone_help, full_help = capsys.readouterr().out.split("usage: kanban-pipe due")[1:]
    assert alone_help == full_help
