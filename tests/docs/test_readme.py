"""README.md: generated sections are current, and every `sh test` block runs."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from kanban_pipe import docs

README = Path(__file__).resolve().parents[2] / "README.md"
TEXT = README.read_text(encoding="utf-8")

# A fenced block whose info string is `sh test`: these commands are run by the test below.
_TEST_BLOCK = re.compile(r"^```sh test\n(.*?)^```$", re.MULTILINE | re.DOTALL)


def _commands(text: str) -> list[str]:
    """The non-empty, non-comment lines of every `sh test` block, in order."""
    commands = []
    for block in _TEST_BLOCK.findall(text):
        for line in block.splitlines():
            if line.strip() and not line.lstrip().startswith("#"):
                commands.append(line)
    return commands


@pytest.mark.parametrize("name", sorted(docs.SECTIONS))
def test_generated_section_is_current(name: str) -> None:
    assert docs.generated_section(TEXT, name) == docs.SECTIONS[name]() + "\n", (
        f"README.md's {name} section is out of date: run `python -m kanban_pipe.docs`")


def test_render_changes_nothing() -> None:
    assert docs.render(TEXT) == TEXT


def test_the_two_commands_come_first() -> None:
    head = "\n".join(TEXT.splitlines()[:15])
    assert "pip install . && kanban-pipe demo" in head
    assert "pip install '.[test]' && pytest" in head
    assert "screenshots/board.png" in TEXT.split("\n## ")[0]


def test_readme_commands_run(tmp_path: Path) -> None:
    commands = _commands(TEXT)
    assert len(commands) >= 15
    assert not any("demo" in line or line.strip() in ("kanban-pipe", "kanban-pipe review")
                   for line in commands), "no command that opens the TUI in `sh test` blocks"
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    shim = bin_dir / "kanban-pipe"
    shim.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m kanban_pipe "$@"\n',
                    encoding="utf-8")
    shim.chmod(0o755)
    work = tmp_path / "work"
    work.mkdir()
    env = {
        **os.environ,
        "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}",
        "KANBAN_PIPE_DB": str(tmp_path / "pipeline.db"),
        "KANBAN_PIPE_USER": "anna",
        "HOME": str(tmp_path / "home"),  # nothing may touch the real user data directory
        "XDG_DATA_HOME": str(tmp_path / "home" / "data"),
    }
    for line in commands:
        done = subprocess.run(["bash", "-c", line], cwd=work, env=env, capture_output=True,
                              text=True, timeout=60, stdin=subprocess.DEVNULL)
        assert done.returncode == 0, f"{line}\nexit {done.returncode}\n{done.stderr}"


# The team-server section's blocks: run against the tests' PostgreSQL server, as a
# superuser would on the server host (`sudo -u postgres` becomes that server's superuser).
_TEAM_BLOCK = re.compile(r"^```sh team-server-test\n(.*?)^```$", re.MULTILINE | re.DOTALL)
_TEAM_NAMES = ("sales", "kanban_owner", "kanban_app", "kanban_viewer")


def _drop_team(base: str) -> None:
    import psycopg

    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute("DROP DATABASE IF EXISTS sales WITH (FORCE)")
        for role in _TEAM_NAMES[1:]:
            conn.execute(f"DROP ROLE IF EXISTS {role}")


def test_team_server_section_runs(tmp_path: Path, pg_base: str | None) -> None:
    if pg_base is None:
        pytest.skip("no PostgreSQL server binaries here")
    from kanban_pipe.store.postgres.connection import ServerAddress

    blocks = _TEAM_BLOCK.findall(TEXT)
    assert len(blocks) >= 4
    port = ServerAddress(pg_base).parts.get("port", "5432")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "kanban-pipe").write_text(
        f'#!/bin/sh\nexec "{sys.executable}" -m kanban_pipe "$@"\n', encoding="utf-8")
    (bin_dir / "sudo").write_text(
        '#!/bin/sh\n[ "$1" = "-u" ] && shift 2\n'
        'exec env PGHOST=127.0.0.1 PGUSER=postgres PGDATABASE=postgres "$@"\n',
        encoding="utf-8")
    for shim in bin_dir.iterdir():
        shim.chmod(0o755)
    home = tmp_path / "home"
    home.mkdir()
    work = tmp_path / "work"
    work.mkdir()
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("KANBAN_PIPE_", "PG"))}
    env.update(PATH=f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}", HOME=str(home),
               XDG_DATA_HOME=str(home / "data"), KANBAN_PIPE_USER="anna", PGPORT=port)
    _drop_team(pg_base)
    try:
        script = "\n".join(blocks)
        done = subprocess.run(["bash", "-e", "-c", script], cwd=work, env=env,
                              capture_output=True, text=True, timeout=300,
                              stdin=subprocess.DEVNULL)
        assert done.returncode == 0, f"exit {done.returncode}\n{done.stdout}\n{done.stderr}"
        assert "Acme fleet renewal" in done.stdout
        assert "moved #1 'Acme fleet renewal' Lead → Qualified" in done.stdout
        assert "owner-secret" not in done.stdout + done.stderr
        assert "app-secret" not in done.stdout + done.stderr
        assert (work / "sales-backup.db").is_file()
    finally:
        _drop_team(pg_base)
