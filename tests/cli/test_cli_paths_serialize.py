"""paths (looked up when asked, created only when asked) and the pure JSON shapes."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import replace
from datetime import UTC, date, datetime

from kanban_pipe import paths
from kanban_pipe.domain.models import (
    Activity,
    ActivityKind,
    Deal,
    DealStatus,
    ForecastCategory,
    NextStep,
    Qualification,
    Stage,
)
from kanban_pipe.domain.serialize import activity_to_json, deal_to_json

TODAY = date(2026, 11, 25)
STAGE = Stage("proposal", "Proposal", 3, 50, 10, "Customer confirmed timeline",
              requires_qualification=True)


def test_paths_follow_the_user_data_dir_and_create_nothing(isolated_env, tmp_path) -> None:
    assert paths.default_db_path() == isolated_env / "kanban-pipe" / "pipeline.db"
    assert paths.demo_db_path() == isolated_env / "kanban-pipe" / "demo.db"
    assert not isolated_env.exists()
    target = tmp_path / "a" / "b" / "x.db"
    assert paths.ensure_parent(target) == target
    assert target.parent.is_dir() and not target.exists()
    paths.ensure_parent(target)  # a second call is harmless


def test_importing_paths_creates_no_directory(tmp_path) -> None:
    home = tmp_path / "data"
    code = "import kanban_pipe.paths, kanban_pipe.cli"
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60,
                   env={"XDG_DATA_HOME": str(home), "PATH": ""})
    assert not home.exists()


def _deal(**changes: object) -> Deal:
    moment = datetime(2026, 11, 1, 9, 30, tzinfo=UTC)
    deal = Deal(
        id=7, title="Acme fleet", stage="proposal", owner="anna", currency="EUR",
        created_at=moment, updated_at=moment, stage_entered_at=moment, last_activity_at=moment,
        value=1_200_050, organization="Acme", contact="Bob", source="web",
        expected_close=date(2027, 1, 15),
        next_step=NextStep("Call Bob", "carl", date(2026, 11, 20)),
        qualification=Qualification(decision_maker=True, need=True), version=4,
    )
    return replace(deal, **changes)  # type: ignore[arg-type]


def test_deal_to_json_has_exactly_the_promised_keys_and_values() -> None:
    data = deal_to_json(_deal(), STAGE, TODAY)
    assert data == {
        "id": 7, "title": "Acme fleet", "organization": "Acme", "contact": "Bob",
        "value": 1_200_050, "value_minor": 1_200_050, "value_decimal": "12000.50",
        "currency": "EUR", "stage": "proposal", "status": "open",
        "owner": "anna", "source": "web", "expected_close": "2027-01-15",
        "next_step": {"action": "Call Bob", "owner": "carl", "due": "2026-11-20"},
        "last_activity_at": "2026-11-01T09:30:00+00:00",
        "stage_entered_at": "2026-11-01T09:30:00+00:00",
        "created_at": "2026-11-01T09:30:00+00:00",
        "updated_at": "2026-11-01T09:30:00+00:00",
        "version": 4, "paused_until": None, "lost_reason": "",
        "qualification": {"decision_maker": True, "need": True, "timeline": False},
        "stale": True, "next_step_state": "overdue", "closing_soon": False,
        "unqualified": True, "days_in_stage": 24, "forecast_category": None,
        "probability": None, "pipeline": "sales",
    }


def test_deal_to_json_carries_the_owners_forecast_call() -> None:
    data = deal_to_json(_deal(forecast_category=ForecastCategory.BEST_CASE, probability=35),
                        STAGE, TODAY)
    assert (data["forecast_category"], data["probability"]) == ("best_case", 35)


def test_deal_to_json_nulls_and_closed_deals() -> None:
    data = deal_to_json(
        _deal(next_step=None, expected_close=None, status=DealStatus.PAUSED,
              paused_until=date(2027, 1, 4)),
        STAGE, TODAY)
    assert data["next_step"] is None and data["expected_close"] is None
    assert (data["status"], data["paused_until"]) == ("paused", "2027-01-04")
    assert (data["stale"], data["unqualified"]) == (False, False)  # only open deals are flagged


def test_activity_to_json() -> None:
    activity = Activity(3, 7, datetime(2026, 11, 2, 8, 0, tzinfo=UTC), "anna",
                        ActivityKind.NEXT_STEP_DONE, "Call Bob")
    assert activity_to_json(activity) == {
        "id": 3, "deal_id": 7, "at": "2026-11-02T08:00:00+00:00", "actor": "anna",
        "kind": "next_step_done", "detail": "Call Bob",
    }
