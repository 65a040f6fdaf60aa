"""The committed screenshots are current: regenerating them changes nothing."""

from __future__ import annotations

from pathlib import Path

from kanban_pipe.screenshots import SHOTS, regenerate

COMMITTED = Path(__file__).resolve().parents[2] / "screenshots"


def test_every_shot_is_committed() -> None:
    for shot in SHOTS:
        assert (COMMITTED / f"{shot.name}.svg").is_file(), shot.name
        assert (COMMITTED / f"{shot.name}.png").is_file(), shot.name


def test_screenshots_are_current(tmp_path: Path) -> None:
    # SVG only (no rsvg-convert) to keep it quick; the PNGs are made from the same SVGs.
    stale = [svg.name for svg in regenerate(tmp_path, png=False)
             if svg.read_bytes() != (COMMITTED / svg.name).read_bytes()]
    assert not stale, (f"screenshots out of date: {stale}; "
                       "run `python -m kanban_pipe.screenshots`")
