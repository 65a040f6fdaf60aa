"""Snapshot fixtures: the seeded pipeline of tests/ui, and local time pinned to UTC."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from kanban_pipe.store import PipelineStore, open_store
from tests.ui.conftest import NOW, Clock, seed


@pytest.fixture(autouse=True)
def utc_local_time() -> Iterator[None]:
    """Timestamps are shown in local time: pin it, so the SVGs match on every machine."""
    before = os.environ.get("TZ")
    os.environ["TZ"] = "UTC"
    time.tzset()
    yield
    if before is None:
        del os.environ["TZ"]
    else:
        os.environ["TZ"] = before
    time.tzset()


@pytest.fixture
def store(tmp_path: Path) -> Iterator[PipelineStore]:
    """The seeded pipeline of tests/ui (one card per highlight), opened as anna."""
    clock = Clock(NOW)
    pipeline = open_store(str(tmp_path / "board.db"), user="anna", clock=clock)
    seed(pipeline, clock)
    yield pipeline
    pipeline.close()
