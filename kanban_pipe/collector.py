"""Pausing Python's cycle collector while a command builds many short-lived objects.

Building hundreds of thousands of rows (an import, the demo, `due` at 100,000 deals) or
starting the board makes the collector run over and over, each pass walking every object
made so far; none of those objects are in cycles, and reference counting frees them
anyway. The one helper every such place uses (the domain stays free of it).
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def cyclic_gc_paused() -> Iterator[None]:
    """No cycle collection inside; as it was before, afterwards (also on errors)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def pause() -> None:
    """Stop cycle collection until resume() (the board, until its first frame)."""
    gc.disable()


def paused() -> bool:
    """True while collection is paused."""
    return not gc.isenabled()


def resume(*, freeze: bool = False) -> None:
    """Collect again; with `freeze`, what exists now is left out of later collections
    (it lives as long as the process, and walking it made every pass slower)."""
    if freeze:
        gc.freeze()
    gc.enable()
