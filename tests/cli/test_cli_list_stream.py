"""`list` streamed: JSON Lines and CSV, --limit / --search / --sort, and flat memory."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from kanban_pipe.cli.listing import CSV_COLUMNS
from kanban_pipe.domain.amounts import parse_amount
from kanban_pipe.domain.models import NextStep, QualificationFact
from kanban_pipe.store import open_store
from kanban_pipe.store.bulk import load_demo
from kanban_pipe.transfer.values import restore
from tests.cli.conftest import REPO

TRICKY = ("=HYPERLINK(\"http://x\")", "line\nbreak, \"quoted\"", "東京 – café", "-5 +3 @me")


@pytest.fixture
def pipeline(store, db: str) -> str:
    """300 demo deals of every status plus deals with text that CSV must quote."""
    load_demo(store(), deals=300, seed=9)
    anna = store()
    for text in TRICKY:
        deal = anna.add_deal(text, organization=text, contact=text, value=123_45,
                             currency="SEK", next_step=NextStep(text, "erik", None))
        anna.qualify_deal(deal.id, {QualificationFact.NEED: True})
    return db


def _json(run, *args: str) -> list[dict[str, Any]]:
    result = run("list", *args)
    assert result.code == 0, result.err
    return json.loads(result.out)


def _from_csv(row: dict[str, str]) -> dict[str, Any]:
    """A CSV row back in the shape of `list --json`."""
    cells = {key: restore(value) for key, value in row.items()}
    yes = {"yes": True, "no": False}
    step = None
    if cells["next_step.action"]:
        step = {"action": cells["next_step.action"], "owner": cells["next_step.owner"],
                "due": cells["next_step.due"] or None}
    return {
        **{key: cells[key] or None for key in ("expected_close", "paused_until")},
        **{key: cells[key] for key in ("title", "organization", "contact", "currency",
                                        "stage", "status", "owner", "source", "lost_reason",
                                        "last_activity_at", "stage_entered_at", "created_at",
                                        "updated_at", "next_step_state")},
        "id": int(cells["id"]), "version": int(cells["version"]),
        "days_in_stage": int(cells["days_in_stage"]),
        "value": parse_amount(cells["value"], cells["currency"]), "next_step": step,
        "value_minor": int(cells["value_minor"]), "value_decimal": cells["value_decimal"],
        "qualification": {fact: yes[cells[f"qualification.{fact}"]]
                          for fact in ("decision_maker", "need", "timeline")},
        **{key: yes[cells[key]] for key in ("stale", "closing_soon", "unqualified")},
        "forecast_category": cells["forecast_category"] or None,
        "probability": int(cells["probability"]) if cells["probability"] else None,
        "pipeline": cells["pipeline"],
    }


@pytest.mark.parametrize("status", ["open", "all"])
def test_jsonl_and_csv_parse_back_to_the_json_deals(run, pipeline: str, status: str) -> None:
    deals = _json(run, "--json", "--status", status)
    assert len(deals) > (200 if status == "all" else 100)
    lines = run("list", "--format", "jsonl", "--status", status).out.splitlines()
    assert [json.loads(line) for line in lines] == deals
    assert _json(run, "--format", "json", "--status", status) == deals
    text = run("list", "--format", "csv", "--status", status).out
    rows = list(csv.DictReader(io.StringIO(text)))
    assert tuple(rows[0]) == CSV_COLUMNS
    assert [_from_csv(row) for row in rows] == deals
    # A spreadsheet opening the file shows the formula as text, as `export` keeps it.
    assert "'=HYPERLINK" in text and "\n'-5 +3 @me," not in text


def test_nothing_listed_in_each_format(run, pipeline: str) -> None:
    assert run("list", "--owner", "nobody", "--json").out == "[]\n"
    assert run("list", "--owner", "nobody", "--format", "jsonl").out == ""
    assert run("list", "--owner", "nobody", "--format", "csv").out == ",".join(
        CSV_COLUMNS) + "\n"
    assert run("list", "--owner", "nobody").out == "no deals match\n"


def _seed(store) -> dict[str, int]:
    """Six open deals whose orders differ by every sort key."""
    today = date.today()
    old = store(days_ago=20)
    ids = {"quiet": old.add_deal("Quiet fleet", organization="Dune", value=50_000,
                                 next_step=NextStep("Call", "anna", today + timedelta(9))).id}
    now = store()
    ids["late"] = now.add_deal("Late renewal", organization="Acme", value=900_000,
                               next_step=NextStep("Call", "anna", today - timedelta(2))).id
    ids["big"] = now.add_deal("Big fleet", stage="proposal", contact="Fleet Manager",
                              value=9_000_000, expected_close=today + timedelta(40),
                              next_step=NextStep("Demo", "anna", today + timedelta(1))).id
    ids["soon"] = now.add_deal("Soon", stage="qualified", value=10_000, owner="erik",
                               expected_close=today + timedelta(3),
                               next_step=NextStep("Sign", "erik", today)).id
    ids["none"] = now.add_deal("No step", organization="Fleetwood", value=700_000).id
    ids["won"] = now.add_deal("Done fleet", stage="won", value=5_000_000).id
    return ids


def _ids(out: str) -> list[int]:
    return [deal["id"] for deal in json.loads(out)]


def test_limit_search_and_sort_give_these_deals(run, store) -> None:
    ids = _seed(store)
    every = ["quiet", "late", "none", "soon", "big"]  # stage order, then id
    assert _ids(run("list", "--json").out) == [ids[k] for k in every]
    orders = {
        "value": ["big", "late", "none", "quiet", "soon"],
        "urgency": ["late", "none", "soon", "big", "quiet"],
        "close": ["soon", "big", "quiet", "late", "none"],
        "days": ["quiet", "late", "big", "soon", "none"],
        "id": ["quiet", "late", "big", "soon", "none"],
        "stage": every,
    }
    for order, names in orders.items():
        assert _ids(run("list", "--json", "--sort", order).out) == [ids[k] for k in names]
    assert _ids(run("list", "--json", "--sort", "value", "--limit", "2").out) == [
        ids["big"], ids["late"]]
    # Title, organization, contact or owner, any case: as / on the board.
    assert _ids(run("list", "--json", "--search", "FLEET").out) == [
        ids["quiet"], ids["none"], ids["big"]]
    assert _ids(run("list", "--json", "--search", "fleet", "--status", "all",
                    "--sort", "value").out) == [ids["big"], ids["won"], ids["none"],
                                                ids["quiet"]]
    assert _ids(run("list", "--json", "--search", "erik").out) == [ids["soon"]]
    assert _ids(run("list", "--json", "--stale").out) == [ids["quiet"]]
    assert _ids(run("list", "--json", "--stale", "--search", "acme").out) == []
    assert _ids(run("list", "--json", "--stale", "--limit", "1").out) == [ids["quiet"]]
    table = run("list", "--search", "fleet", "--limit", "1").out.splitlines()
    assert len(table) == 3 and table[1].split()[0] == f"#{ids['quiet']}"
    assert table[2] == "1 deal, 500 EUR"


@pytest.mark.parametrize("args", [["--limit", "0"], ["--limit", "x"], ["--sort", "size"],
                                  ["--format", "yaml"]])
def test_bad_list_options_are_usage_errors(run, args: list[str]) -> None:
    result = run("list", *args)
    assert result.code == 2 and "usage:" in result.err


# Run the command, then print the process's peak resident memory. Read from its own
# /proc entry: a child's ru_maxrss also counts the parent it was forked from (pytest).
_PEAK = """
import atexit, sys
def peak():
    with open("/proc/self/status") as status:
        print(next(line for line in status if line.startswith("VmHWM")), file=sys.stderr)
atexit.register(peak)
from kanban_pipe.cli import main
sys.exit(main(sys.argv[1:]))
"""


def _peak_rss(db: Path, *args: str) -> int:
    """Peak resident memory (KiB) of one `kanban-pipe` child process."""
    done = subprocess.run(
        [sys.executable, "-c", _PEAK, "--db", str(db), "--user", "anna", *args],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)}, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    return int(done.stderr.split()[-2])


@pytest.fixture(scope="module")
def sized(tmp_path_factory: pytest.TempPathFactory) -> dict[int, Path]:
    """Demo pipelines of 10,000 and 50,000 deals (with their whole history)."""
    files = {}
    for deals in (10_000, 50_000):
        path = tmp_path_factory.mktemp("sized") / f"demo-{deals}.db"
        store = open_store(str(path), user="anna")
        try:
            load_demo(store, deals=deals, seed=1)
        finally:
            store.close()
        files[deals] = path
    return files


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads /proc")
@pytest.mark.parametrize("args", [("list", "--json"), ("list",), ("standup", "--format", "json")])
def test_memory_stays_flat_from_10000_to_50000_deals(sized: dict[int, Path],
                                                     args: tuple[str, ...]) -> None:
    small, large = (_peak_rss(sized[deals], *args) for deals in (10_000, 50_000))
    # Reading every deal into a list took ~100 MiB more at 50,000 than at 10,000 deals.
    assert large - small < 6 * 1024, (small, large)
    assert large < 80 * 1024, large


def test_a_reader_that_goes_away_ends_the_listing_quietly(sized: dict[int, Path]) -> None:
    command = (f"{sys.executable} -m kanban_pipe --db {sized[10_000]} list --json | head -c 100"
               " > /dev/null; echo ${PIPESTATUS[0]}")
    done = subprocess.run(["bash", "-c", command], capture_output=True, text=True, cwd=REPO,
                          env={**os.environ, "PYTHONPATH": str(REPO)}, timeout=60,
                          check=False)
    assert done.stdout.strip() == "1" and done.stderr == "", done.stderr
