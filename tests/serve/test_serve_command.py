"""`kanban-pipe serve` without a browser: the command each tab runs, the address and the
warning beyond this machine, /calendar.ics, and a real server started and stopped."""

from __future__ import annotations

import shlex
import socket
import sys
import urllib.error
import urllib.request
from datetime import date
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer
from icalendar import Calendar

from kanban_pipe.cli import main
from kanban_pipe.cli.serve import board_command, is_loopback, public_url
from kanban_pipe.cli.web import BoardServer
from kanban_pipe.domain.models import NextStep
from kanban_pipe.store import open_store


def test_each_tab_runs_this_python_s_board_on_the_same_file() -> None:
    command = board_command("/srv/team's pipe/pipe.db", "anna o'neil", read_only=False)
    assert command.startswith("exec ")
    assert shlex.split(command)[1:] == [sys.executable, "-m", "kanban_pipe", "--db",
                                        "/srv/team's pipe/pipe.db", "--user", "anna o'neil"]
    looking = shlex.split(board_command("x.db", "anna", read_only=True))
    assert looking[-1] == "--read-only" and looking[5].startswith("/")  # absolute


@pytest.mark.parametrize(("host", "loopback"), [
    ("127.0.0.1", True), ("127.8.0.1", True), ("::1", True), ("[::1]", True),
    ("localhost", True), ("LocalHost", True), ("0.0.0.0", False), ("::", False),
    ("192.168.1.20", False), ("10.0.0.1", False), ("team-host.example.com", False),
])
def test_what_counts_as_this_machine_only(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback


def test_the_address_browsers_are_given() -> None:
    assert public_url("127.0.0.1", 8000) == "http://127.0.0.1:8000"
    assert public_url("::1", 8080) == "http://[::1]:8080"
    assert public_url("0.0.0.0", 8000) == f"http://{socket.gethostname()}:8000"


@pytest.fixture
def served(monkeypatch: pytest.MonkeyPatch) -> list[BoardServer]:
    """Servers that `serve` would have started (their serve() records instead)."""
    made: list[BoardServer] = []
    monkeypatch.setattr(BoardServer, "serve", lambda self, debug=False: made.append(self))
    # Nor do they try the address: 192.0.2.7 is not this machine's, 8000 may be in use.
    monkeypatch.setattr("kanban_pipe.cli.serve.check_address", lambda host, port: None)
    return made


def _serve(db: str, capsys: pytest.CaptureFixture[str], *args: str,
           top: tuple[str, ...] = ()) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(["--db", db, "--user", "anna", *top, "serve", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_serve_binds_to_this_machine_by_default_and_says_where(db: str, served,
                                                               capsys) -> None:
    code, printed, errors = _serve(db, capsys)
    assert (code, printed, errors) == (0, "", "")  # the server says where, once listening
    (server,) = served
    assert (server.host, server.port, server.public_url) == ("127.0.0.1", 8000,
                                                              "http://127.0.0.1:8000")
    assert server.calendar is None
    assert shlex.split(server.command)[-2:] == ["--user", "anna"]
    assert server.announce.splitlines() == [
        f"kanban-pipe: serving the board of {db} at http://127.0.0.1:8000/ as anna",
        "kanban-pipe: Ctrl+C stops"]


def test_another_address_needs_host_and_is_warned_about(db: str, served, capsys) -> None:
    code, _, errors = _serve(db, capsys, "--host", "0.0.0.0", "--port", "9000")
    assert code == 0
    assert errors.startswith("kanban-pipe: warning: serving on 0.0.0.0, not only this "
                             "machine: anyone who can reach it can see and change the "
                             "pipeline, because textual-serve has no login of its own.")
    assert "SSH port forwarding" in errors and "reverse proxy with authentication" in errors
    assert "The board in a browser" in errors
    assert served[0].host == "0.0.0.0" and served[0].port == 9000
    _, _, errors = _serve(db, capsys, "--host", "192.0.2.7", "--read-only")
    assert "can see the pipeline," in errors
    _, _, errors = _serve(db, capsys, "--host", "localhost")
    assert errors == ""


def test_read_only_and_calendar_options(db: str, served, capsys) -> None:
    _serve(db, capsys, "--read-only", "--calendar",
           "--public-url", "https://pipeline.example.com/")
    _serve(db, capsys, top=("--read-only",))
    first, second = served
    assert first.command.endswith(" --read-only") and second.command.endswith(" --read-only")
    assert first.public_url == "https://pipeline.example.com"
    assert first.calendar is not None and second.calendar is None
    assert "https://pipeline.example.com/calendar.ics" in first.announce


def test_a_port_in_use_is_one_line(db: str, capsys) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        code, printed, errors = _serve(db, capsys, "--port", str(port))
    assert (code, printed) == (1, "")  # refused before it says it serves
    assert errors == (f"kanban-pipe: error: cannot serve on 127.0.0.1:{port}: "
                      "Address already in use\n")


def test_bad_ports_are_refused(db: str, capsys) -> None:
    for port in ("0", "65536", "http"):
        assert _serve(db, capsys, "--port", port)[0] == 2


async def _client(server: BoardServer) -> TestClient[Any, Any]:
    client: TestClient[Any, Any] = TestClient(TestServer(await server._make_app()))
    await client.start_server()
    return client


def _calendar_of(db: str) -> Any:
    from kanban_pipe.cli.serve import _calendar_source

    return _calendar_source(db, "anna")


async def test_calendar_ics_is_served_fresh_and_per_owner(db: str) -> None:
    pipeline = open_store(db, user="anna")
    pipeline.add_deal("Acme fleet", next_step=NextStep("Call", "anna", date.today()))
    pipeline.add_deal("Globex", next_step=NextStep("Mail", "bob", date.today()))
    server = BoardServer("true", host="127.0.0.1", port=1, public_url="http://127.0.0.1:1",
                         title="t", announce="", calendar=_calendar_of(db))
    client = await _client(server)
    try:
        answer = await client.get("/calendar.ics")
        assert answer.status == 200 and answer.content_type == "text/calendar"
        events = Calendar.from_ical(await answer.read()).walk("VEVENT")
        assert sorted(str(e["SUMMARY"]) for e in events) == ["Call — Acme fleet",
                                                             "Mail — Globex"]
        # A change is in the next fetch: each request reads the pipeline as it is now.
        pipeline.add_deal("Initech", next_step=NextStep("Visit", "bob", date.today()))
        answer = await client.get("/calendar.ics", params={"owner": "bob"})
        events = Calendar.from_ical(await answer.read()).walk("VEVENT")
        assert sorted(str(e["SUMMARY"]) for e in events) == ["Mail — Globex",
                                                             "Visit — Initech"]
        bad = await client.get("/calendar.ics", params={"owner": " "})
        assert bad.status == 400 and "owner is required" in await bad.text()
        page = await client.get("/")
        assert page.status == 200 and 'ws://127.0.0.1:1/ws' in await page.text()
    finally:
        await client.close()
        pipeline.close()


async def test_no_calendar_unless_asked(db: str) -> None:
    server = BoardServer("true", host="127.0.0.1", port=1, public_url="http://127.0.0.1:1",
                         title="t", announce="")
    client = await _client(server)
    try:
        assert (await client.get("/calendar.ics")).status == 404
    finally:
        await client.close()


def test_a_real_server_serves_the_page_and_the_calendar_and_stops(tmp_path, serve) -> None:
    db = str(tmp_path / "pipe.db")
    pipeline = open_store(db, user="anna")
    pipeline.add_deal("Acme fleet", next_step=NextStep("Call", "anna", date.today()))
    pipeline.close()
    running = serve(db, "--calendar")
    with urllib.request.urlopen(f"{running.url}/calendar.ics", timeout=10) as answer:
        assert answer.headers["Content-Type"] == "text/calendar; charset=utf-8"
        assert b"SUMMARY:Call \xe2\x80\x94 Acme fleet" in answer.read()
    with urllib.request.urlopen(f"{running.url}/", timeout=10) as answer:
        assert f"{running.url.replace('http', 'ws')}/ws".encode() in answer.read()
    with pytest.raises(urllib.error.HTTPError):
        urllib.request.urlopen(f"{running.url}/nothing-here", timeout=10)
    printed = running.stop()
    assert running.process.returncode == 0
    assert f"serving the board of {db} at {running.url}/ as anna" in printed
    assert f"next steps for a calendar at {running.url}/calendar.ics" in printed
