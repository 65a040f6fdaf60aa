"""Four processes x 250 command-line actions on one pipeline while a real board watches it.

On a file (the board polls it) and on a server (the board listens for its notices).

Each worker runs the real command code path (`kanban_pipe.cli.main(argv)`, which opens,
checks and closes the store per call, exactly as `kanban-pipe add ...` does) in a loop
inside one process: spawning 1,000 interpreters would take minutes on a small machine.
The test runs this same file as a script for each worker (as
tests/store/test_store_multiprocess.py does), and runs the board with Pilot in the test
process, polling the file live as it does in a terminal.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import random
import subprocess
import sys
import time
from collections import Counter
from datetime import date, timedelta
from pathlib import Path

from textual.notifications import Notification

from kanban_pipe.store import open_store
from kanban_pipe.ui.app import PipelineApp, create_app
from kanban_pipe.ui.screens.board import BoardScreen
from tests.shared.conftest import child_env, demo_on, rows, scalar
from tests.ui.conftest import settle
from tests.ui.test_board_live import wait_for

PROCESSES = 4
ACTIONS_PER_PROCESS = 250
STAGES = ("lead", "qualified", "proposal", "commitment")
TOUCHES = ("call", "email", "meeting", "note")
SEED_DEALS = 40


def worker(db: str, number: int, go_file: str) -> None:
    """One process: wait for the signal, then 250 `kanban-pipe ...` calls in-process."""
    from kanban_pipe.cli import main

    print("ready", flush=True)
    deadline = time.monotonic() + 60
    while not os.path.exists(go_file):
        if time.monotonic() > deadline:
            raise SystemExit("never got the start signal")
        time.sleep(0.005)

    user = f"worker{number}"
    rng = random.Random(number)
    stage_of: dict[int, str] = {}
    with_step: set[int] = set()
    counts: Counter[str] = Counter()
    failures: list[str] = []
    for index in range(ACTIONS_PER_PROCESS):
        choices = ["add", "move", "next", "log"] + (["done"] if with_step else [])
        choice = "add" if not stage_of else rng.choice(choices)
        deal_id = rng.choice(sorted(with_step if choice == "done" else stage_of) or [0])
        if choice == "add":
            argv = ["add", f"{user} deal {index}", "--value", f"{index}k", "--org",
                    f"Org {number}"]
        elif choice == "move":
            target = rng.choice([s for s in STAGES if s != stage_of[deal_id]])
            argv = ["move", str(deal_id), target, "--confirm", "all"]
        elif choice == "next":
            due = date(2026, 12, 1) + timedelta(days=index % 20)
            argv = ["next", str(deal_id), f"step {index}", "--due", due.isoformat()]
        elif choice == "log":
            argv = ["log", str(deal_id), "--kind", rng.choice(TOUCHES), f"touch {index}"]
        else:
            argv = ["done", str(deal_id)]
        printed = io.StringIO()
        with contextlib.redirect_stdout(printed):
            code = main(["--db", db, "--user", user, *argv])
        if code != 0:
            failures.append(f"{argv}: exit {code}")
            continue
        if choice == "add":
            stage_of[int(printed.getvalue())] = "lead"
        elif choice == "move":
            stage_of[deal_id] = target
        elif choice == "next":
            with_step.add(deal_id)
        elif choice == "done":
            with_step.discard(deal_id)
        counts[choice] += 1
    print(json.dumps({"user": user, "deals": sorted(stage_of), "counts": counts,
                      "failures": failures}), flush=True)


def error_notices(app: PipelineApp) -> list[Notification]:
    """Every error-severity notification the board raised."""
    return [n for n in app._notifications if n.severity == "error"]


def board_open_deals(screen: BoardScreen) -> int | None:
    """Open deals the board's model shows, once every column is fully read."""
    if screen.model.complete != {stage.key for stage in screen.stages}:
        return None
    return sum(len(screen.model.ids(stage.key)) for stage in screen.stages)


async def test_cli_workers_and_a_live_board_on_one_pipeline(tmp_path: Path,
                                                          pipeline_target: str) -> None:
    server = pipeline_target.startswith("postgresql://")
    db = demo_on(pipeline_target, deals=SEED_DEALS, seed=3)
    seed_deals = scalar(db, "SELECT count(*) FROM deals")
    seed_activities = scalar(db, "SELECT count(*) FROM activities")
    go_file = tmp_path / "go"

    store = open_store(str(db), user="viewer", defer_check=True)  # as the CLI opens it
    app = create_app(store)
    procs: list[subprocess.Popen[str]] = []
    try:
        async with app.run_test(size=(140, 40)) as pilot:
            await settle(pilot)
            screen = app.screen
            assert isinstance(screen, BoardScreen)
            assert await wait_for(pilot, lambda: board_open_deals(screen) is not None, 20)
            shown_before = board_open_deals(screen)
            assert shown_before is not None and shown_before > 0
            procs = [
                subprocess.Popen(
                    [sys.executable, __file__, "worker", str(db), str(n), str(go_file)],
                    stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                    env=child_env(), cwd=tmp_path,
                )
                for n in range(PROCESSES)
            ]
            for proc in procs:
                assert proc.stdout is not None
                assert proc.stdout.readline().strip() == "ready"
            go_file.touch()
            deadline = time.monotonic() + 180
            while any(p.poll() is None for p in procs) and time.monotonic() < deadline:
                await pilot.pause(0.2)  # the board keeps polling meanwhile
            assert all(p.poll() is not None for p in procs), "workers did not finish"
            results = [p.communicate(timeout=30) for p in procs]

            reports = []
            for proc, (out, err) in zip(procs, results, strict=True):
                assert (proc.returncode, err) == (0, ""), err
                reports.append(json.loads(out.strip().splitlines()[-1]))
            added = sum(len(report["deals"]) for report in reports)
            assert await wait_for(
                pilot, lambda: board_open_deals(screen) == shown_before + added, 30), (
                f"board shows {board_open_deals(screen)}, not {shown_before} + {added}")
            assert error_notices(app) == []
            assert app.is_running and app.fatal_error is None
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait(timeout=30)
        store.close()
        store.engine.close()

    for report in reports:
        assert report["failures"] == []
        assert sum(report["counts"].values()) == ACTIONS_PER_PROCESS
    total = PROCESSES * ACTIONS_PER_PROCESS
    assert scalar(db, "SELECT count(*) FROM deals") == seed_deals + added
    assert scalar(db, "SELECT count(*) FROM activities") == seed_activities + total
    for report in reports:
        user, counts = report["user"], Counter(report["counts"])
        kinds = dict(rows(db, "SELECT kind, count(*) FROM activities WHERE actor = ?"
                              " GROUP BY kind", (user,)))
        touches = sum(kinds.pop(kind, 0) for kind in TOUCHES)
        assert touches == counts["log"]
        assert kinds == {key: value for key, value in {
            "created": counts["add"], "moved": counts["move"],
            "next_step_set": counts["next"], "next_step_done": counts["done"],
        }.items() if value}
        owned = rows(db, "SELECT id FROM deals WHERE owner = ? ORDER BY id", (user,))
        assert [deal_id for (deal_id,) in owned] == report["deals"]
    # Each new deal's version counts its changes: none lost, none applied twice.
    assert scalar(db, "SELECT count(*) FROM deals d WHERE d.id > ? AND d.version !="
                      " (SELECT count(*) FROM activities a WHERE a.deal_id = d.id)",
                  (seed_deals,)) == 0
    if not server:
        assert scalar(db, "PRAGMA quick_check") == "ok"


if __name__ == "__main__" and sys.argv[1:2] == ["worker"]:
    worker(sys.argv[2], int(sys.argv[3]), sys.argv[4])
