"""Four processes, one new pipeline, 250 actions each: nothing lost, no "locked" errors.

On a file, and on a server (the four also race to create the schema there).

The test runs this same file as a script (`python test_store_multiprocess.py worker ...`)
for each process, so the worker code sits next to the assertions about it.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import time
from collections import Counter
from datetime import date, timedelta
from pathlib import Path

PROCESSES = 4
ACTIONS_PER_PROCESS = 250
STAGES = ("lead", "qualified", "proposal", "commitment")


def worker(db: str, number: int, go_file: str) -> None:
    """One process: wait for the start signal, open the (new) file, do mixed actions."""
    from kanban_pipe.store import open_store

    print("ready", flush=True)
    deadline = time.monotonic() + 30
    while not os.path.exists(go_file):
        if time.monotonic() > deadline:
            raise SystemExit("never got the start signal")
        time.sleep(0.001)

    user = f"user{number}"
    store = open_store(db, user=user)
    rng = random.Random(number)
    mine: list[int] = []
    counts: Counter[str] = Counter()
    for index in range(ACTIONS_PER_PROCESS):
        choice = "add" if not mine else rng.choice(["add", "move", "log", "next"])
        if choice == "add":
            mine.append(store.add_deal(f"{user} deal {index}", value=index * 100).id)
        else:
            deal_id = rng.choice(mine)
            if choice == "move":
                current = store.get_deal(deal_id).stage
                store.move_deal(deal_id, rng.choice([s for s in STAGES if s != current]))
            elif choice == "log":
                store.log_activity(deal_id, rng.choice(["call", "email", "meeting", "note"]),
                                   f"touch {index}")
            else:
                store.set_next_step(deal_id, f"step {index}",
                                    due=date(2026, 12, 1) + timedelta(days=index % 20))
        counts[choice] += 1
    store.close()
    print(json.dumps({"user": user, "deals": len(mine), "counts": counts}), flush=True)


def test_four_processes_on_one_new_pipeline(tmp_path: Path, pipeline_target: str):
    from kanban_pipe.store import open_store
    from kanban_pipe.store.schema import APPLICATION_ID, SCHEMA_VERSION

    server = pipeline_target.startswith("postgresql://")
    db = pipeline_target
    go_file = tmp_path / "go"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    procs = [
        subprocess.Popen(
            [sys.executable, __file__, "worker", str(db), str(number), str(go_file)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
        )
        for number in range(PROCESSES)
    ]
    try:
        for proc in procs:
            assert proc.stdout is not None
            assert proc.stdout.readline().strip() == "ready"
        assert server or not Path(db).exists(), "the file must be new when they start"
        go_file.touch()  # every process now opens the new file at the same moment
        results = [proc.communicate(timeout=60) for proc in procs]
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()

    reports = []
    for proc, (out, err) in zip(procs, results, strict=True):
        assert proc.returncode == 0, err
        assert "locked" not in err.lower() and "busy" not in err.lower(), err
        reports.append(json.loads(out.strip().splitlines()[-1]))

    store = open_store(db, user="checker")

    def one(sql: str, params: tuple[object, ...] = ()) -> object:
        return store.rows(sql, params)[0][0]

    if server:
        assert one("SELECT value FROM kanban_pipe WHERE key = 'schema_version'") == str(
            SCHEMA_VERSION)
    else:
        conn = store.conn
        assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert conn.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID
        assert conn.execute("PRAGMA quick_check").fetchone()[0] == "ok"
    assert one("SELECT count(*) FROM stages") == 5
    total = one("SELECT count(*) FROM activities")
    assert total == PROCESSES * ACTIONS_PER_PROCESS
    per_actor = dict(store.rows("SELECT actor, count(*) FROM activities GROUP BY actor"))
    assert per_actor == {f"user{n}": ACTIONS_PER_PROCESS for n in range(PROCESSES)}
    for report in reports:
        user, counts = report["user"], report["counts"]
        assert sum(counts.values()) == ACTIONS_PER_PROCESS
        kinds = dict(store.rows(
            "SELECT kind, count(*) FROM activities WHERE actor = ? GROUP BY kind", (user,)))
        assert kinds.get("created", 0) == counts["add"] == report["deals"]
        assert kinds.get("moved", 0) == counts.get("move", 0)
        assert kinds.get("next_step_set", 0) == counts.get("next", 0)
        touches = sum(kinds.get(k, 0) for k in ("call", "email", "meeting", "note"))
        assert touches == counts.get("log", 0)
        assert one("SELECT count(*) FROM deals WHERE owner = ?", (user,)) == report["deals"]
    deals = one("SELECT count(*) FROM deals")
    assert deals == sum(report["deals"] for report in reports)
    # Every deal's version is one more than its changes after creation.
    mismatched = one(
        "SELECT count(*) FROM deals d WHERE d.version !="
        " (SELECT count(*) FROM activities a WHERE a.deal_id = d.id)")
    assert mismatched == 0
    # The log's ids follow the order its entries were committed in.
    assert one("SELECT count(*) FROM activities a JOIN activities b ON b.id = a.id + 1"
               " WHERE b.at < a.at") == 0
    store.close()


if __name__ == "__main__" and sys.argv[1:2] == ["worker"]:
    worker(sys.argv[2], int(sys.argv[3]), sys.argv[4])
