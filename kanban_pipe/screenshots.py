"""Regenerate the README's screenshots from deterministic demo data and a fixed clock.

Run `python -m kanban_pipe.screenshots [FOLDER]` (default: ./screenshots). Each image is
an SVG exported by Textual, plus a PNG where `rsvg-convert` (librsvg2-bin) is installed.
Running it twice gives identical files.
"""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from kanban_pipe.store import PipelineStore, open_store
from kanban_pipe.store.bulk import load_demo
from kanban_pipe.ui.app import PipelineApp, create_app

NOW = datetime(2026, 11, 25, 9, 30, tzinfo=UTC)
TODAY = date(2026, 11, 25)
DEMO_DEALS = 120
DEMO_SEED = 7

Steps = Callable[[object], Awaitable[None]]


@dataclass(frozen=True)
class Shot:
    """One screenshot: its file name, terminal size and the keys that lead to it."""

    name: str
    keys: tuple[str, ...] = ()
    size: tuple[int, int] = (140, 40)
    wait: float = 0.3


SHOTS: tuple[Shot, ...] = (
    Shot("board"),
    Shot("board-80x24", size=(80, 24)),
    Shot("card-highlights", keys=("l", "l", "j")),
    Shot("deal-detail", keys=("l", "enter")),
    Shot("next-step-form", keys=("s", *"Send the contract", "tab", "tab", *"fri")),
    Shot("filtered-board", keys=("slash", *"fleet", "enter")),
    Shot("review", keys=("r", "enter"), wait=0.5),
    Shot("statistics", keys=("f",), wait=0.5),
    Shot("forecast-call", keys=("f", "4"), wait=0.5),
    Shot("help", keys=("question_mark",)),
)


def build_demo(folder: Path) -> PipelineStore:
    """A fresh demo pipeline, the same every time (fixed seed and clock)."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "demo.db"
    store = open_store(str(path), user="anna", clock=lambda: NOW)
    load_demo(store, deals=DEMO_DEALS, seed=DEMO_SEED)
    return store


async def _capture(app: PipelineApp, shot: Shot) -> str:
    async with app.run_test(size=shot.size) as pilot:
        await pilot.pause(shot.wait)
        await app.workers.wait_for_complete()
        for key in shot.keys:
            await pilot.press(key)
        await pilot.pause(shot.wait)
        await app.workers.wait_for_complete()
        await pilot.pause()
        return app.export_screenshot(title=f"kanban-pipe — {shot.name}")


def _png(svg: Path) -> None:
    converter = shutil.which("rsvg-convert")
    if converter:
        subprocess.run([converter, "-w", "1400", str(svg), "-o", str(svg.with_suffix(".png"))],
                       check=True)


def regenerate(out: Path, shots: tuple[Shot, ...] = SHOTS, *, png: bool = True) -> list[Path]:
    """Write every screenshot into `out`; return the SVG paths."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    with tempfile.TemporaryDirectory() as scratch:
        for shot in shots:
            # A fresh copy per shot: no screenshot depends on keys pressed for another.
            store = build_demo(Path(scratch) / shot.name)
            app = create_app(store, today=lambda: TODAY, db_label="demo.db")
            svg = out / f"{shot.name}.svg"
            svg.write_text(asyncio.run(_capture(app, shot)), encoding="utf-8")
            store.close()
            if png:
                _png(svg)
            written.append(svg)
    return written


def main(argv: list[str] | None = None) -> int:
    """Regenerate the screenshots into the folder given (default ./screenshots)."""
    args = sys.argv[1:] if argv is None else argv
    out = Path(args[0]) if args else Path("screenshots")
    for path in regenerate(out):
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
