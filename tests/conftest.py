"""Fixtures every test folder may use: a small disk, and both engines (tests.engines)."""

import pytest

from tests.disk import small_disk
from tests.engines import (
    engine_name,
    pg_base,
    pg_url,
    pipeline_target,
    server_schemas,
)

__all__ = ["engine_name", "pg_base", "pg_url", "pipeline_target", "server_schemas",
           "small_disk"]


def pytest_configure(config: pytest.Config) -> None:
    """The markers the tests use."""
    config.addinivalue_line(
        "markers", "file_only(why): about SQLite files; its PostgreSQL run is skipped")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Skip the server run of tests marked file_only, saying why."""
    for item in items:
        marker = item.get_closest_marker("file_only")
        params = getattr(item, "callspec", None)
        if marker and params and params.params.get("engine_name") == "postgresql":
            why = marker.args[0] if marker.args else "it is about the file itself"
            item.add_marker(pytest.mark.skip(reason=f"file engine only: {why}"))
