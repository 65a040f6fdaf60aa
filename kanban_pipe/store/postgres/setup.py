"""Opening a pipeline on a server: refuse a foreign or newer schema, migrate, see the rights.

The same one-line refusals as for files (store.connection): another program's tables,
a schema written by a newer kanban-pipe, one that needs an upgrade the role may not make.
"""

from __future__ import annotations

from typing import Any

import psycopg

from kanban_pipe.domain.errors import (
    NewerSchemaError,
    NotAPipelineError,
    ReadOnlyError,
    StorageError,
)
from kanban_pipe.store.postgres.connection import ServerAddress, ServerConnection, server_error
from kanban_pipe.store.postgres.engine import PostgresEngine
from kanban_pipe.store.postgres.schema import (
    APPLICATION,
    META_TABLE,
    MIGRATIONS,
    SCHEMA_VERSION,
)

_CHOOSE = "choose another with --db"


def open_server(url: str) -> tuple[PostgresEngine, ServerConnection, str]:
    """Connect to the pipeline at `url`, create or upgrade its schema; also say why it is
    read-only for this role ('' when it is not)."""
    address = ServerAddress(url)
    conn = ServerConnection(address)
    try:
        schema = _one(conn, "SELECT current_schema()")[0]
        if schema is None:
            raise StorageError(f"{address.label} has no schema to keep the pipeline in: its "
                               "search_path names none that exists")
        engine = PostgresEngine(address, schema)
        engine._joined(conn.raw())
        version = _check_identity(conn, address)
        if version < SCHEMA_VERSION:
            _migrate(conn, engine, version)
        reason = _read_only_reason(conn)
    except psycopg.Error as error:
        conn.close()
        raise server_error(error, address) from error
    except BaseException:
        conn.close()
        raise
    return engine, conn, reason


# Whether the meta table exists, and how many tables the schema holds. Read from the
# catalog's tables (the statement's snapshot), not with to_regclass(): that uses the
# session's catalog cache, which does not see a table committed while we waited for the
# write lock, so two first connections would both create the schema.
_TABLES_SQL = ("SELECT count(*) FILTER (WHERE tablename = ?) > 0, count(*) FROM pg_tables"
               " WHERE schemaname = current_schema()")


def _one(conn: ServerConnection, sql: str, params: list[Any] | None = None
         ) -> tuple[Any, ...]:
    """The one row an aggregate or a function call returns."""
    row = conn.execute(sql, params or ())
    found = row.fetchone()
    assert found is not None, sql
    return tuple(found)


def _check_identity(conn: ServerConnection, address: ServerAddress) -> int:
    """The schema version of the pipeline here (0: an empty schema); refuse what is not ours."""
    meta, tables = _one(conn, _TABLES_SQL, [META_TABLE])
    if not meta:
        if tables:
            raise NotAPipelineError(
                f"{address.label} holds another program's tables, not a kanban-pipe "
                f"pipeline; {_CHOOSE}")
        return 0
    found = dict(conn.execute(f"SELECT key, value FROM {META_TABLE}").fetchall())
    if found.get("application") != APPLICATION:
        raise NotAPipelineError(
            f"{address.label} holds another program's tables, not a kanban-pipe pipeline; "
            f"{_CHOOSE}")
    version = int(found.get("schema_version", "0"))
    if version > SCHEMA_VERSION:
        raise NewerSchemaError(
            f"{address.label} was written by a newer kanban-pipe (schema {version}, this "
            f"program knows {SCHEMA_VERSION}); upgrade kanban-pipe to open it")
    return version


def _migrate(conn: ServerConnection, engine: PostgresEngine, version: int) -> None:
    """Apply the pending migrations in one transaction under the write lock."""

    def work() -> None:
        # Someone else may have migrated while we waited for the lock: look again.
        current = _version_now(conn)
        for step in MIGRATIONS[current:]:
            step(conn)
        conn.execute(f"INSERT INTO {META_TABLE} (key, value) VALUES ('schema_version', ?)"
                     " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                     [str(SCHEMA_VERSION)])

    try:
        engine.run_write(conn, work)
    except ReadOnlyError:
        what = "created" if version == 0 else f"upgraded from version {version}"
        raise ReadOnlyError(
            f"{engine.label} needs its kanban-pipe schema {what} to version {SCHEMA_VERSION}, "
            "and your database role may not: run any kanban-pipe command on it once as "
            "the owner role (see `kanban-pipe server-sql`)") from None


def _version_now(conn: ServerConnection) -> int:
    """The version under the write lock (another session may have just created it)."""
    exists = _one(conn, _TABLES_SQL, [META_TABLE])[0]
    if not exists:
        return 0
    row = conn.execute(f"SELECT value FROM {META_TABLE} WHERE key = 'schema_version'"
                       ).fetchone()
    return int(row[0]) if row else 0


def _read_only_reason(conn: ServerConnection) -> str:
    """Why this role cannot save to the pipeline ('' when it can)."""
    may = _one(conn, "SELECT has_table_privilege('deals', 'UPDATE')"
                     " AND has_table_privilege('activities', 'INSERT')")[0]
    if may:
        return ""
    role = _one(conn, "SELECT current_user")[0]
    return f"the database role {role} may read the pipeline but not change it"
