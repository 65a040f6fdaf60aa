"""three_way: your edits over their saved version, and what to show the user."""

from __future__ import annotations

from kanban_pipe.domain.conflicts import FieldClash, three_way

START = {"title": "Acme", "value": 100, "owner": "anna", "source": "web"}


def test_your_changes_go_over_theirs_and_theirs_stay_elsewhere() -> None:
    theirs = {**START, "value": 120, "owner": "erik"}
    yours = {**START, "title": "Acme fleet", "value": 150}
    merged, clashes = three_way(START, theirs, yours)
    assert merged == {"title": "Acme fleet", "value": 150, "owner": "erik", "source": "web"}
    assert clashes == [
        FieldClash("title", "Acme", "Acme fleet", they_changed=False, you_changed=True),
        FieldClash("value", 120, 150, they_changed=True, you_changed=True),
        FieldClash("owner", "erik", "anna", they_changed=True, you_changed=False),
    ]
    assert [c.who for c in clashes] == ["you", "both", "they"]


def test_the_same_change_on_both_sides_is_no_clash() -> None:
    theirs = {**START, "value": 150}
    merged, clashes = three_way(START, theirs, {**START, "value": 150})
    assert merged == theirs
    assert clashes == []


def test_unrelated_change_shows_nothing_and_merges_cleanly() -> None:
    theirs = dict(START)  # e.g. they moved the deal: none of these fields changed
    merged, clashes = three_way(START, theirs, {**START, "source": "fair"})
    assert merged == {**START, "source": "fair"}
    assert [c.name for c in clashes] == ["source"]
