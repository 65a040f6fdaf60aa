"""Benchmark the command line at 100,000 deals: each command a fresh process, against --version.

    python bench/cli_bench.py [--deals 100000] [--repeat 7] [--db FILE] [--json PATH]

On a demo pipeline (built once and cached as bench/board.py does, or the `--db` file given;
worked on in a copy) it runs every command as its own process, the way a script or a shell
prompt does, with `kanban-pipe --version` run just before each one: the same start-up with
nothing to do. It reports the median wall time, the ratio to --version's median in the same
run and the peak resident memory, against the targets of issue 12 (and `due`'s of issue 13),
each marked PASS or FAIL, then how many pass. Output goes to /dev/null, so a reader's own
speed (a pipe, a terminal) is not in the figures. Exits 1 when a target fails. Not part of
the test run.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from board import ROOT, USER, _clean_env, demo_db, working_copy

# Issue 12: single-deal commands at most 2x --version; list (JSON and table) at most
# 1.5 s and 120 MiB; standup JSON and stats JSON at most 1 s. Issue 13: `due` at most 2x.
SINGLE_RATIO = 2.0
LIST_SECONDS, LIST_MIB = 1.5, 120.0
REPORT_SECONDS = 1.0


@dataclass
class Figures:
    """The runs of one command: wall seconds and peak RSS (MiB) of each."""

    label: str
    argv: list[str]
    seconds: list[float]
    mib: list[float]
    codes: tuple[int, ...] = (0,)  # exit statuses that mean it worked
    cpu: list[float] = field(default_factory=list)  # user + system seconds of each run

    @property
    def median(self) -> float:
        """Median wall seconds."""
        return statistics.median(self.seconds)


@dataclass
class Target:
    """One target of the issues: the figure measured, its limit, and whether it is met."""

    command: str
    figure: str
    limit: str
    ok: bool


def launcher() -> list[str]:
    """The installed console script next to this Python, else `python -m kanban_pipe`."""
    script = Path(sys.executable).with_name("kanban-pipe")
    return [str(script)] if script.exists() else [sys.executable, "-m", "kanban_pipe"]


def run_once(argv: list[str], ok_codes: tuple[int, ...] = (0,)) -> tuple[float, float, float]:
    """Wall seconds, peak RSS (MiB) and CPU seconds of one process running `argv` to its
    end (an exit status outside `ok_codes` stops the benchmark)."""
    started = time.perf_counter()
    child = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE, cwd=ROOT, env=_clean_env())
    assert child.stderr is not None
    error = child.stderr.read()
    _pid, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - started
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode not in ok_codes:
        raise SystemExit(f"{' '.join(argv)} exited {child.returncode}: {error.decode()}")
    return seconds, usage.ru_maxrss / 1024, usage.ru_utime + usage.ru_stime


def open_lead(db: Path) -> int:
    """An open deal in the first stage with no next step: the single-deal commands' deal."""
    conn = sqlite3.connect(db)
    try:
        row = conn.execute(
            "SELECT d.id FROM deals d JOIN stages s ON s.key = d.stage WHERE d.status = 'open'"
            " AND d.deleted_at IS NULL AND d.next_action IS NULL AND d.id >= 500"
            " ORDER BY s.position, d.id LIMIT 1").fetchone()
    finally:
        conn.close()
    if row is None:
        raise SystemExit("no open deal without a next step in the demo pipeline")
    return int(row[0])


def commands(deal: int) -> tuple[list[tuple[str, list[str]]], list[tuple[str, list[str]]]]:
    """(single-deal commands in an order that leaves the deal as it was, listings)."""
    ref = str(deal)
    single = [
        ("show", ["show", ref]),
        # A forward move claims a milestone: the CLI asks for --confirm (since 46d4a5e).
        ("move next", ["move", ref, "next", "--confirm"]),
        ("move back", ["move", ref, "back"]),
        ("next", ["next", ref, "Call", "the", "CFO", "--due", "fri"]),
        ("done", ["done", ref]),
        ("log", ["log", ref, "--kind", "note", "Benchmark", "note"]),
        ("add", ["add", "Bench", "deal", "--value", "12k"]),
        ("undo", ["undo"]),  # undoes the add
        ("due", ["due"]),  # exits 1 when something is due (it is, in the demo)
    ]
    listings = [
        ("list --json", ["list", "--json"]),
        ("list", ["list"]),
        ("list --format jsonl", ["list", "--format", "jsonl"]),
        ("list --format csv", ["list", "--format", "csv"]),
        ("list --stale", ["list", "--stale"]),
        ("standup --format json", ["standup", "--format", "json"]),
        ("standup", ["standup"]),
        ("stats --json", ["stats", "--json"]),
    ]
    return single, listings


def measure(db: Path, repeat: int) -> tuple[Figures, list[Figures]]:
    """--version's figures and every command's, interleaved run by run."""
    base = [*launcher(), "--db", str(db), "--user", USER]
    version = Figures("--version", [*launcher(), "--version"], [], [])
    single, listings = commands(open_lead(db))
    figures = [Figures(label, [*base, *args], [], [], (0, 1) if label == "due" else (0,))
               for label, args in single + listings]
    for group in (figures[:len(single)], figures[len(single):]):
        for entry in group:  # untimed: page cache, .pyc files, an integrity check due
            run_once(version.argv)
            run_once(entry.argv, entry.codes)
        for _round in range(repeat):
            for entry in group:
                for target, (seconds, mib, cpu) in (
                        (version, run_once(version.argv)),
                        (entry, run_once(entry.argv, entry.codes))):
                    target.seconds.append(seconds)
                    target.mib.append(mib)
                    target.cpu.append(cpu)
            print(".", end="", file=sys.stderr, flush=True)
    print(file=sys.stderr)
    return version, figures


def targets(version: Figures, figures: list[Figures], singles: set[str]) -> list[Target]:
    """Each target of issues 12 and 13 with its figure, in the order of the commands."""
    found = []
    for entry in figures:
        ratio = entry.median / version.median
        if entry.label in singles:
            found.append(Target(entry.label, f"{entry.median:.3f} s = {ratio:.2f}x --version",
                                f"<= {SINGLE_RATIO:.1f}x", ratio <= SINGLE_RATIO))
        elif entry.label in ("list --json", "list"):
            found.append(Target(entry.label, f"{entry.median:.3f} s wall", f"<= {LIST_SECONDS} s",
                                entry.median <= LIST_SECONDS))
            peak = max(entry.mib)
            found.append(Target(entry.label, f"{peak:.0f} MiB peak RSS", f"<= {LIST_MIB:.0f} MiB",
                                peak <= LIST_MIB))
        elif entry.label in ("standup --format json", "stats --json"):
            found.append(Target(entry.label, f"{entry.median:.3f} s wall",
                                f"<= {REPORT_SECONDS} s", entry.median <= REPORT_SECONDS))
    return found


def table(version: Figures, figures: list[Figures], found: list[Target],
          open_deals: int) -> str:
    """The figures as a Markdown table, then each target with PASS or FAIL, then the count."""
    lines = [f"{open_deals:,} open deals; median of {len(figures[0].seconds)} runs each, "
             f"--version {version.median * 1000:.0f} ms "
             f"({statistics.median(version.cpu) * 1000:.0f} ms CPU), {max(version.mib):.0f} MiB",
             "",
             "| command | median s | min-max s | CPU s | x --version | peak MiB | target | |",
             "|---|---:|---:|---:|---:|---:|---|---|"]
    for entry in figures:
        mine = [t for t in found if t.command == entry.label]
        verdict = " ".join("PASS" if t.ok else "FAIL" for t in mine)
        lines.append(
            f"| `{entry.label}` | {entry.median:.3f} | {min(entry.seconds):.3f}-"
            f"{max(entry.seconds):.3f} | {statistics.median(entry.cpu):.3f} | "
            f"{entry.median / version.median:.2f} | "
            f"{max(entry.mib):.0f} | {', '.join(t.limit for t in mine)} | {verdict} |")
    lines += ["", "Targets (issue 12; `due`: issue 13):"]
    width = max(len(t.command) for t in found)
    lines += [f"  {'PASS' if t.ok else 'FAIL'}  {t.command:<{width}}  {t.figure:<28} {t.limit}"
              for t in found]
    passed = sum(t.ok for t in found)
    lines.append(f"{passed} of {len(found)} targets pass")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Build or reuse the demo pipeline, measure, print the table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--deals", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=7, help="timed runs of each command")
    parser.add_argument("--cache", type=Path,
                        default=Path(tempfile.gettempdir()) / "kanban-pipe-bench",
                        help="where demo pipelines are kept between runs")
    parser.add_argument("--rebuild", action="store_true", help="rebuild the cached pipeline")
    parser.add_argument("--db", type=Path,
                        help="a demo pipeline built already (`kanban-pipe demo --deals N"
                             " --seed S --db FILE --no-open`), measured on a copy; --deals"
                             " and --seed then only label it")
    parser.add_argument("--json", type=Path, help="also write the raw figures here")
    args = parser.parse_args(argv)
    pristine = args.db or demo_db(args.deals, args.seed, args.cache, rebuild=args.rebuild)
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="kanban-pipe-cli-bench-") as workdir:
        db = working_copy(pristine, Path(workdir))
        conn = sqlite3.connect(db)
        open_deals = conn.execute(
            "SELECT count(*) FROM deals WHERE status = 'open' AND deleted_at IS NULL"
        ).fetchone()[0]
        conn.close()
        version, figures = measure(db, args.repeat)
    load_after = os.getloadavg()
    floor = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"kanban-pipe CLI, {args.deals:,} demo deals (seed {args.seed}); {os.cpu_count()} "
          f"cores; Python {sys.version.split()[0]}, SQLite {sqlite3.sqlite_version}")
    print(f"load average before {load_before[0]:.2f} / {load_before[1]:.2f} / "
          f"{load_before[2]:.2f}, after {load_after[0]:.2f} / {load_after[1]:.2f} / "
          f"{load_after[2]:.2f}")
    print(f"(peak RSS of a child counts at least this benchmark's own, {floor:.0f} MiB)\n")
    found = targets(version, figures, {label for label, _ in commands(0)[0]})
    print(table(version, figures, found, open_deals))
    if args.json:
        args.json.write_text(json.dumps(
            {"deals": args.deals, "load_before": load_before, "load_after": load_after,
             "version": asdict(version), "commands": [asdict(f) for f in figures],
             "targets": [asdict(t) for t in found]},
            indent=2), encoding="utf-8")
    return 0 if all(t.ok for t in found) else 1


if __name__ == "__main__":
    sys.exit(main())
