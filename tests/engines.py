"""Both engines for the tests: a pipeline file, or a fresh schema on a throwaway server.

`pipeline_target` is the one parametrized fixture: each test that uses it runs once on a
file (SQLite) and once on PostgreSQL. The server is KANBAN_PIPE_TEST_PG when set (.ci/run
starts one), else one this session starts where the server binaries are installed; where
none are, the server half skips and says why (with KANBAN_PIPE_REQUIRE_PG=1 it fails
instead, so CI cannot silently skip it). Every test gets a schema of its own, dropped
afterwards, so tests never see each other's rows.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from tests import pg_server

NO_SERVER = ("no PostgreSQL server binaries here (Debian: apt-get install -y postgresql): "
             "the server engine's half of the tests does not run")


@pytest.fixture(scope="session")
def pg_base() -> Iterator[str | None]:
    """The URL of a PostgreSQL server for the session, or None when there is none."""
    given = os.environ.get("KANBAN_PIPE_TEST_PG")
    if given:
        yield given
        return
    if pg_server.server_binaries() is None:
        if os.environ.get("KANBAN_PIPE_REQUIRE_PG"):
            pytest.fail(NO_SERVER)
        yield None
        return
    folder = Path(tempfile.mkdtemp(prefix="kanban-pipe-pg-"))
    try:
        yield pg_server.start(folder)
    finally:
        pg_server.stop(folder)
        shutil.rmtree(folder, ignore_errors=True)


def with_schema(url: str, schema: str) -> str:
    """`url` with the search_path set to `schema` (libpq's `options`)."""
    joiner = "&" if "?" in url else "?"
    return f"{url}{joiner}options={quote(f'-csearch_path={schema}')}"


class ServerSchemas:
    """Makes and drops the tests' schemas, over one admin connection."""

    def __init__(self, base: str) -> None:
        import psycopg

        self.base = base
        self.conn = psycopg.connect(base, autocommit=True)

    def new(self) -> tuple[str, str]:
        """A new empty schema: its name and the URL that uses it."""
        name = f"t_{uuid.uuid4().hex[:12]}"
        self.conn.execute(f"CREATE SCHEMA {name}")
        return name, with_schema(self.base, name)

    def drop(self, name: str) -> None:
        """Drop a test's schema with everything in it."""
        self.conn.execute(f"DROP SCHEMA IF EXISTS {name} CASCADE")


@pytest.fixture(scope="session")
def server_schemas(pg_base: str | None) -> Iterator[ServerSchemas | None]:
    """Schema maker for the session's server (None without a server)."""
    if pg_base is None:
        yield None
        return
    schemas = ServerSchemas(pg_base)
    yield schemas
    schemas.conn.close()


@pytest.fixture
def pg_url(server_schemas: ServerSchemas | None) -> Iterator[str]:
    """The URL of an empty schema of its own on the test server (skips without one)."""
    if server_schemas is None:
        pytest.skip(NO_SERVER)
    name, url = server_schemas.new()
    yield url
    server_schemas.drop(name)


@pytest.fixture(params=["sqlite", "postgresql"])
def engine_name(request: pytest.FixtureRequest) -> str:
    """Which engine this run of the test is on."""
    return str(request.param)


@pytest.fixture
def pipeline_target(engine_name: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    """Where this test's pipeline lives: a file path, or a server URL (see module doc)."""
    if engine_name == "sqlite":
        return str(tmp_path / "pipeline.db")
    return str(request.getfixturevalue("pg_url"))


def file_only(engine_name: str, why: str = "it works on the file itself") -> None:
    """Skip the server half of a test that is about files."""
    if engine_name != "sqlite":
        pytest.skip(f"file engine only: {why}")


class RawRows:
    """The pipeline's rows as another tool would read them, bypassing the store.

    On a file, a plain sqlite3 connection (as the sqlite3 shell or Datasette reads it);
    on a server, a plain psycopg one. SQL is written with SQLite's placeholders.
    """

    def __init__(self, target: str) -> None:
        self.target = target
        self.server = target.startswith("postgresql://")

    def rows(self, sql: str, params: tuple[Any, ...] = ()) -> list[dict[str, Any]]:
        """Rows of a query as dicts."""
        if self.server:
            import psycopg
            from psycopg.rows import dict_row

            from kanban_pipe.store.postgres.sql import bind, translate

            text, names = translate(sql)
            with psycopg.connect(self.target, autocommit=True, row_factory=dict_row) as conn:
                return list(conn.execute(text, bind(names, params) if params else None))
        import sqlite3

        conn = sqlite3.connect(self.target, isolation_level=None)
        conn.row_factory = sqlite3.Row
        try:
            return [dict(row) for row in conn.execute(sql, params).fetchall()]
        finally:
            conn.close()

    def tuples(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        """Rows of a query as tuples (columns may share a name, as count(*) twice)."""
        if self.server:
            import psycopg

            from kanban_pipe.store.postgres.sql import bind, translate

            text, names = translate(sql)
            with psycopg.connect(self.target, autocommit=True) as conn:
                return list(conn.execute(text, bind(names, params) if params else None))
        import sqlite3

        conn = sqlite3.connect(self.target, isolation_level=None)
        try:
            return conn.execute(sql, params).fetchall()
        finally:
            conn.close()

    def execute(self, sql: str, params: tuple[Any, ...] = ()) -> None:
        """Run one statement and commit it, as another tool would."""
        if self.server:
            import psycopg

            from kanban_pipe.store.postgres.sql import bind, translate

            text, names = translate(sql)
            with psycopg.connect(self.target, autocommit=True) as conn:
                conn.execute(text, bind(names, params) if params else None)
            return
        import sqlite3

        conn = sqlite3.connect(self.target, isolation_level=None)
        try:
            conn.execute(sql, params)
        finally:
            conn.close()

    def scalar(self, sql: str, params: tuple[Any, ...] = ()) -> Any:
        """The first column of the first row."""
        found = self.rows(sql, params)
        return next(iter(found[0].values())) if found else None

    def deal(self, deal_id: int) -> dict[str, Any]:
        """The deal's row exactly as stored (deleted ones too)."""
        found = self.rows("SELECT * FROM deals WHERE id = ?", (deal_id,))
        assert found, f"no row for deal {deal_id}"
        return found[0]

    def activities(self, deal_id: int | None = None) -> list[dict[str, Any]]:
        """Activity rows as stored, oldest first, with `changes` decoded from JSON."""
        if deal_id is None:
            found = self.rows("SELECT * FROM activities ORDER BY id")
        else:
            found = self.rows("SELECT * FROM activities WHERE deal_id = ? ORDER BY id",
                              (deal_id,))
        for row in found:
            row["changes"] = json.loads(row["changes"]) if row["changes"] else None
        return found

    def count(self, table: str) -> int:
        """Rows in a table."""
        return int(self.scalar(f"SELECT count(*) FROM {table}"))
