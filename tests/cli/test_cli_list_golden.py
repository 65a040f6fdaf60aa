"""`list` and `standup` print exactly what they printed before streaming (golden files)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.cli import golden_outputs as golden


@pytest.fixture(scope="module")
def pipeline(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The golden demo pipeline (3,000 deals on the fixed clock), local time UTC."""
    with golden.utc():
        yield golden.build(tmp_path_factory.mktemp("golden") / "golden.db")


@pytest.mark.parametrize("name", sorted(golden.COMMANDS))
def test_output_is_unchanged(pipeline: Path, name: str) -> None:
    with golden.utc():
        printed = golden.output(pipeline, golden.COMMANDS[name])
    wanted = golden.expected(name)
    if printed != wanted:  # the first differing line says more than a 2 MB diff
        lines = zip(printed.splitlines(), wanted.splitlines(), strict=False)
        first = next(((i, a, b) for i, (a, b) in enumerate(lines) if a != b), None)
        pytest.fail(f"{name} differs (line, printed, golden): {first}; "
                    f"{len(printed)} vs {len(wanted)} characters")
