"""Periods of a target as people type them, and the categories a stage gives by default."""

from __future__ import annotations

from datetime import date

import pytest

from kanban_pipe.domain.errors import InvalidInputError
from kanban_pipe.domain.forecast import parse_period, period_months, quarter_of
from kanban_pipe.domain.models import ForecastCategory
from kanban_pipe.domain.rules import stage_category
from kanban_pipe.domain.stages import DEFAULT_STAGES
from kanban_pipe.domain.validation import clean_category, clean_probability

TODAY = date(2026, 11, 25)


@pytest.mark.parametrize(("typed", "period"), [
    ("2026-12", "2026-12"), ("2027-1", "2027-01"), ("dec", "2026-12"), ("nov", "2026-11"),
    ("october", "2027-10"), ("jan 2026", "2026-01"), ("this-month", "2026-11"),
    ("next-month", "2026-12"), ("2026-Q4", "2026-Q4"), ("q4", "2026-Q4"), ("q1", "2027-Q1"),
    ("Q2 2026", "2026-Q2"), ("this-quarter", "2026-Q4"), ("next-quarter", "2027-Q1"),
])
def test_periods_as_typed(typed: str, period: str) -> None:
    assert parse_period(typed, TODAY) == period


@pytest.mark.parametrize("typed", ["", "2026-13", "q5", "someday", "2026"])
def test_what_is_no_period_is_refused(typed: str) -> None:
    with pytest.raises(InvalidInputError, match="is not a month or quarter"):
        parse_period(typed, TODAY)


def test_months_of_a_period() -> None:
    assert period_months("2026-Q4") == ("2026-10", "2026-11", "2026-12")
    assert period_months("2026-11") == ("2026-11",)
    assert quarter_of("2027-03") == "2027-Q1"


def test_stage_defaults_and_typed_categories() -> None:
    assert [stage_category(s) for s in DEFAULT_STAGES[:4]] == [
        ForecastCategory.PIPELINE, ForecastCategory.PIPELINE, ForecastCategory.BEST_CASE,
        ForecastCategory.COMMIT]
    assert [clean_category(t) for t in ("1", "Best case", "best-case", "3", "omit", "stage",
                                        "")] == [
        ForecastCategory.PIPELINE, ForecastCategory.BEST_CASE, ForecastCategory.BEST_CASE,
        ForecastCategory.COMMIT, ForecastCategory.OMITTED, None, None]
    assert [clean_probability(t) for t in ("0", "55%", " 100 ", "stage", 7)] == [
        0, 55, 100, None, 7]
    with pytest.raises(InvalidInputError):
        clean_probability("-5")
