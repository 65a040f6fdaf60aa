"""Benchmark `import`: 100,000 CRM rows read, validated and written, timed a few times.

    python bench/import_bench.py [--rows 100000] [--repeat 3] [--format pipedrive|own]

Each run imports a generated file into a fresh pipeline file through the same code the
`import` command runs (read, validate every row, write in one transaction with an
`imported` activity per deal) and prints the wall time of each phase. Not part of the
test run; see bench/README.md for the figure and how it was measured.
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kanban_pipe.collector import cyclic_gc_paused  # noqa: E402
from kanban_pipe.store import open_store  # noqa: E402
from kanban_pipe.store.transfer import write_import  # noqa: E402
from kanban_pipe.transfer.exporter import export_text  # noqa: E402
from kanban_pipe.transfer.importer import (  # noqa: E402
    ImportOptions,
    prepare_import,
)

PIPEDRIVE = ("Deal - ID", "Deal - Title", "Deal - Value", "Deal - Currency",
             "Deal - Organization", "Deal - Contact person", "Deal - Stage", "Deal - Status",
             "Deal - Owner", "Deal - Expected close date", "Deal - Lost reason",
             "Deal - Source channel")
STAGES = ("Lead", "Qualified", "Proposal", "Commitment")
OWNERS = ("Anna Berg", "Ben Ode", "Carla Diaz", "Dev Rao", "Eli Stone", "Fay Wu")


def pipedrive_file(path: Path, rows: int, seed: int = 7) -> None:
    """A Pipedrive-style export of `rows` deals (varied values, dates and statuses)."""
    pick = random.Random(seed)
    start = date(2026, 1, 1)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(PIPEDRIVE)
        for number in range(1, rows + 1):
            status = pick.choices(("open", "won", "lost"), (8, 1, 1))[0]
            cents = pick.randrange(0, 100)
            writer.writerow((
                number, f"Deal {number} for {pick.choice(('fleet', 'licences', 'pilot'))}",
                f"{pick.randrange(500, 250_000)}" + (f".{cents:02d}" if cents % 3 else ""),
                pick.choice(("EUR", "EUR", "USD")), f"Org {pick.randrange(5000)}",
                f"Contact {pick.randrange(20000)}", pick.choice(STAGES), status,
                pick.choice(OWNERS), (start + timedelta(days=pick.randrange(400))).isoformat(),
                "No budget" if status == "lost" else "", pick.choice(("Web", "Referral", "")),
            ))


def own_file(path: Path, rows: int, work: Path) -> None:
    """kanban-pipe's own CSV export of `rows` deals (imported first from a CRM file)."""
    crm = work / "seed.csv"
    pipedrive_file(crm, rows)
    store = open_store(str(work / "seed.db"), user="bench")
    try:
        plan = prepare_import(store, str(crm), ImportOptions())
        write_import(store, plan.batch, update=False, detail="seed")
        text, _ = export_text(store, file_format="csv", newline="\r\n")
    finally:
        store.close()
    path.write_text(text, encoding="utf-8", newline="")


def run_once(source: Path, work: Path, number: int) -> tuple[float, float, float, int]:
    """Import `source` into a fresh pipeline as `import_file` (the command's code) does.

    Returns (read+validate s, write s, CPU s of both, deals); the CPU time shows how much
    of the wall time was other processes' load on the machine.
    """
    store = open_store(str(work / f"bench-{number}.db"), user="bench")
    try:
        cpu = time.process_time()
        started = time.perf_counter()
        with cyclic_gc_paused():  # as import_file does
            plan = prepare_import(store, str(source), ImportOptions())
            validated = time.perf_counter()
            outcome = write_import(store, plan.batch, update=False,
                                   detail=f"imported from {source.name}")
        written = time.perf_counter()
        cpu = time.process_time() - cpu
        count = store.db.execute("SELECT count(*) FROM deals").fetchone()[0]
        assert count == len(outcome.created) == len(plan.batch)
    finally:
        store.close()
    return validated - started, written - validated, cpu, count


def run_command(source: Path, work: Path, number: int) -> tuple[float, float]:
    """`kanban-pipe import` in a new process: wall and CPU seconds, start-up and exit included.

    Exit includes closing the file, which checkpoints the write-ahead log into it.
    """
    command = [sys.executable, "-m", "kanban_pipe", "--db", str(work / f"cli-{number}.db"),
               "--user", "bench", "import", str(source)]
    before = os.times()
    started = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True, cwd=ROOT)
    wall = time.perf_counter() - started
    after = os.times()
    return wall, (after.children_user - before.children_user
                  + after.children_system - before.children_system)


def main() -> None:
    """Generate the file once, then time `--repeat` imports of it, in-process and as a command."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--format", choices=("pipedrive", "own"), default="pipedrive")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="kanban-import-bench-") as folder:
        work = Path(folder)
        source = work / f"{args.format}.csv"
        (pipedrive_file(source, args.rows) if args.format == "pipedrive"
         else own_file(source, args.rows, work))
        size = source.stat().st_size / 2**20
        print(f"{args.rows:,} rows, {args.format} columns, {size:.1f} MB, "
              f"{os.cpu_count()} CPUs")
        totals, commands = [], []
        for number in range(args.repeat):
            check, write, cpu, count = run_once(source, work, number)
            totals.append(check + write)
            print(f"run {number + 1}: read+validate {check:.2f} s, write {write:.2f} s, "
                  f"total {check + write:.2f} s (CPU {cpu:.2f} s; {count:,} deals; "
                  f"load average {os.getloadavg()[0]:.1f})")
            wall, cpu = run_command(source, work, number)
            commands.append(wall)
            print(f"       kanban-pipe import as a command: {wall:.2f} s (CPU {cpu:.2f} s)")
        print(f"validated and written: best {min(totals):.2f} s, "
              f"median {statistics.median(totals):.2f} s; the command: best "
              f"{min(commands):.2f} s, median {statistics.median(commands):.2f} s")


if __name__ == "__main__":
    main()
