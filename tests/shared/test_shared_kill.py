"""kill -9 in the middle of an import and of a run of saves: all or nothing, file sound.

Real processes, killed with SIGKILL (no clean-up of any kind runs). Afterwards the
`check` command passes, an import either happened whole or not at all, and the deals
that were there before are exactly as they were. The saving process is this same file
run as a script (as tests/store/test_store_multiprocess.py does).
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from kanban_pipe.store.integrity import CHECKED_SETTING
from tests.shared.conftest import REPO, child_env, demo_pipeline, rows, scalar

IMPORT_ROWS = 50_000
STAGES = ("lead", "qualified", "proposal", "commitment")


def saver(db: str, seed: int) -> None:
    """Save in a loop, printing one line after each committed action, until killed."""
    from kanban_pipe.store import open_store

    store = open_store(db, user="saver")
    rng = random.Random(seed)
    mine: list[int] = []
    for index in range(1_000_000):
        choice = "add" if len(mine) < 3 else rng.choice(["add", "move", "log", "edit"])
        if choice == "add":
            mine.append(store.add_deal(f"saved deal {seed}-{index}", value=index).id)
        elif choice == "move":
            deal = store.get_deal(rng.choice(mine))
            store.move_deal(deal.id, rng.choice([s for s in STAGES if s != deal.stage]))
        elif choice == "log":
            store.log_activity(rng.choice(mine), "note", f"note {index}")
        else:
            store.edit_deal(rng.choice(mine), value=index * 7)
        print(choice, flush=True)


def everything(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, and the schema, in a fixed order.

    Leaves out the note of the last full integrity check: opening the file may make
    one (store.integrity), before any change the test is about.
    """
    tables = [name for (name,) in rows(path, "SELECT name FROM sqlite_schema"
                                             " WHERE type = 'table' ORDER BY name")]
    found = {table: rows(path, f"SELECT * FROM {table} ORDER BY rowid") for table in tables}
    found["settings"] = [row for row in found["settings"] if row[0] != CHECKED_SETTING]
    found["schema"] = rows(path, "SELECT type, name, sql FROM sqlite_schema ORDER BY name")
    return found


def run_kanban(*args: str) -> subprocess.CompletedProcess[str]:
    """`python -m kanban_pipe ARGS` as a child process."""
    return subprocess.run([sys.executable, "-m", "kanban_pipe", *args], capture_output=True,
                          text=True, stdin=subprocess.DEVNULL, env=child_env(), cwd=REPO,
                          timeout=120, check=False)


def assert_check_passes(path: Path, deals: int) -> None:
    done = run_kanban("--db", str(path), "check")
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout.startswith(f"{path}: ok\n")
    assert f"deals:          {deals:,}" in done.stdout


def write_lock_held(path: Path) -> bool:
    """True while another connection holds the file's write lock (is inside a write)."""
    conn = sqlite3.connect(str(path), timeout=0, isolation_level=None)
    try:
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("ROLLBACK")
        return False
    except sqlite3.OperationalError as error:
        assert "locked" in str(error) or "busy" in str(error), error
        return True
    finally:
        conn.close()


def kill_import_inside_its_transaction(db: Path, csv: Path) -> bool:
    """Start an import, SIGKILL it once it holds the write lock; False if it finished first."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "kanban_pipe", "--db", str(db), "--user", "importer",
         "import", str(csv)],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=child_env(),
        cwd=REPO)
    try:
        deadline = time.monotonic() + 120
        while proc.poll() is None and time.monotonic() < deadline:
            if write_lock_held(db):
                os.kill(proc.pid, signal.SIGKILL)
                break
            time.sleep(0.002)
        _, errors = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=30)
    if proc.returncode == -signal.SIGKILL:
        return True
    assert (proc.returncode, errors) == (0, ""), "the import neither ran nor was killed"
    return False


def test_import_killed_inside_its_transaction_is_all_or_nothing(tmp_path: Path) -> None:
    seed = demo_pipeline(tmp_path / "seed.db", deals=300)
    before = everything(seed)
    deals_before = len(before["deals"])
    csv = tmp_path / "big.csv"
    csv.write_text("Deal Name,Amount,Deal Stage,Deal owner\n" + "".join(
        f"Imported deal {i},{i % 900 + 1}00,Lead,Owner {i % 7}\n"
        for i in range(IMPORT_ROWS)))

    rolled_back = False
    for attempt in range(3):  # the write phase is short: a busy machine may miss it
        db = tmp_path / f"pipe{attempt}.db"
        shutil.copyfile(seed, db)
        killed = kill_import_inside_its_transaction(db, csv)
        after = everything(db)
        count = len(after["deals"])
        assert count in (deals_before, deals_before + IMPORT_ROWS), count
        if count == deals_before:
            assert after == before, "a killed import must leave no trace"
        else:  # it committed just before the kill landed: whole, nothing else changed
            assert after["deals"][:deals_before] == before["deals"]
            assert after["schema"] == before["schema"]
        assert_check_passes(db, count)
        if killed and count == deals_before:
            rolled_back = True
            break
    assert rolled_back, "never caught the import inside its write transaction"

    # The file takes the same import whole afterwards (the killed one left no lock).
    done = run_kanban("--db", str(db), "--user", "importer", "import", str(csv))
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"imported big.csv: {IMPORT_ROWS:,} new deals")
    assert scalar(db, "SELECT count(*) FROM deals") == deals_before + IMPORT_ROWS
    assert everything(db)["deals"][:deals_before] == before["deals"]


def test_saves_killed_at_random_points_lose_nothing_committed(tmp_path: Path) -> None:
    db = demo_pipeline(tmp_path / "pipe.db", deals=200)
    before = everything(db)
    ours = len(before["deals"])
    seed = random.randrange(2**32)
    rng = random.Random(seed)
    printed = 0
    for round_number in range(3):
        target = rng.randint(20, 300)
        proc = subprocess.Popen([sys.executable, __file__, "saver", str(db), str(round_number)],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                env=child_env(), cwd=REPO)
        try:
            assert proc.stdout is not None
            for _ in range(target):
                assert proc.stdout.readline(), proc.stderr.read() if proc.stderr else ""
            time.sleep(rng.random() / 100)  # somewhere inside the next few saves
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(timeout=60)
            # Read through the text wrappers: readline() may hold lines in their buffers
            # already, which communicate() (reading the raw pipes) would miss.
            assert proc.stderr is not None
            rest, errors = proc.stdout.read(), proc.stderr.read()
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait(timeout=30)
        assert proc.returncode == -signal.SIGKILL
        assert errors == ""
        printed += target + len(rest.splitlines())
        saved = scalar(db, "SELECT count(*) FROM activities WHERE actor = 'saver'")
        # Every save reported done is in the file; at most the one killed after its
        # commit but before its line is there too.
        assert saved in (printed, printed + 1), (seed, round_number, saved, printed)
        printed = saved
        after = everything(db)
        assert after["deals"][:ours] == before["deals"], f"seed {seed}"
        assert after["activities"][:len(before["activities"])] == before["activities"]
        assert after["schema"] == before["schema"]
        # Each saved deal's version counts its activities: no half-saved change.
        assert scalar(db, "SELECT count(*) FROM deals d WHERE d.id > ? AND d.version !="
                          " (SELECT count(*) FROM activities a WHERE a.deal_id = d.id)",
                      (ours,)) == 0
        assert_check_passes(db, len(after["deals"]))


if __name__ == "__main__" and sys.argv[1:2] == ["saver"]:
    saver(sys.argv[2], int(sys.argv[3]))
