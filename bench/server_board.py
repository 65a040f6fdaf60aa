"""Benchmark the board on a PostgreSQL server against the same board on a file, in one run.

    python bench/server_board.py [--sizes 10000,100000] [--repeat N] [--keys N] [--pg URL]

For each size, the demo pipeline of bench/board.py is copied onto a fresh database of a
local server (`kanban-pipe copy`), then the board is started on the file and on the server
in turns (`--repeat` starts each, after one untimed start of each), and the same key
session (cursor moves, a deal moved back and forth) runs on both. The figures are the
ratios server / file of the medians: the team-server issue's target is 1.3 for the first
frame and for key to frame. Without `--pg` a throwaway server is started (as the tests do:
tests/pg_server.py) and stopped after. Not part of the test run.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import board as file_bench  # noqa: E402
from tests import pg_server  # noqa: E402

TARGET = 1.3


def server_copy(pristine: Path, base: str, name: str) -> str:
    """A fresh database `name` on the server holding the demo file's pipeline."""
    import psycopg

    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {name}")
    url = base.replace("postgresql:///postgres", f"postgresql:///{name}", 1)
    subprocess.run([sys.executable, "-m", "kanban_pipe", "copy", str(pristine), url],
                   check=True, capture_output=True, cwd=file_bench.ROOT)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")  # as a server's autovacuum would have, by then
    return url


def starts(target: str, repeat: int) -> list[float]:
    """First-frame times (ms) of `repeat` starts, after one untimed start."""
    file_bench.first_frame_board(target)  # type: ignore[arg-type]
    return [file_bench.first_frame_board(target).ms  # type: ignore[arg-type]
            for _ in range(repeat)]


def keys(target: str, samples: int) -> file_bench.KeyRun:
    """One key session on the board at `target`."""
    term, _ = file_bench.start(file_bench.board_argv(target),  # type: ignore[arg-type]
                               file_bench.board_ready)
    try:
        return file_bench.key_run(term, samples)
    finally:
        term.close()


def median(samples: list[file_bench.Sample]) -> float:
    """Median ms of key samples."""
    return statistics.median(s.ms for s in samples)


def measure(deals: int, base: str, repeat: int, samples: int, cache: Path) -> list[str]:
    """The lines of one size's figures."""
    pristine = file_bench.demo_db(deals, 1, cache)
    with tempfile.TemporaryDirectory() as workdir:
        on_file = str(file_bench.working_copy(pristine, Path(workdir)))
        on_server = server_copy(pristine, base, f"bench_{deals}")
        file_ms, server_ms = [], []
        file_bench.first_frame_board(on_file)  # type: ignore[arg-type]
        file_bench.first_frame_board(on_server)  # type: ignore[arg-type]
        for _ in range(repeat):  # in turns, so both meet the same load on the machine
            file_ms.append(file_bench.first_frame_board(on_file).ms)  # type: ignore[arg-type]
            server_ms.append(file_bench.first_frame_board(on_server).ms)  # type: ignore[arg-type]
        file_keys, server_keys = keys(on_file, samples), keys(on_server, samples)
    first = statistics.median(server_ms) / statistics.median(file_ms)
    cursor = median(server_keys.cursor) / median(file_keys.cursor)
    moves = median(server_keys.moves) / median(file_keys.moves)
    verdict = "met" if max(first, cursor, moves) <= TARGET else "MISSED"
    return [
        f"{deals:>7,} deals  first frame: file {statistics.median(file_ms):6.0f} ms, "
        f"server {statistics.median(server_ms):6.0f} ms, ratio {first:.2f}",
        f"{'':>14}cursor move: file {median(file_keys.cursor):6.1f} ms, server "
        f"{median(server_keys.cursor):6.1f} ms, ratio {cursor:.2f}",
        f"{'':>14}deal move:   file {median(file_keys.moves):6.1f} ms, server "
        f"{median(server_keys.moves):6.1f} ms, ratio {moves:.2f}"
        f"   (target <= {TARGET}: {verdict})",
    ]


def main() -> int:
    """Run the sizes asked for and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--keys", type=int, default=20)
    parser.add_argument("--pg", help="a server to use (default: a throwaway one)")
    parser.add_argument("--cache", type=Path,
                        default=Path(tempfile.gettempdir()) / "kanban-pipe-bench")
    args = parser.parse_args()
    folder = None
    base = args.pg
    if base is None:
        folder = Path(tempfile.mkdtemp(prefix="kanban-pipe-bench-pg-"))
        base = pg_server.start(folder)
    try:
        lines = []
        for size in (int(s) for s in args.sizes.split(",")):
            print(f"{size:,} deals…", file=sys.stderr)
            lines += measure(size, base, args.repeat, args.keys, args.cache)
        print("\n".join(lines))
        print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
    finally:
        if folder is not None:
            pg_server.stop(folder)
            shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
