"""`list` and `standup` print exactly what they printed before streaming (golden files),
on a file and on a server alike."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.cli import golden_outputs as golden
from tests.engines import NO_SERVER


@pytest.fixture(scope="module", params=["file", "server"])
def pipeline(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory,
             server_schemas: Any) -> Iterator[Path | str]:
    """The golden demo pipeline (3,000 deals on the fixed clock) in a file, and in a
    schema on the test server; local time UTC."""
    with golden.utc():
        if request.param == "file":
            yield golden.build(tmp_path_factory.mktemp("golden") / "golden.db")
            return
        if server_schemas is None:
            pytest.skip(NO_SERVER)
        schema, url = server_schemas.new()
        try:
            yield golden.build(url)
        finally:
            server_schemas.drop(schema)


@pytest.mark.parametrize("name", sorted(golden.COMMANDS))
def test_output_is_unchanged(pipeline: Path | str, name: str) -> None:
    with golden.utc():
        printed = golden.output(pipeline, golden.COMMANDS[name])
    wanted = golden.expected(name)
    if printed != wanted:  # the first differing line says more than a 2 MB diff
        lines = zip(printed.splitlines(), wanted.splitlines(), strict=False)
        first = next(((i, a, b) for i, (a, b) in enumerate(lines) if a != b), None)
        pytest.fail(f"{name} differs (line, printed, golden): {first}; "
                    f"{len(printed)} vs {len(wanted)} characters")
