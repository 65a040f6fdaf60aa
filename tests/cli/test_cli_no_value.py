"""A deal without a value (NULL, apart from 0) in `add`, `edit`, `import`, `list`, `show`,
JSON and the export (#16 item 4): every writer can write it, every reader shows it apart."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

from kanban_pipe.domain.amounts import value_text
from kanban_pipe.domain.models import Deal, Stage
from kanban_pipe.domain.money import total
from kanban_pipe.domain.review import build_queues
from kanban_pipe.domain.rules import weighted_value


def test_list_show_json_and_export_show_no_value_apart_from_zero(run) -> None:
    run("add", "Valued", "--value", "12k")
    run("add", "Unknown")
    run("add", "Pilot", "--value", "0")  # "Unknown" has no --value: no value, not 0
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


def test_edit_clears_a_value_and_sets_it_again(run) -> None:
    run("add", "Fleet", "--value", "12k")
    assert run("edit", "1", "--value", "none").out == "edited #1 'Fleet': changed value\n"
    assert json.loads(run("show", "1", "--json").out)["value"] is None
    run("edit", "1", "--value", "0")
    assert json.loads(run("show", "1", "--json").out)["value"] == 0
    assert "or `none` for no value" in " ".join(run("edit", "--help").out.split())


def test_import_reads_an_empty_amount_as_no_value(run, tmp_path: Path) -> None:
    csv = tmp_path / "deals.csv"
    csv.write_text("title,value\nPriced,1200\nEmpty,\nZero,0\n", encoding="utf-8")
    assert run("import", str(csv)).code == 0
    pipedrive = tmp_path / "pipedrive.csv"
    pipedrive.write_text("\ufeffDeal - Title,Deal - Value,Deal - Stage\n"
                         "PD empty,,Lead\nPD priced,\"2,500\",Lead\n", encoding="utf-8")
    assert run("import", str(pipedrive)).code == 0, run("import", str(pipedrive)).err
    own = tmp_path / "own.json"
    own.write_text(json.dumps([{"title": "JSON null", "value": None},
                               {"title": "JSON lacks it"}, {"title": "JSON 0", "value": 0}]),
                   encoding="utf-8")
    assert run("import", str(own)).code == 0
    values = {d["title"]: d["value"] for d in json.loads(run("list", "--json").out)}
    assert values == {"Priced": 120_000, "Empty": None, "Zero": 0, "PD empty": None,
                      "PD priced": 250_000, "JSON null": None, "JSON lacks it": None,
                      "JSON 0": 0}
    # Exported and imported again (CSV: an empty cell; JSON: null), no value stays so.
    for kind in ("csv", "json"):
        back = tmp_path / f"back.{kind}"
        assert run("export", "--format", kind, "--output", str(back)).code == 0
        assert run("import", str(back)).code == 0
        again = {d["title"]: d["value"] for d in json.loads(run("list", "--json").out)}
        assert again == values, kind


def test_list_sorted_by_value_puts_no_value_last(run) -> None:
    for title, value in (("Unknown", None), ("Small", "500"), ("Zero", "0"), ("Big", "9k")):
        run("add", title, *(("--value", value) if value else ()))
    listed = json.loads(run("list", "--json", "--sort", "value").out)
    assert [d["title"] for d in listed] == ["Big", "Small", "Zero", "Unknown"]


def test_stats_count_deals_without_a_value_and_leave_them_out_of_averages(run) -> None:
    run("add", "Won priced", "--value", "10k")
    run("add", "Won unknown")
    run("won", "1")
    run("won", "2")
    run("add", "Open unknown")
    run("add", "Open priced", "--value", "4k")
    out = run("stats").out
    assert "1 deal without a value: counted, in no sum" in out
    # 10k over the one won deal with a value, not 5k over both.
    assert "Average won value 10k EUR (1 deal without a value left out)" in out
