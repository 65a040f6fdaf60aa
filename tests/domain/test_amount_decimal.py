"""format_decimal: amounts for machines, every minor digit written, the unit unmistakable."""

from __future__ import annotations

import pytest

from kanban_pipe.domain.amounts import format_decimal


@pytest.mark.parametrize(("minor", "currency", "text"), [
    (450_050, "EUR", "4500.50"),
    (450_000, "EUR", "4500.00"),
    (5, "USD", "0.05"),
    (0, "EUR", "0.00"),
    (4500, "JPY", "4500"),
    (1_234_567, "KWD", "1234.567"),
    (-150, "EUR", "-1.50"),
])
def test_format_decimal(minor: int, currency: str, text: str) -> None:
    assert format_decimal(minor, currency) == text
