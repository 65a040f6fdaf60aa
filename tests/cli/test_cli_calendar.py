"""`kanban-pipe calendar FILE.ics`: parsed back with icalendar — one all-day event per
dated open next step, UIDs stable across exports, dates that no zone can move, and
hostile text kept as text."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from icalendar import Calendar

from kanban_pipe.domain.models import NextStep
from kanban_pipe.store import open_store


def _events(path: Path) -> dict[str, dict[str, object]]:
    """The file's VEVENTs by UID, with their properties decoded."""
    calendar = Calendar.from_ical(path.read_bytes())
    assert calendar["VERSION"] == "2.0" and str(calendar["PRODID"]).startswith(
        "-//kanban-pipe//")
    events = {}
    for event in calendar.walk("VEVENT"):
        events[str(event["UID"])] = {
            "summary": str(event["SUMMARY"]), "description": str(event["DESCRIPTION"]),
            "start": event["DTSTART"].dt, "end": event["DTEND"].dt,
            "stamp": event["DTSTAMP"].dt, "sequence": int(event["SEQUENCE"]),
            "value_type": event["DTSTART"].params.get("VALUE"),
        }
    return events


def _seed(store) -> dict[str, int]:
    today = date.today()
    anna = store()
    ids = {
        "acme": anna.add_deal("Acme fleet", organization="Acme AB", value=1_200_000,
                              next_step=NextStep("Call the CFO", "anna", today)).id,
        "globex": anna.add_deal("Globex pilot", owner="bob", currency="SEK", value=50_000,
                                next_step=NextStep("Send proposal", "bob",
                                                   today + timedelta(days=3))).id,
        "late": anna.add_deal("Initech", next_step=NextStep("Follow up", "bob",
                                                            today - timedelta(days=4))).id,
        "undated": anna.add_deal("Hooli", next_step=NextStep("Think it over", "anna")).id,
        "none": anna.add_deal("Stark").id,
    }
    won = anna.add_deal("Closed", next_step=NextStep("Old", "anna", today))
    anna.mark_won(won.id)
    return ids


def test_one_all_day_event_per_dated_open_step(run, store, tmp_path: Path) -> None:
    ids = _seed(store)
    result = run("calendar", str(tmp_path / "steps.ics"))
    assert result.code == 0
    assert result.out.strip() == (f"wrote 3 next steps to {tmp_path / 'steps.ics'} "
                                  "(1 without a due date left out)")
    events = _events(tmp_path / "steps.ics")
    by_deal = {int(uid.split("@")[0].removeprefix("deal-")): e for uid, e in events.items()}
    assert set(by_deal) == {ids["acme"], ids["globex"], ids["late"]}
    acme = by_deal[ids["acme"]]
    assert acme["summary"] == "Call the CFO — Acme fleet"
    assert acme["description"] == ("Deal #1: Acme fleet\nOrganization: Acme AB\nOwner: anna\n"
                                   "Value: 12,000 EUR\nStage: Lead")
    assert "Owner: bob" in str(by_deal[ids["globex"]]["description"])
    assert "Owner: anna (next step: bob)" in str(by_deal[ids["late"]]["description"])
    for deal_id, event in by_deal.items():
        due = store().get_deal(deal_id)
        assert due.next_step is not None
        # All-day: a date (VALUE=DATE), not a time that a zone could move to another day.
        assert event["value_type"] == "DATE"
        assert type(event["start"]) is date and event["start"] == due.next_step.due
        assert event["end"] == due.next_step.due + timedelta(days=1)
        # The stamp is the deal's last change, in UTC.
        stamp = event["stamp"]
        assert isinstance(stamp, datetime) and stamp.utcoffset() == timedelta(0)
        assert stamp == due.updated_at.astimezone(UTC)


def test_uids_are_stable_and_a_changed_step_updates_its_event(run, store,
                                                              tmp_path: Path) -> None:
    ids = _seed(store)
    first, second, third = (tmp_path / name for name in ("1.ics", "2.ics", "3.ics"))
    run("calendar", str(first))
    run("calendar", str(second))
    assert first.read_bytes() == second.read_bytes()  # nothing changed: the same file
    store().set_next_step(ids["acme"], "Sign the order", due=date.today() + timedelta(days=9))
    run("calendar", str(third))
    before, after = _events(first), _events(third)
    assert set(before) == set(after)  # the same UIDs: an import updates, never duplicates
    uid = next(u for u in after if u.startswith(f"deal-{ids['acme']}@"))
    assert after[uid]["summary"] == "Sign the order — Acme fleet"
    assert int(after[uid]["sequence"]) > int(before[uid]["sequence"])
    # Done, with no new step: its event leaves the calendar.
    store().complete_next_step(ids["late"])
    run("calendar", str(third))
    assert not any(u.startswith(f"deal-{ids['late']}@") for u in _events(third))


def test_uids_name_the_pipeline(run, store, db: str, tmp_path: Path) -> None:
    _seed(store)
    run("calendar", str(tmp_path / "here.ics"))
    # A copy (moved, restored from a backup) is the same pipeline: the same UIDs.
    store_copy = tmp_path / "moved" / "copy.db"
    store_copy.parent.mkdir()
    assert run("backup", str(store_copy)).code == 0
    run("--db", str(store_copy), "calendar", str(tmp_path / "copy.ics"))
    assert set(_events(tmp_path / "copy.ics")) == set(_events(tmp_path / "here.ics"))
    # Another pipeline whose deals have the same ids gets other UIDs.
    other = str(tmp_path / "other.db")
    pipeline = open_store(other, user="anna")
    pipeline.add_deal("Umbrella", next_step=NextStep("Call the CFO", "anna", date.today()))
    pipeline.close()
    run("--db", other, "calendar", str(tmp_path / "other.ics"))
    theirs = _events(tmp_path / "other.ics")
    assert len(theirs) == 1 and not set(theirs) & set(_events(tmp_path / "here.ics"))
    assert next(iter(theirs)).startswith("deal-1@")


def test_mine_and_stdout(run, store, db: str) -> None:
    ids = _seed(store)
    printed = run("calendar", "-", "--mine", user="bob")
    assert printed.code == 0 and printed.out.startswith("BEGIN:VCALENDAR")
    calendar = Calendar.from_ical(printed.out.encode())
    deals = sorted(int(str(e["UID"]).split("@")[0][5:]) for e in calendar.walk("VEVENT"))
    assert deals == sorted([ids["globex"], ids["late"]])  # the steps bob is to do
    # Named after the pipeline: its file, or its database on a server.
    name = "postgres" if db.startswith("postgresql://") else Path(db).stem
    assert str(calendar["X-WR-CALNAME"]) == f"kanban-pipe: {name} (bob)"


def test_hostile_text_stays_text(run, store, tmp_path: Path) -> None:
    evil = "Acme\x1b[2J\x07\u202eevil\x9b; BEGIN:VEVENT\nUID:x"
    store().add_deal(evil, organization="Org, \x1b]0;title\x07",
                     next_step=NextStep("Call\x1b[31m", "anna", date.today()))
    run("calendar", str(tmp_path / "evil.ics"))
    raw = (tmp_path / "evil.ics").read_bytes()
    for bad in (b"\x1b", b"\x07", "\x9b".encode(), "\u202e".encode()):
        assert bad not in raw
    events = _events(tmp_path / "evil.ics")
    assert len(events) == 1  # the title's "BEGIN:VEVENT" made no event of its own
    event = next(iter(events.values()))
    assert event["summary"] == "Call?[31m — Acme?[2J??evil?; BEGIN:VEVENT?UID:x"
    assert "Organization: Org, ?]0;title?" in str(event["description"])


@pytest.mark.file_only("writing over the pipeline file")
def test_the_file_is_written_whole_and_never_over_the_pipeline(run, store, db: str,
                                                               tmp_path: Path) -> None:
    _seed(store)
    target = tmp_path / "steps.ics"
    target.write_text("old")
    assert run("calendar", str(target)).code == 0
    assert target.read_bytes().startswith(b"BEGIN:VCALENDAR\r\n")
    assert not list(tmp_path.glob(".steps.ics.*"))  # no temporary file left behind
    onto = run("calendar", db)
    assert onto.code == 1 and "the pipeline file itself" in onto.err
    assert run("calendar", str(tmp_path)).code == 1
    missing = run("calendar", str(tmp_path / "no" / "x.ics"))
    assert missing.code == 1 and "does not exist" in missing.err
    shutil.rmtree(tmp_path / "xdg-data", ignore_errors=True)


def test_a_pipeline_id_setting_names_the_pipeline(run, store, tmp_path: Path) -> None:
    _seed(store)
    pipeline = store()
    with pipeline.lock:
        pipeline.conn.execute("INSERT INTO settings (key, value) VALUES ('pipeline_id', ?)",
                              ("sales-team-2026",))
    run("calendar", str(tmp_path / "named.ics"))
    assert {uid.split("@")[1] for uid in _events(tmp_path / "named.ics")} == {
        "sales-team-2026.kanban-pipe"}


def test_a_deal_without_a_value_in_the_calendar_and_due_json(run) -> None:
    run("add", "Size unknown", "--next", "Call", "--due", "+2d")  # no --value (#16 item 4)
    printed = run("calendar", "-")
    assert printed.code == 0, printed.err
    event = next(iter(Calendar.from_ical(printed.out.encode()).walk("VEVENT")))
    assert "Value: —" in str(event["DESCRIPTION"])
    due = run("due", "--within", "7d", "--json")  # exit 1: a step is due
    assert [step["value"] for step in json.loads(due.out)] == [None], due.err
