"""Benchmark the board in a real pseudo-terminal: first frame, key-to-frame latency, memory.

    python bench/board.py [--sizes 1000,10000,100000] [--repeat N] [--keys N]

For each size it builds (or reuses, see `demo_db`) a demo pipeline, then measures against
a bare Textual app started the same way in the same run:

- first frame: spawn → the end of the first frame (`ESC[?2026l`) whose screen shows the
  board (header line and at least one card); the bare app's is the floor;
- key to frame: the time from writing a key to the end of the first frame that shows its
  effect (cursor moves j/k; deal moves: `<` back, and `y` confirming a `>` forward move),
  one key at a time, after the app has been quiet for 100 ms;
- RSS (VmRSS) once the board is up, and again after the key runs.

See bench/README.md for what the figures mean and the caveats. Not part of the test run.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import re
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import date
from importlib.metadata import version
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _pty import Screen, Terminal

ROOT = Path(__file__).resolve().parent.parent
COLS, ROWS = 140, 40
USER = "anna"
QUIET_S = 0.1
IDLE_CPU_MS = 10  # one clock tick: an idle Textual app wakes for its timers now and then
BARE_TEXT = "bare textual app"
BARE_APP = (
    "from textual.app import App\n"
    "from textual.widgets import Static\n"
    "class Bare(App):\n"
    "    def compose(self):\n"
    f"        yield Static({BARE_TEXT!r})\n"
    "Bare().run()\n"
)
BACK_FORM, BACK_REASON = "Move back from", "bench run"
CARD_RE = re.compile(r"▌ #(\d+) ")
OPEN_RE = re.compile(r"· (\d+) open")
# Targets from issue 3: ratio at 10k / 100k, latency median / p90, RSS MiB at 10k / 100k.
RATIO_TARGET = {10_000: 1.6, 100_000: 2.0}
RSS_TARGET = {10_000: 100.0, 100_000: 200.0}
MEDIAN_TARGET_MS, P90_TARGET_MS = 25.0, 50.0


# -- demo databases -------------------------------------------------------------------


def _fingerprint() -> str:
    """Changes when the demo generator or the schema changes, so the cache never goes stale."""
    digest = hashlib.sha1()
    for name in ("store/bulk.py", "domain/demo.py", "store/schema.py", "domain/stages.py"):
        path = ROOT / "kanban_pipe" / name
        digest.update(path.read_bytes() if path.exists() else b"")
    return digest.hexdigest()[:10]


def demo_db(deals: int, seed: int, cache: Path, *, rebuild: bool = False) -> Path:
    """A pristine demo pipeline of `deals` deals, built once per size, seed, day and code.

    The key holds today's date because demo data is laid out relative to today (what is
    stale or overdue), and a fingerprint of the generator and schema sources.
    """
    cache.mkdir(parents=True, exist_ok=True)
    path = cache / f"demo-{deals}-seed{seed}-{date.today()}-{_fingerprint()}.db"
    if path.exists() and not rebuild:
        return path
    building = path.with_suffix(".building")
    for suffix in ("", "-wal", "-shm"):
        Path(f"{building}{suffix}").unlink(missing_ok=True)
    # --db and --user after the command: given before it they are not applied.
    subprocess.run(
        [sys.executable, "-m", "kanban_pipe", "demo", "--db", str(building), "--user", USER,
         "--deals", str(deals), "--seed", str(seed), "--no-open"],
        check=True, cwd=ROOT, env=_clean_env(), stdout=subprocess.DEVNULL)
    conn = sqlite3.connect(building)
    try:  # fold the WAL in: one file to copy
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()
    for suffix in ("-wal", "-shm"):
        Path(f"{building}{suffix}").unlink(missing_ok=True)
    os.replace(building, path)
    for stale in cache.glob(f"demo-{deals}-seed{seed}-*.db"):  # older days or code
        if stale != path:
            stale.unlink()
    return path


def working_copy(pristine: Path, workdir: Path) -> Path:
    """A copy the benchmark may change (deal moves write to it)."""
    target = workdir / pristine.name
    shutil.copyfile(pristine, target)
    return target


# -- one program in a terminal ------------------------------------------------------------


def _clean_env() -> dict[str, str]:
    """This environment without settings that would change how either app runs.

    PYTHONDONTWRITEBYTECODE goes too: with it, every start compiled kanban-pipe's modules
    from source again (~20 ms), while Textual's came from its installed .pyc files. An
    installed kanban-pipe has its .pyc files too; the untimed warm-up start writes them.
    """
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("TEXTUAL", "KANBAN_PIPE", "COLORTERM"))}
    env.pop("TERM_PROGRAM", None)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


@dataclass(frozen=True)
class Start:
    """One start: wall time from spawn to the first full frame, and CPU time used by then."""

    ms: float
    cpu_ms: float


def start(argv: list[str], ready: Callable[[Screen], bool]) -> tuple[Terminal, Start]:
    """Spawn `argv` in a terminal; return it and how long its first full frame took."""
    term = Terminal(argv, cols=COLS, rows=ROWS, env=_clean_env(), cwd=str(ROOT))
    spawned = term.spawn()
    try:
        frame = term.wait_frame(ready, timeout=120)
        cpu = term.cpu_ms()
    except BaseException:
        term.close(quit_keys=b"")
        raise
    return term, Start((frame.at - spawned) * 1000, cpu)


def bare_argv() -> list[str]:
    """The floor: a minimal Textual app, run by the same interpreter."""
    return [sys.executable, "-c", BARE_APP]


def board_argv(db: Path) -> list[str]:
    """The real board, started the way a user starts it."""
    return [sys.executable, "-m", "kanban_pipe", "--db", str(db), "--user", USER]


def bare_ready(screen: Screen) -> bool:
    """The bare app's text is on screen."""
    return BARE_TEXT in screen.line(0)


def board_ready(screen: Screen) -> bool:
    """The board's header and at least one card are on screen."""
    return "kanban-pipe ·" in screen.line(0) and CARD_RE.search(screen.text()) is not None


def first_frame_bare() -> Start:
    """Start the bare app once, then quit it."""
    term, first = start(bare_argv(), bare_ready)
    term.close(quit_keys=b"\x11")  # ctrl+q
    return first


def first_frame_board(db: Path) -> Start:
    """Start the board once, then quit it."""
    term, first = start(board_argv(db), board_ready)
    term.close()
    return first


# -- keys ---------------------------------------------------------------------------------


def columns(screen: Screen) -> list[tuple[int, int]]:
    """The x ranges of the stage columns, from the top borders (`╭`) under the header."""
    row = screen.line(1)
    starts = [x for x, char in enumerate(row) if char == "╭"]
    return [(x, end) for x, end in zip(starts, [*starts[1:], screen.cols], strict=True)]


def card_in(screen: Screen, deal_id: int, span: tuple[int, int]) -> bool:
    """Deal `deal_id`'s card title is shown between these columns of the screen."""
    return bool(screen.find(f"▌ #{deal_id} ", *span))


@dataclass(frozen=True)
class Sample:
    """One key: ms from writing it to the frame showing its effect, and the main thread's
    CPU ms in that time (less sensitive than wall time to other load on the machine)."""

    ms: float
    cpu_ms: float


def key(term: Terminal, keys: bytes, shows: Callable[[Screen], bool]) -> Sample:
    """Send `keys` once the app is quiet; time until the first frame that `shows` the effect."""
    term.wait_quiet(QUIET_S)
    cpu = term.main_thread_cpu_ms()
    sent = term.send(keys)
    frame = term.wait_frame(shows, after=sent, timeout=30)
    return Sample((frame.at - sent) * 1000, term.main_thread_cpu_ms() - cpu)


def changed_from(term: Terminal) -> Callable[[Screen], bool]:
    """A check that the screen (text or colours) differs from what it is now."""
    before = ([list(r) for r in term.screen.chars], [list(r) for r in term.screen.attrs])
    return lambda s: (s.chars, s.attrs) != before


@dataclass
class KeyRun:
    """Latencies of one key session, in ms, and memory."""

    cursor: list[Sample] = field(default_factory=list)
    back: list[Sample] = field(default_factory=list)
    forward: list[Sample] = field(default_factory=list)
    dialog: list[Sample] = field(default_factory=list)
    back_form: list[Sample] = field(default_factory=list)
    rss_up: float = 0.0
    rss_after: float = 0.0

    @property
    def moves(self) -> list[Sample]:
        """Back and forward moves together (the table's "deal move")."""
        return self.back + self.forward


def wait_idle(term: Terminal, *, window: float = 0.3, timeout: float = 60.0) -> None:
    """Wait until the app has neither written nor used CPU for `window` seconds.

    Output alone is not enough: the board reads its full columns in a worker after the
    first frame, which writes nothing until it is done.
    """
    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline:
        before, since = term.cpu_ms(), time.perf_counter()
        while time.perf_counter() - since < window:
            term.pump(window - (time.perf_counter() - since))
        if (term.cpu_ms() - before <= IDLE_CPU_MS
                and time.perf_counter() - term.last_output_at >= window):
            return
    raise TimeoutError("the app did not become idle")


def key_run(term: Terminal, samples: int) -> KeyRun:
    """Cursor moves down then up the first column; then one deal moved back and forth."""
    run = KeyRun()
    wait_idle(term)
    run.rss_up = term.rss_mib()
    half = max(1, samples // 2)
    for keys in [b"j"] * half + [b"k"] * (samples - half):
        run.cursor.append(key(term, keys, changed_from(term)))
    # Focus column 2; its first card (under the cursor) is the deal that moves.
    key(term, b"l", changed_from(term))
    spans = columns(term.screen)
    found = CARD_RE.search(_column_text(term.screen, spans[1]))
    if not found:
        raise RuntimeError("column 2 is empty: no deal to move")
    deal = int(found.group(1))

    def moved(to: int, away: int) -> Callable[[Screen], bool]:
        return lambda s: (card_in(s, deal, spans[to]) and not card_in(s, deal, spans[away])
                          and "Confirm (y)" not in s.text() and BACK_FORM not in s.text())

    for _ in range(half):
        # A move back asks where to and why (a form since 626fb9a): `<` opens it with the
        # stage before chosen (timed as "back form"), enter goes on to the reason, typed
        # untimed; the enter that saves it is the timed move, as `y` is for a move forward.
        run.back_form.append(key(term, b"<", lambda s: BACK_FORM in s.text()))
        key(term, b"\r" + BACK_REASON.encode(), lambda s: BACK_REASON in s.text())
        run.back.append(key(term, b"\r", moved(0, 1)))
        run.dialog.append(key(term, b">", lambda s: "Confirm (y)" in s.text()))
        run.forward.append(key(term, b"y", moved(1, 0)))
    wait_idle(term)
    run.rss_after = term.rss_mib()
    return run


def _column_text(screen: Screen, span: tuple[int, int]) -> str:
    return "\n".join(screen.line(y)[span[0]:span[1]] for y in range(screen.rows))


# -- figures ------------------------------------------------------------------------------


def p90(values: list[float]) -> float:
    """Nearest-rank 90th percentile."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(0.9 * len(ordered)) - 1)]


@dataclass
class SizeResult:
    """Everything measured at one size."""

    deals: int
    on_board: int
    bare: list[Start]
    board: list[Start]
    keys: KeyRun

    @property
    def bare_ms(self) -> float:
        """Median first frame of the bare app."""
        return statistics.median(s.ms for s in self.bare)

    @property
    def board_ms(self) -> float:
        """Median first frame of the board."""
        return statistics.median(s.ms for s in self.board)

    @property
    def ratio(self) -> float:
        """Board over bare, both medians."""
        return self.board_ms / self.bare_ms


def measure(deals: int, seed: int, repeat: int, samples: int, cache: Path,
            workdir: Path, rebuild: bool) -> SizeResult:
    """Build the data, then alternate bare and board starts, then run the keys."""
    print(f"[{deals:,} deals] demo database…", file=sys.stderr, flush=True)
    db = working_copy(demo_db(deals, seed, cache, rebuild=rebuild), workdir)
    first_frame_bare(), first_frame_board(db)  # warm-up: page cache, .pyc files
    bare: list[Start] = []
    board: list[Start] = []
    for i in range(repeat):
        bare.append(first_frame_bare())
        board.append(first_frame_board(db))
        print(f"[{deals:,} deals] start {i + 1}/{repeat}: bare {bare[-1].ms:.0f} ms, "
              f"board {board[-1].ms:.0f} ms", file=sys.stderr, flush=True)
    term, _ = start(board_argv(db), board_ready)
    try:
        found = OPEN_RE.search(term.screen.line(0))
        keys = key_run(term, samples)
    finally:
        term.close()
    return SizeResult(deals, int(found.group(1)) if found else -1, bare, board, keys)


def _mark(ok: bool | None) -> str:
    return "" if ok is None else (" ok" if ok else " MISS")


def table(results: list[SizeResult]) -> str:
    """The summary table (medians; milliseconds, MiB) with each target's verdict."""
    head = ("| size (open) | bare first frame ms | board first frame ms | ratio "
            "| cursor move median/p90 ms | deal move median/p90 ms | RSS MiB up/after keys |")
    lines = [head, "|" + "---|" * 7]
    for r in results:
        ratio_target = RATIO_TARGET.get(r.deals)
        lat = []
        for samples in (r.keys.cursor, r.keys.moves):
            values = [s.ms for s in samples]
            med, top = statistics.median(values), p90(values)
            lat.append(f"{med:.1f} / {top:.1f}"
                       + _mark(med <= MEDIAN_TARGET_MS and top <= P90_TARGET_MS))
        rss_target = RSS_TARGET.get(r.deals)
        rss = max(r.keys.rss_up, r.keys.rss_after)
        lines.append(
            f"| {r.deals:,} ({r.on_board:,}) | {r.bare_ms:.0f} | {r.board_ms:.0f} "
            f"| {r.ratio:.2f}{_mark(None if ratio_target is None else r.ratio <= ratio_target)} "
            f"| {lat[0]} | {lat[1]} "
            f"| {r.keys.rss_up:.0f} / {r.keys.rss_after:.0f}"
            f"{_mark(None if rss_target is None else rss <= rss_target)} |")
    return "\n".join(lines)


def details(results: list[SizeResult]) -> str:
    """Every start (wall and CPU ms) and the latency of each key kind."""
    lines = []
    for r in results:
        lines.append(f"{r.deals:,} deals ({r.on_board:,} open on the board)")
        for name, starts in (("bare", r.bare), ("board", r.board)):
            cpu = statistics.median(s.cpu_ms for s in starts)
            lines.append(f"  start {name:<6} wall {_ms([s.ms for s in starts])}"
                         f"; CPU by first frame, median {cpu:.0f} ms")
        for name, samples in (("cursor j/k", r.keys.cursor), ("move back enter", r.keys.back),
                              ("move forward y", r.keys.forward),
                              ("confirm dialog >", r.keys.dialog),
                              ("back form <", r.keys.back_form)):
            values = [s.ms for s in samples]
            cpu = statistics.median(s.cpu_ms for s in samples)
            lines.append(f"  {name:<17} n={len(values):<3} median {statistics.median(values):6.1f}"
                         f"  p90 {p90(values):6.1f}  max {max(values):6.1f} ms"
                         f"; main-thread CPU median {cpu:5.1f} ms")
    return "\n".join(lines)


def _ms(values: list[float]) -> str:
    return ", ".join(f"{v:.0f}" for v in values) + " ms"


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,10000,100000",
                        help="deal counts, comma-separated (default: 1000,10000,100000)")
    parser.add_argument("--repeat", type=int, default=5,
                        help="timed starts of each app per size (default: 5)")
    parser.add_argument("--keys", type=int, default=50,
                        help="samples per key kind (default: 50)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--cache", type=Path,
                        default=Path(tempfile.gettempdir()) / "kanban-pipe-bench",
                        help="where demo databases are kept between runs")
    parser.add_argument("--rebuild", action="store_true", help="rebuild cached databases")
    parser.add_argument("--json", type=Path, help="also write the raw figures here")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    print(f"demo databases are cached in {args.cache} (by size, seed, day and code)",
          file=sys.stderr)
    load_before = os.getloadavg()[0]
    results = []
    with tempfile.TemporaryDirectory(prefix="kanban-pipe-bench-") as workdir:
        for deals in sizes:
            results.append(measure(deals, args.seed, args.repeat, args.keys, args.cache,
                                   Path(workdir), args.rebuild))
    print(f"python {sys.version.split()[0]}, textual {version('textual')}, "
          f"sqlite {sqlite3.sqlite_version}, {os.cpu_count()} cpus, terminal {COLS}x{ROWS}, "
          f"load average {load_before:.1f} before / {os.getloadavg()[0]:.1f} after")
    print()
    print(table(results))
    print()
    print(details(results))
    if args.json:
        args.json.write_text(json.dumps([asdict(r) for r in results], indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
