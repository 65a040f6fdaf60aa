"""`list` and `show`: human tables with flag markers, JSON with the promised keys."""

from __future__ import annotations

import json
from datetime import date, timedelta

from kanban_pipe.domain.models import NextStep, QualificationFact

DEAL_KEYS = {
    "id", "title", "organization", "contact", "value", "currency", "stage", "status", "owner",
    "source", "expected_close", "next_step", "last_activity_at", "stage_entered_at",
    "created_at", "updated_at", "version", "paused_until", "lost_reason", "qualification",
    "stale", "next_step_state", "closing_soon", "unqualified", "days_in_stage",
    "value_minor", "value_decimal", "forecast_category", "probability", "pipeline",
}


def _seed(store) -> dict[str, int]:
    """Deals in known states: stale, overdue, healthy, closing soon, unqualified, won, lost."""
    today = date.today()
    old = store(days_ago=30)  # a clock a month back makes deals with no recent activity
    ids = {
        "stale": old.add_deal("Old lead", organization="Dusty", value=500_000).id,
        "overdue": old.add_deal(
            "Late call", stage="qualified", owner="bob",
            next_step=NextStep("Call", "bob", today - timedelta(days=33))).id,
    }
    now = store()
    ids["healthy"] = now.add_deal(
        "Fresh", organization="Acme", value=1_250_000,
        next_step=NextStep("Demo", "anna", today + timedelta(days=3))).id
    ids["closing"] = now.add_deal(
        "Closing", stage="proposal", expected_close=today + timedelta(days=5),
        next_step=NextStep("Sign", "anna", today)).id
    now.qualify_deal(ids["closing"], dict.fromkeys(QualificationFact, True))
    ids["won"] = now.add_deal("Done deal", stage="won").id
    ids["lost"] = now.add_deal("Gone").id
    now.mark_lost(ids["lost"], "budget cut")
    return ids


def _rows(text: str) -> dict[str, str]:
    """Table lines by deal id ('#3' -> the whole line)."""
    return {line.split()[0]: line for line in text.splitlines() if line.lstrip().startswith("#")}


def test_list_shows_open_deals_with_flags(run, store) -> None:
    ids = _seed(store)
    result = run("list")
    assert result.code == 0
    lines = result.out.splitlines()
    assert lines[0].split() == ["ID", "STAGE", "TITLE", "ORG", "VALUE", "OWNER", "NEXT", "STEP",
                                "DAYS", "FLAGS"]
    rows = _rows(result.out)
    assert set(rows) == {f"#{ids[k]}" for k in ("stale", "overdue", "healthy", "closing")}
    assert rows[f"#{ids['stale']}"].endswith("NO STEP STALE 30d")
    assert "5k EUR" in rows[f"#{ids['stale']}"] and " 30 " in rows[f"#{ids['stale']}"]
    assert rows[f"#{ids['overdue']}"].endswith("LATE STALE 30d")
    assert "Call (33d overdue)" in rows[f"#{ids['overdue']}"]
    assert "Demo (in 3d)" in rows[f"#{ids['healthy']}"]
    assert "12.5k EUR" in rows[f"#{ids['healthy']}"]
    assert rows[f"#{ids['healthy']}"].rstrip().endswith(" 0")  # no flags at all
    assert rows[f"#{ids['closing']}"].endswith("CLOSE 5d")
    assert "Sign (today)" in rows[f"#{ids['closing']}"]
    assert lines[-1] == "4 deals, 17.5k EUR"


def test_list_marks_unqualified_deals(run, store) -> None:
    deal_id = store().add_deal("Skipped ahead", stage="commitment").id
    assert _rows(run("list").out)[f"#{deal_id}"].endswith("NO STEP UNQUAL")


def test_list_unqualified_is_the_clean_up_list(run, store) -> None:
    from kanban_pipe.domain.models import QualificationFact

    pipeline = store()
    skipped = pipeline.add_deal("Skipped ahead", stage="commitment").id
    half = pipeline.add_deal("Half qualified", stage="proposal").id
    pipeline.qualify_deal(half, {QualificationFact.NEED: True})
    whole = pipeline.add_deal("Qualified", stage="proposal").id
    pipeline.qualify_deal(whole, {fact: True for fact in QualificationFact})
    pipeline.add_deal("Early lead", stage="lead")  # Lead needs no qualification yet
    pipeline.mark_lost(pipeline.add_deal("Lost one", stage="proposal").id, "price")
    listed = run("list", "--unqualified")
    assert (listed.code, set(_rows(listed.out))) == (0, {f"#{skipped}", f"#{half}"})
    assert all(row.endswith("UNQUAL") for row in _rows(listed.out).values())
    as_json = run("list", "--unqualified", "--json", "--search", "half").out
    assert [deal["id"] for deal in json.loads(as_json)] == [half]


def test_list_filters(run, store) -> None:
    ids = _seed(store)
    assert set(_rows(run("list", "--stale").out)) == {f"#{ids['stale']}", f"#{ids['overdue']}"}
    assert set(_rows(run("list", "--owner", "bob").out)) == {f"#{ids['overdue']}"}
    assert set(_rows(run("list", "--stage", "Qualified").out)) == {f"#{ids['overdue']}"}
    assert set(_rows(run("list", "--stage", "3").out)) == {f"#{ids['closing']}"}
    won = run("list", "--status", "won").out
    assert set(_rows(won)) == {f"#{ids['won']}"} and _rows(won)[f"#{ids['won']}"].endswith("WON")
    assert len(_rows(run("list", "--status", "all").out)) == 6
    assert run("list", "--owner", "nobody").out == "no deals match\n"
    bad = run("list", "--stage", "nowhere")
    assert bad.code == 1 and "no stage 'nowhere'" in bad.err
    assert run("list", "--status", "closed").code == 2


def test_list_json_has_the_promised_keys_and_values(run, store) -> None:
    ids = _seed(store)
    result = run("list", "--json", "--status", "all")
    deals = {d["id"]: d for d in json.loads(result.out)}
    assert len(deals) == 6
    assert all(set(d) == DEAL_KEYS for d in deals.values())
    overdue = deals[ids["overdue"]]
    assert overdue["next_step"] == {
        "action": "Call", "owner": "bob",
        "due": (date.today() - timedelta(days=33)).isoformat()}
    assert (overdue["stage"], overdue["owner"], overdue["status"]) == ("qualified", "bob", "open")
    assert (overdue["stale"], overdue["next_step_state"]) == (True, "overdue")
    assert overdue["days_in_stage"] == 30
    healthy = deals[ids["healthy"]]
    assert (healthy["value"], healthy["currency"], healthy["stale"]) == (1_250_000, "EUR", False)
    assert healthy["qualification"] == {"decision_maker": False, "need": False,
                                        "timeline": False}
    closing = deals[ids["closing"]]
    assert (closing["closing_soon"], closing["unqualified"], closing["next_step_state"]) == (
        True, False, "due_today")
    assert closing["expected_close"] == (date.today() + timedelta(days=5)).isoformat()
    assert deals[ids["lost"]]["lost_reason"] == "budget cut"
    assert deals[ids["stale"]]["next_step"] is None
    assert json.loads(run("list", "--json", "--owner", "nobody").out) == []


def test_show_human_lists_fields_and_history_newest_first(run, store) -> None:
    deal_id = run("add", "Acme fleet", "--org", "Acme", "--value", "12k", "--close",
                  "+20d").out.strip()
    run("move", deal_id, "next", "--confirm")
    run("log", deal_id, "--kind", "note", "Budget approved")
    result = run("show", deal_id)
    lines = result.out.splitlines()
    assert lines[0] == f"#{deal_id}  Acme fleet"
    fields = {line[2:17].strip(): line[17:] for line in lines[1:] if line.startswith("  ")
              and not line.startswith("   ")}
    assert fields["value"] == "12,000 EUR"
    assert fields["stage"] == "Qualified (0d in stage)"
    assert fields["owner"] == "anna"
    close = (date.today() + timedelta(days=20)).isoformat()
    assert fields["expected close"] == f"{close} (in 20d)"
    assert fields["qualification"] == "decision maker yes, need no, timeline no"
    assert fields["flags"] == "NO STEP"
    history = lines[lines.index("history (3, newest first):") + 2:]
    assert [line.split()[3] for line in history] == ["note", "moved", "created"]
    assert history[0].endswith("Budget approved")


def test_show_json_adds_activities(run, store) -> None:
    deal_id = int(run("add", "Acme").out)
    run("next", str(deal_id), "Call", "--due", "today")
    data = json.loads(run("show", str(deal_id), "--json").out)
    assert set(data) == DEAL_KEYS | {"activities"}
    assert data["id"] == deal_id and data["next_step_state"] == "due_today"
    assert [a["kind"] for a in data["activities"]] == ["next_step_set", "created"]
    assert set(data["activities"][0]) == {"id", "deal_id", "at", "actor", "kind", "detail"}
    assert data["activities"][0]["actor"] == "anna"


def test_user_text_never_reaches_the_terminal_raw(run, store) -> None:
    evil = "Acme\x1b[2J\x07\u202eevil\x9b"
    deal_id = store().add_deal(evil, organization="\x1b]0;title\x07").id
    for args in (["list"], ["show", str(deal_id)]):
        out = run(*args).out
        assert "\x1b" not in out and "\x07" not in out and "\x9b" not in out
        assert "\u202e" not in out
        assert "Acme?[2J??evil?" in out
    # JSON keeps the exact text (escaped by the JSON encoder, so still no raw ESC).
    raw = run("show", str(deal_id), "--json").out
    assert "\x1b" not in raw and json.loads(raw)["title"] == evil
    bad = run("list", "--stage", "\x1b[31m")
    assert "\x1b" not in bad.err and bad.code == 1


def test_wide_characters_keep_columns_aligned(run, store) -> None:
    store().add_deal("東京の案件", value=100)
    store().add_deal("Plain", value=100)
    lines = run("list").out.splitlines()[:3]
    # The ORG column starts at the same display column on every line.
    from kanban_pipe.cli.output import display_width

    starts = {display_width(line[:line.index(mark)]) for line, mark in
              zip(lines, ("ORG", "-", "-"), strict=True)}
    assert len(starts) == 1
