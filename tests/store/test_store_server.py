"""The server engine's own promises: its migrations, refusals, roles and words.

The store's behaviour on a server is tested by every engine-parametrized store test;
these are what only a server has (a schema in a database, roles, a URL).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import psycopg
import pytest

from kanban_pipe.domain.errors import (
    NewerSchemaError,
    NotAPipelineError,
    ReadOnlyError,
    ServerUnavailableError,
)
from kanban_pipe.store import open_store
from kanban_pipe.store import schema as file_schema
from kanban_pipe.store.postgres import schema as server_schema
from kanban_pipe.store.postgres.connection import ServerAddress, ServerConnection, scrub
from kanban_pipe.store.postgres.sql import translate
from tests.engines import with_schema

REPO = Path(__file__).resolve().parents[2]


def sql(url: str, statement: str) -> list[tuple[object, ...]]:
    """Run one statement as the test server's superuser."""
    with psycopg.connect(url, autocommit=True) as conn:
        cursor = conn.execute(statement)
        return cursor.fetchall() if cursor.description else []


def test_both_engines_are_at_the_same_schema_version() -> None:
    assert server_schema.SCHEMA_VERSION == file_schema.SCHEMA_VERSION


def test_an_empty_schema_gets_the_pipeline(pg_url: str) -> None:
    store = open_store(pg_url, user="anna")
    try:
        assert [s.key for s in store.stages()] == [
            "lead", "qualified", "proposal", "commitment", "won"]
        assert store.home_currency() == "EUR"
    finally:
        store.close()
    assert dict(sql(pg_url, "SELECT key, value FROM kanban_pipe")) == {
        "application": "kanban-pipe", "schema_version": str(file_schema.SCHEMA_VERSION)}


def test_an_older_schema_is_upgraded_and_keeps_its_deals(pg_url: str) -> None:
    version_one = ServerConnection(ServerAddress(pg_url))
    server_schema.MIGRATIONS[0](version_one)
    version_one.execute("INSERT INTO kanban_pipe (key, value) VALUES ('schema_version', '1')")
    version_one.execute(
        "INSERT INTO deals (title, currency, stage, owner, created_at, updated_at,"
        " stage_entered_at, last_activity_at) VALUES ('Acme', 'EUR', 'lead', 'anna',"
        " '2026-11-01T09:00:00+00:00', '2026-11-01T09:00:00+00:00',"
        " '2026-11-01T09:00:00+00:00', '2026-11-01T09:00:00+00:00')")
    version_one.close()
    assert sql(pg_url, "SELECT to_regclass('reviews')") == [(None,)]

    store = open_store(pg_url, user="anna")
    try:
        assert store.get_deal(1).title == "Acme"
        assert store.rows("SELECT count(*) FROM reviews") == [(0,)]
    finally:
        store.close()
    assert sql(pg_url, "SELECT value FROM kanban_pipe WHERE key = 'schema_version'") == [
        (str(file_schema.SCHEMA_VERSION),)]
    indexes = {name for (name,) in sql(pg_url, "SELECT indexname FROM pg_indexes"
                                               " WHERE schemaname = current_schema()")}
    assert {"activities_moves", "activities_status", "reviews_owner"} <= indexes


def test_a_newer_schema_is_refused_in_the_files_words(pg_url: str) -> None:
    open_store(pg_url, user="anna").close()
    newer = file_schema.SCHEMA_VERSION + 1
    sql(pg_url, f"UPDATE kanban_pipe SET value = '{newer}' WHERE key = 'schema_version'")
    with pytest.raises(NewerSchemaError) as caught:
        open_store(pg_url, user="anna")
    assert str(caught.value).endswith(
        f"was written by a newer kanban-pipe (schema {newer}, this program knows "
        f"{file_schema.SCHEMA_VERSION}); upgrade kanban-pipe to open it")
    assert sql(pg_url, "SELECT value FROM kanban_pipe WHERE key = 'schema_version'") == [
        (str(newer),)]


def test_another_programs_tables_are_refused_and_left_alone(pg_url: str) -> None:
    sql(pg_url, "CREATE TABLE customers (id int PRIMARY KEY, name text)")
    with pytest.raises(NotAPipelineError, match="holds another program's tables"):
        open_store(pg_url, user="anna")
    assert sql(pg_url, "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
               ) == [("customers",)]


def test_an_unreachable_server_is_one_line_without_the_password(tmp_path: Path) -> None:
    url = f"postgresql://anna:s3cret-Pass@/sales?host={tmp_path}&connect_timeout=2"
    with pytest.raises(ServerUnavailableError) as caught:
        open_store(url, user="anna")
    message = str(caught.value)
    assert message.startswith(f"cannot reach sales on {tmp_path}: ")
    assert "\n" not in message and "s3cret" not in message


def test_scrub_takes_out_the_password_and_the_url() -> None:
    address = ServerAddress("postgresql://anna:pa55word@db.example.com/sales")
    assert address.label == "sales on db.example.com"
    said = scrub("bad URL postgresql://anna:pa55word@db.example.com/sales (pa55word)",
                 address)
    assert "pa55word" not in said and said == "bad URL the server address (***)"


@pytest.mark.parametrize(("given", "expected"), [
    ("SELECT a FROM t WHERE b = ? AND c = ?", ("SELECT a FROM t WHERE b = %s AND c = %s",
                                               None)),
    ("SELECT '?', x FROM t WHERE y = :y AND z::text = :y",
     ("SELECT '?', x FROM t WHERE y = %(y)s AND z::text = %(y)s", ("y", "y"))),
    ("SELECT 100 % 7, 'a%b' FROM t WHERE x = ?", ("SELECT 100 %% 7, 'a%%b' FROM t WHERE x = %s",
                                                  None)),
    ("SELECT column1, ?1 FROM (VALUES (?, ?))",
     ("SELECT column1, %(p1)s FROM (VALUES (%(p2)s, %(p3)s))", ("p1", "p2", "p3"))),
    ("-- ? is not a parameter here\nSELECT ?", ("-- ? is not a parameter here\nSELECT %s",
                                                None)),
])
def test_sqlite_placeholders_become_psycopgs(given: str,
                                             expected: tuple[str, object]) -> None:
    assert translate(given) == expected


# -- the roles of `kanban-pipe server-sql` ---------------------------------------------------

@pytest.fixture
def team_database(pg_base: str | None) -> object:
    """A database and three roles made by the printed set-up script, dropped afterwards."""
    if pg_base is None:
        pytest.skip("no PostgreSQL server binaries here")
    psql = shutil.which("psql")
    if psql is None:
        pytest.skip("no psql client here")
    tag = uuid.uuid4().hex[:8]
    names = {"database": f"sales_{tag}", "owner": f"own_{tag}", "app": f"app_{tag}",
             "viewer": f"view_{tag}"}
    script = subprocess.run(
        [sys.executable, "-m", "kanban_pipe", "server-sql",
         *(f"--{key}={value}" for key, value in names.items())],
        capture_output=True, text=True, cwd=REPO, check=True).stdout
    done = subprocess.run([psql, pg_base, "-v", "ON_ERROR_STOP=1", "-q"], input=script,
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    base = ServerAddress(pg_base)
    host, port = base.parts.get("host", ""), base.parts.get("port", "5432")

    def url(role: str) -> str:
        return (f"postgresql:///{names['database']}?host={host}&port={port}"
                f"&user={names[role]}")

    yield names, url
    sql(pg_base, f"DROP DATABASE IF EXISTS {names['database']} WITH (FORCE)")
    for role in ("owner", "app", "viewer"):
        sql(pg_base, f"DROP ROLE IF EXISTS {names[role]}")


def test_the_app_role_writes_deals_but_only_appends_to_the_log(team_database) -> None:
    _, url = team_database
    owner = open_store(url("owner"), user="setup")  # creates the schema
    owner.close()
    rep = open_store(url("app"), user="anna")
    try:
        assert rep.read_only_reason == ""
        deal = rep.add_deal("Acme", value=1200)
        rep.move_deal(deal.id, "qualified")
        rep.set_exchange_rate("SEK", "0.087")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            rep.conn.execute("UPDATE activities SET detail = 'rewritten'")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            rep.conn.execute("DELETE FROM activities")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            rep.conn.execute("CREATE TABLE mine (x int)")
    finally:
        rep.close()
    # The owner may not rewrite it either: the trigger refuses everyone.
    with psycopg.connect(url("owner"), autocommit=True) as conn, pytest.raises(
            psycopg.errors.RaiseException, match="append-only"):
        conn.execute("UPDATE activities SET detail = 'rewritten'")


def test_the_viewer_role_opens_read_only_with_the_reason(team_database) -> None:
    names, url = team_database
    open_store(url("owner"), user="setup").close()
    wall = open_store(url("viewer"), user="wall")
    try:
        assert wall.read_only
        assert wall.read_only_reason == (
            f"the database role {names['viewer']} may read the pipeline but not change it")
        assert wall.list_deals() == []
        with pytest.raises(ReadOnlyError, match="is open read-only"):
            wall.add_deal("Acme")
    finally:
        wall.close()


def test_the_app_role_cannot_create_the_schema(team_database) -> None:
    _, url = team_database
    with pytest.raises(ReadOnlyError) as caught:
        open_store(url("app"), user="anna")
    assert "needs its kanban-pipe schema created" in str(caught.value)
    assert "owner role" in str(caught.value)


def test_two_pipelines_in_two_schemas_of_one_database(pg_base: str | None,
                                                      server_schemas) -> None:
    if server_schemas is None:
        pytest.skip("no PostgreSQL server binaries here")
    first, first_url = server_schemas.new()
    second, second_url = server_schemas.new()
    assert second_url == with_schema(pg_base, second)
    try:
        one = open_store(first_url, user="anna")
        two = open_store(second_url, user="anna")
        one.add_deal("Only in the first")
        assert two.list_deals() == [] and len(one.list_deals()) == 1
        one.close()
        two.close()
    finally:
        server_schemas.drop(first)
        server_schemas.drop(second)


def test_the_statistics_read_the_servers_history_indexes(pg_url: str) -> None:
    from kanban_pipe.store.bulk import load_demo
    from kanban_pipe.store.postgres.engine import POSTGRES_DIALECT
    from kanban_pipe.store.stats import MOVE_KINDS, history_sql

    store = open_store(pg_url, user="anna")
    try:
        load_demo(store, deals=300, seed=3)
        history = history_sql(POSTGRES_DIALECT)
        with store.lock:
            store.conn.execute("ANALYZE activities")
            store.conn.execute("SET enable_seqscan = off")  # a small table: ask for the index
            plan = " ".join(str(row[0]) for row in store.conn.execute(
                f"EXPLAIN SELECT {history.move_from}, {history.move_to}, {history.move_days},"
                f" count(*) FROM activities WHERE {MOVE_KINDS} GROUP BY 1, 2, 3"))
    finally:
        store.close()
    assert "activities_moves" in plan, plan


def test_libpq_finds_the_server_by_service_name_and_environment(
        pg_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    parts = ServerAddress(pg_url).parts
    open_store(pg_url, user="anna").add_deal("Found by service")
    services = tmp_path / "pg_service.conf"
    services.write_text(f"[sales]\nhost={parts['host']}\nport={parts['port']}\n"
                        f"dbname={parts['dbname']}\nuser={parts['user']}\n"
                        f"options={parts['options']}\n")
    monkeypatch.setenv("PGSERVICEFILE", str(services))
    by_service = open_store("postgresql:///?service=sales", user="anna")
    try:
        assert by_service.path == "service sales"
        assert [d.title for d in by_service.list_deals()] == ["Found by service"]
    finally:
        by_service.close()
    for key, name in (("host", "PGHOST"), ("port", "PGPORT"), ("dbname", "PGDATABASE"),
                      ("user", "PGUSER"), ("options", "PGOPTIONS")):
        monkeypatch.setenv(name, parts[key])
    from_environment = open_store("postgresql://", user="anna")
    try:
        assert [d.title for d in from_environment.list_deals()] == ["Found by service"]
        assert from_environment.path == f"{parts['dbname']} on {parts['host']}"
    finally:
        from_environment.close()


def test_a_refused_login_says_why_in_one_line_without_the_password(pg_url: str) -> None:
    parts = ServerAddress(pg_url).parts
    url = (f"postgresql://nobody_here:Hidden-pw@/{parts['dbname']}?host={parts['host']}"
           f"&port={parts['port']}")
    with pytest.raises(ServerUnavailableError) as caught:
        open_store(url, user="anna")
    message = str(caught.value)
    assert message == (f"cannot connect to {parts['dbname']} on {parts['host']}: "
                       'role "nobody_here" does not exist')
    assert "Hidden-pw" not in message


def test_a_serialization_failure_is_retried(pg_url: str, monkeypatch) -> None:
    store = open_store(pg_url, user="anna")
    try:
        deal = store.add_deal("Acme")
        original = store._change
        failures = []

        def flaky(*args, **kwargs):
            if len(failures) < 2:
                failures.append(1)
                raise psycopg.errors.SerializationFailure("could not serialize access")
            return original(*args, **kwargs)

        monkeypatch.setattr(store, "_change", flaky)
        moved = store.move_deal(deal.id, "qualified")
        assert moved.stage == "qualified" and len(failures) == 2
        assert [a.kind.value for a in store.activities(deal.id)] == ["moved", "created"]
    finally:
        store.close()
