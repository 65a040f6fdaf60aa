"""A deal without a value (NULL, apart from 0) in `list`, `show`, JSON and the export.

Nothing writes such a deal yet (import and the board do so once the board shows it, #16
item 4); these read one that schema 3 allows, so that side is ready.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

from kanban_pipe.domain.amounts import value_text
from kanban_pipe.domain.models import Deal, Stage
from kanban_pipe.domain.money import total
from kanban_pipe.domain.review import build_queues
from kanban_pipe.domain.rules import weighted_value
from tests.engines import RawRows


def no_value(db: str, deal_id: int) -> None:
    RawRows(db).execute("UPDATE deals SET value = NULL WHERE id = ?", (deal_id,))


def test_list_show_json_and_export_show_no_value_apart_from_zero(run, db) -> None:
    run("add", "Valued", "--value", "12k")
    run("add", "Unknown")
    run("add", "Pilot", "--value", "0")
    no_value(db, 2)
    lines = run("list").out.splitlines()
    values = {line.split()[2]: line.split()[4] for line in lines[1:-1]}
    assert values == {"Valued": "12k", "Unknown": "—", "Pilot": "0"}
    assert lines[-1] == "3 deals, 12k EUR (1 without a value)"
    assert "  value          —" in run("show", "2").out
    listed = {d["id"]: d for d in json.loads(run("list", "--json").out)}
    assert [listed[2][k] for k in ("value", "value_minor", "value_decimal")] == [None] * 3
    assert [listed[3][k] for k in ("value", "value_minor", "value_decimal")] == [0, 0, "0.00"]
    exported = run("export").out.splitlines()
    assert [row.split(",")[4] for row in exported[1:]] == ["12000", "", "0"]


def test_domain_rules_count_no_value_apart() -> None:
    assert value_text(None, "EUR") == "—" and value_text(0, "EUR") == "0 EUR"
    money = total([(120_000, "EUR", 1), (None, "EUR", 2), (None, "USD", 1)], "EUR", {})
    assert (money.amount, money.converted_deals, money.no_value_deals) == (120_000, 1, 3)
    assert not money.unconverted  # no value is not an amount without a rate
    now = datetime(2026, 11, 1, tzinfo=UTC)
    stage = Stage("lead", "Lead", 1, 10, 14)

    def deal(deal_id: int, value: int | None) -> Deal:
        return Deal(id=deal_id, title=f"D{deal_id}", stage="lead", owner="anna",
                    currency="EUR", created_at=now, updated_at=now, stage_entered_at=now,
                    last_activity_at=now, value=value)  # type: ignore[arg-type]

    assert weighted_value(deal(1, None), stage) is None
    assert weighted_value(deal(1, 1000), stage) == 100
    # No next step: the biggest first, and deals without a value after every valued one.
    queue = build_queues([deal(1, None), deal(2, 500), deal(3, 0), deal(4, 9000)],
                         {"lead": stage}, date(2026, 11, 2))
    assert [item.deal.id for item in queue] == [4, 2, 3, 1]
