"""The team server on the command line: `copy` between engines, and `server-sql`."""

from __future__ import annotations

import argparse
import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from kanban_pipe.cli import output as out
from kanban_pipe.domain.errors import InvalidInputError, StorageError
from kanban_pipe.store import open_store
from kanban_pipe.store.engine import is_server_url

_ROLE = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def register(commands: Any, sub: Callable[..., Any]) -> None:
    """Add this module's commands to the parser's subcommand group."""
    copying = sub(commands, "copy", file_copy,
                  "copy a whole pipeline between a file and a server, all or nothing")
    copying.add_argument("source", metavar="FROM", help="a pipeline file or postgresql:// URL")
    copying.add_argument("target", metavar="TO",
                         help="a new file, or an empty database (postgresql:// URL)")
    copying.set_defaults(file_handler=file_copy)
    script = sub(commands, "server-sql", print_server_sql,
                 "print the SQL that prepares a PostgreSQL server for a team")
    script.add_argument("--database", default="sales", help="database name (default sales)")
    script.add_argument("--owner", default="kanban_owner",
                        help="role that owns the schema and upgrades it (default kanban_owner)")
    script.add_argument("--app", default="kanban_app",
                        help="role the reps connect as (default kanban_app)")
    script.add_argument("--viewer", default="kanban_viewer",
                        help="role that may only read, for wall screens (default kanban_viewer)")
    script.set_defaults(file_handler=print_server_sql)


def _where(target: str) -> str:
    return target if is_server_url(target) else os.path.expanduser(target)


def file_copy(args: argparse.Namespace, db_path: str, user: str) -> str:
    """Copy FROM into TO and print the verified counts (`--db` is not used)."""
    from kanban_pipe.store.copy import copy_pipeline

    source, target = _where(args.source), _where(args.target)
    if not is_server_url(source) and not Path(source).is_file():
        raise InvalidInputError(f"no pipeline at {source}; nothing was copied")
    new_file = not is_server_url(target) and not Path(target).exists()
    if not is_server_url(target) and Path(target).is_dir():
        raise InvalidInputError(f"{target} is a folder; name the new pipeline file")
    reader = open_store(source, user=user)
    try:
        writer = open_store(target, user=user)
        try:
            counts = copy_pipeline(reader, writer)
            shown_source, shown_target = reader.path, writer.path
        finally:
            writer.close()
            writer.engine.close()
    except BaseException:
        if new_file:  # all or nothing: a file made for the copy goes again
            for suffix in ("", "-wal", "-shm"):
                Path(f"{target}{suffix}").unlink(missing_ok=True)
        raise
    finally:
        reader.close()
        reader.engine.close()
    words = ", ".join(f"{c.rows:,} {c.table.replace('_', ' ')}" for c in counts)
    return (f"copied {out.safe(shown_source)} to {out.safe(shown_target)}: {words}"
            " (each table counted again in the copy before it was saved)")


def _role(name: str, option: str) -> str:
    if not _ROLE.match(name):
        raise InvalidInputError(f"{option}: {name!r} is not a plain role or database name "
                                "(lower-case letters, digits and _)")
    return name


def print_server_sql(args: argparse.Namespace, db_path: str, user: str) -> str:
    """The least-privilege set-up script for psql, run once by a superuser."""
    database = _role(args.database, "--database")
    owner, app, viewer = (_role(args.owner, "--owner"), _role(args.app, "--app"),
                          _role(args.viewer, "--viewer"))
    if len({owner, app, viewer}) < 3:
        raise StorageError("--owner, --app and --viewer must be three different roles")
    return SERVER_SQL.format(database=database, owner=owner, app=app, viewer=viewer).strip()


SERVER_SQL = """
-- kanban-pipe on PostgreSQL: a database for the team's pipeline and three roles.
--   {owner}: owns the schema; kanban-pipe creates and upgrades it when it connects as
--            this role (the first `copy` onto the server, and after an upgrade).
--   {app}: what the reps connect as: reads and writes deals, stages and settings, but
--            may only append to the activity log (no UPDATE, DELETE or TRUNCATE on it).
--   {viewer}: may only read (a wall screen, `kanban-pipe serve --read-only`).
-- Run it once as a superuser, then give the roles passwords:
--   kanban-pipe server-sql | sudo -u postgres psql -v ON_ERROR_STOP=1
--   sudo -u postgres psql -c '\\password {app}'    (and {owner}, {viewer})
CREATE ROLE {owner} LOGIN;
CREATE ROLE {app} LOGIN;
CREATE ROLE {viewer} LOGIN;
CREATE DATABASE {database} OWNER {owner};
\\connect {database}
-- Only the owner creates tables; the others use what it made.
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
ALTER SCHEMA public OWNER TO {owner};
GRANT USAGE ON SCHEMA public TO {app}, {viewer};
-- Rights on every table the owner creates from now on. kanban-pipe's schema then takes
-- UPDATE, DELETE and TRUNCATE on the activity log away again, and a trigger refuses
-- them for everyone: history is never rewritten.
ALTER DEFAULT PRIVILEGES FOR ROLE {owner} IN SCHEMA public
    GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {app};
ALTER DEFAULT PRIVILEGES FOR ROLE {owner} IN SCHEMA public
    GRANT USAGE, SELECT ON SEQUENCES TO {app};
ALTER DEFAULT PRIVILEGES FOR ROLE {owner} IN SCHEMA public
    GRANT SELECT ON TABLES TO {viewer};
"""
